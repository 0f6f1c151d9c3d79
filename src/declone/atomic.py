"""Atomic file writes: a reader sees the old bytes or the new bytes, never a mix.

Write to a temporary file in the same folder, flush, fsync, ``os.replace`` over the target,
then fsync the folder so the rename itself survives a crash. Permission bits of the file being
replaced are kept. A symlink is never written through: replacing it would silently turn it
into a regular file, and writing its target could leave the tree.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["AtomicWriteError", "write_bytes_atomic", "write_text_atomic"]


class AtomicWriteError(OSError):
    """The target cannot be written safely (it is a symlink or not a regular file)."""


def write_bytes_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise AtomicWriteError(f"{path}: is a symlink; declone does not write through symlinks")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise AtomicWriteError(f"{path}: not a regular file")
    if mode is None:
        mode = stat.S_IMODE(info.st_mode) if info is not None else 0o644 & ~_umask()
    directory = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".declone-tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def write_text_atomic(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    write_bytes_atomic(path, text.encode(encoding))


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
