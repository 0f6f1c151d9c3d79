"""Another tree beside the user's: a temporary copy to run the target's pytest on.

``verify`` runs the original side of a migration on a copy whose files hold their original
bytes; ``measure --compare`` collects a baseline's commit again on a copy whose tracked files
are that commit's, alternating with the user's tree. Both copies skip version control,
environments and caches, and keep everything else (ignored, generated files) as it is.
The target's interpreter may have ``sys.path`` entries inside the repository (an editable
install's ``src``); on a copy they must lead to the copy, not to the user's tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from declone.measure.testselection import WALK_SKIPPED

__all__ = ["copy_at_commit", "copy_environment", "copy_tree", "tree_import_paths"]


def _ignore_skipped(directory: str, names: list[str]) -> set[str]:
    return {
        name
        for name in names
        if name in WALK_SKIPPED and os.path.isdir(os.path.join(directory, name))
    }


def copy_tree(root: Path, destination: Path) -> None:
    """Copy ``root`` into ``destination`` without version control, environments and caches."""
    shutil.copytree(root, destination, symlinks=True, ignore=_ignore_skipped, dirs_exist_ok=True)


def tree_import_paths(python: str, root: Path, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The target interpreter's ``sys.path`` entries inside the repository, relative to it:
    an editable install's ``src`` folder, a ``PYTHONPATH`` entry. A copy's run must find
    those in the copy, not in the user's tree."""
    try:
        probe = subprocess.run(
            (python, "-c", "import json, sys; print(json.dumps(sys.path))"),
            cwd=root,
            env=dict(environ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        entries = json.loads(probe.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return ()  # the test run itself reports an interpreter that does not start
    real_root = root.resolve()
    relative: list[str] = []
    for entry in entries:
        if not isinstance(entry, str) or not entry:
            continue  # "" is the working directory, which is the tree on each side
        path = Path(entry).resolve()
        if not path.is_relative_to(real_root):
            continue
        inside = path.relative_to(real_root)
        if not any(part in WALK_SKIPPED for part in inside.parts):
            relative.append(inside.as_posix())
    return tuple(dict.fromkeys(relative))


def copy_environment(
    environ: Mapping[str, str], copy: Path, tree_paths: tuple[str, ...]
) -> dict[str, str]:
    """``environ`` for a run on ``copy``: its own folders first on ``sys.path``."""
    environment = dict(environ)
    if tree_paths:
        existing = environment.get("PYTHONPATH")
        paths = [str(copy / relative) for relative in tree_paths]
        environment["PYTHONPATH"] = os.pathsep.join([*paths, *([existing] if existing else [])])
    return environment


def _git(root: Path, *arguments: str, environ: Mapping[str, str] | None = None) -> bytes | None:
    try:
        result = subprocess.run(
            ("git", *arguments),
            cwd=root,
            env=None if environ is None else dict(environ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError:  # no git on PATH
        return None
    return result.stdout if result.returncode == 0 else None


def _paths(listing: bytes) -> set[str]:
    return {path for path in listing.decode("utf-8", "surrogateescape").split("\0") if path}


def copy_at_commit(root: Path, commit: str, destination: Path) -> str:
    """Copy ``root`` into ``destination`` with its tracked files as they are in ``commit``.

    Files the commit does not have (tracked or untracked since, as git's ``status`` counts
    them) are left out; ignored files are copied as they are. Returns "" when the copy is
    made, else why it cannot be (nothing useful is left in ``destination`` then).
    """
    if _git(root, "cat-file", "-e", f"{commit}^{{commit}}") is None:
        return f"commit {commit[:10]} is not in this repository"
    committed = _git(root, "ls-tree", "-r", "-z", "--name-only", "--full-tree", commit)
    present = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if committed is None or present is None:
        return "git could not list the files"
    copy_tree(root, destination)
    for path in sorted(_paths(present) - _paths(committed)):
        target = destination / path
        if target.is_symlink() or target.is_file():
            target.unlink()
    # The commit's files through a scratch index: the repository's own index is not touched.
    with tempfile.TemporaryDirectory(prefix="declone-index-") as scratch:
        environ = {**os.environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        for arguments in (
            ("read-tree", commit),
            ("--work-tree", str(destination), "checkout-index", "--all", "--force"),
        ):
            if _git(root, *arguments, environ=environ) is None:
                return f"git could not check out commit {commit[:10]}"
    return ""
