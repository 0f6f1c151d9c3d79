"""Atomic file writes: a reader or a crash sees the old bytes or the new bytes, never a mix.

Write to a temporary file in the same folder (so the rename stays on one filesystem), flush,
fsync, ``os.replace`` over the target, then fsync the folder so that the rename itself
survives a crash. Permission bits of the file being replaced are kept. A symlink is never
written through: replacing it would silently turn it into a regular file, and writing its
target could leave the tree.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

__all__ = ["AtomicWriteError", "write_bytes_atomic", "write_text_atomic"]

#: Permission bits of a new file before the umask, as ``open(path, "w")`` uses.
_NEW_FILE_MODE = 0o666


class AtomicWriteError(OSError):
    """The target cannot be written safely (it is a symlink or not a regular file)."""


def write_bytes_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically.

    ``mode`` sets the permission bits; by default an existing file keeps its own and a new
    file gets ``0o666`` minus the umask, like any file the user's tools create.
    """
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise AtomicWriteError(
            f"{path}: is a symlink; declone does not write through symlinks, "
            "edit its target instead"
        )
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise AtomicWriteError(f"{path}: not a regular file; declone only writes regular files")
    if mode is None and info is not None:
        mode = stat.S_IMODE(info.st_mode)
    directory = path.parent
    temporary = directory / f".{path.name}.{secrets.token_hex(4)}.declone-tmp"
    # O_EXCL never reuses a file someone else created; the kernel applies the umask to the
    # new file, which avoids the process-wide (and thread-unsafe) os.umask dance.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _NEW_FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def write_text_atomic(
    path: Path, text: str, *, encoding: str = "utf-8", mode: int | None = None
) -> None:
    """Write ``text`` atomically, without newline translation (``\\n`` stays ``\\n``)."""
    write_bytes_atomic(path, text.encode(encoding), mode=mode)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
