"""The git edge of a migration: is a file dirty, and one commit per batch.

Every call runs ``git`` in the repository with the user's own configuration; nothing here
changes anything but the index and the commits a migration asks for.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from declone.errors import DecloneError, ExitCode
from declone.wording import plural

__all__ = ["commit_files", "dirty_files", "ensure_clean", "is_git_work_tree"]


def _git(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise DecloneError("git is not on PATH; install git or leave out --commit", ExitCode.USAGE)
    return subprocess.run([git, *arguments], cwd=root, capture_output=True, text=True, check=False)


def is_git_work_tree(root: Path) -> bool:
    if shutil.which("git") is None:
        return False
    result = _git(root, "rev-parse", "--is-inside-work-tree")
    return result.returncode == 0 and result.stdout.strip() == "true"


def dirty_files(root: Path, paths: Sequence[str]) -> tuple[str, ...]:
    """Those of ``paths`` (relative to ``root``) with uncommitted changes, untracked included.

    A path that does not exist and is not tracked (a module a migration will create) is clean.
    """
    if not paths:
        return ()
    result = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    if result.returncode != 0:
        raise DecloneError(
            f"{root}: git status failed: {result.stderr.strip()}; fix the repository or pass --allow-dirty",
            ExitCode.REFUSED,
        )
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.strip()
    dirty = []
    for record in result.stdout.split("\0"):
        if len(record) > 3:
            name = record[3:]
            dirty.append(name[len(prefix) :] if prefix and name.startswith(prefix) else name)
    return tuple(sorted(dirty))


def commit_files(root: Path, paths: Sequence[str], message: str) -> str:
    """Commit exactly ``paths`` (other staged changes stay staged); returns the commit id."""
    added = _git(root, "add", "--", *paths)
    if added.returncode != 0:
        raise DecloneError(f"{root}: git add failed: {added.stderr.strip()}", ExitCode.REFUSED)
    committed = _git(root, "commit", "--quiet", "-m", message, "--only", "--", *paths)
    if committed.returncode != 0:
        raise DecloneError(
            f"{root}: git commit failed: {committed.stderr.strip() or committed.stdout.strip()}; "
            "the files are migrated but not committed",
            ExitCode.REFUSED,
        )
    return _git(root, "rev-parse", "HEAD").stdout.strip()


def ensure_clean(root: Path, paths: Sequence[str], *, what: str) -> None:
    """Refuse to write ``paths`` when git says one has uncommitted changes (outside git,
    nothing to check). ``what`` names the writes: ``migrate``, ``rewrite``."""
    if not is_git_work_tree(root):
        return
    dirty = dirty_files(root, paths)
    if dirty:
        shown = ", ".join(dirty[:5]) + (" ..." if len(dirty) > 5 else "")
        raise DecloneError(
            f"{root / dirty[0]}:1:1: uncommitted changes in {plural(len(dirty), 'file')} to {what} "
            f"({shown}); commit or stash them, or pass --allow-dirty",
            ExitCode.REFUSED,
        )
