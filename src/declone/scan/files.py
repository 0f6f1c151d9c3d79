"""Which files a scan reads: git's view of the tree when there is one, a walk otherwise.

Inside a git work tree the candidates are ``git ls-files --cached --others --exclude-standard``
(tracked plus untracked-not-ignored), so that ``.gitignore`` decides as it does for the team.
``[tool.declone] include/exclude`` globs (gitignore syntax) filter further. Symlinks are never
followed out of the root: one that leads out, or nowhere, is reported and skipped.

Backup copies are read but kept apart from live code: a backup-like file name (``x.py.bak``,
``x.py~``), any ``.py`` file below a folder whose name marks backups (``backups/``,
``old_backup/``, ``src.orig/``), and the ``.py`` files that ``[tool.declone] backup`` globs
match.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from declone.config import DEFAULT_EXCLUDE, Settings
from declone.model import FileProblem

__all__ = ["FileListing", "SourceFile", "is_backup_name", "list_source_files"]

#: A backup-like name: a Python file's name followed by backup suffixes only, in any case.
#: Anything else after ``.py`` (``.mako``, ``.j2``, ``.in``, ``.rst``, ``.txt``: templates
#: and documents) is not Python source, and not a backup either.
_BACKUP_NAME = re.compile(
    r"""
    .+\.py
    (?:
        [._-](?:bak|backup|orig|old|save|swp)(?:[-_]?\d[\d_-]*)?  # .bak .orig2 _old .bak-2024
      | \.\d+                                                  # .1 .2: numbered copies
      | \.~\d+~                                                # .~1~: cp --backup=numbered
      | ~                                                      # x.py~, x.py.swp~: editors
    )+
    """,
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


def is_backup_name(name: str, backup: Sequence[str] = ()) -> bool:
    """A backup copy, never live code: its classes are reported apart from live copies.

    ``name`` is a path relative to the root, with ``/`` separators. It is a backup copy when
    its base name is backup-like (``x.py.bak``, ``x.py.ORIG``, ``x.py~``, ``x.py.1``,
    ``x.py.~2~``), or when it is a ``.py`` file below a backup folder (a folder whose name,
    in any case, contains ``backup`` or ends in ``.bak`` or ``.orig``) or matched by one of
    the ``backup`` globs (``[tool.declone] backup``: gitignore syntax, relative to the root).
    """
    return _backup_test(tuple(backup))(name)


@functools.lru_cache(maxsize=16)
def _backup_test(backup: tuple[str, ...]) -> Callable[[str], bool]:
    configured = _matcher(backup) if backup else None

    def test(name: str) -> bool:
        folder, _, base = name.rpartition("/")
        if not base.endswith(".py"):
            return ".py" in base.lower() and _BACKUP_NAME.fullmatch(base) is not None
        if folder and _is_backup_folder(folder):
            return True
        return configured is not None and configured(name)

    return test


def _is_backup_folder(folder: str) -> bool:
    """Whether a folder (relative to the root), or one it lies in, is a backup folder: its
    name contains ``backup`` or ends in ``.bak`` or ``.orig``, in any case."""
    path = folder.lower() + "/"
    return "backup" in path or ".bak/" in path or ".orig/" in path


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    size: int
    mtime_ns: int
    is_backup: bool


@dataclass(frozen=True, slots=True)
class FileListing:
    files: tuple[SourceFile, ...]
    problems: tuple[FileProblem, ...]
    used_git: bool


def list_source_files(settings: Settings, paths: Sequence[Path] = ()) -> FileListing:
    """The Python files (and backup copies, see ``is_backup_name``) under ``settings.root``,
    sorted by path. Backup copies are listed whatever ``include`` says; ``exclude`` drops them.

    ``paths`` restricts the listing to those files or folders (relative or absolute, inside
    the root); empty means the whole root.
    """
    root = settings.root
    names = _git_listing(root)
    used_git = names is not None
    if names is None:
        names = list(_walk(root))
    include = _matcher(settings.include)
    exclude = _matcher((*DEFAULT_EXCLUDE, *settings.exclude))
    is_backup = _backup_test(settings.backup)
    prefixes = _restrict_prefixes(root, paths)
    files: list[SourceFile] = []
    problems: list[FileProblem] = []
    base = str(root) + os.sep
    for name in sorted(set(names)):
        if prefixes and not any(name == p or name.startswith(p + "/") for p in prefixes):
            continue
        backup = is_backup(name)
        if not (backup or include(name)) or exclude(name):
            continue
        entry = _stat_entry(base, root, name, backup)
        if isinstance(entry, FileProblem):
            problems.append(entry)
        elif entry is not None:
            files.append(entry)
    return FileListing(tuple(files), tuple(problems), used_git)


def _restrict_prefixes(root: Path, paths: Sequence[Path]) -> tuple[str, ...]:
    prefixes = []
    for path in paths:
        absolute = path if path.is_absolute() else Path.cwd() / path
        try:
            relative = absolute.resolve().relative_to(root)
        except ValueError:
            continue
        text = relative.as_posix()
        if text in ("", "."):
            return ()
        prefixes.append(text)
    return tuple(prefixes)


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """A gitignore-style matcher. Without negated patterns the compiled patterns are joined
    into one regular expression: one search per path instead of one per pattern, which is
    most of the listing's cost on a large tree."""
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    sources: list[str] = []
    for pattern in spec.patterns:
        if pattern.include is None:
            continue  # a blank or comment line
        regex = getattr(pattern, "regex", None)
        if not pattern.include or not isinstance(regex, re.Pattern):
            return spec.match_file  # negation needs gitignore's ordered semantics
        # Named groups (pathspec marks directory matches with one) would clash once joined.
        sources.append(_NAMED_GROUP.sub("(?:", regex.pattern))
    if not sources:
        return lambda path: False
    joined = re.compile("|".join(f"(?:{source})" for source in sources))
    return lambda path: joined.search(path) is not None


def _stat_entry(base: str, root: Path, name: str, backup: bool) -> SourceFile | FileProblem | None:
    full = base + name
    try:
        info = os.lstat(full)
    except FileNotFoundError:
        return None  # tracked by git but deleted in the work tree
    except OSError as exc:
        return FileProblem(name, 0, f"cannot stat: {exc.strerror}")
    if stat.S_ISLNK(info.st_mode):
        target = Path(os.path.realpath(full))
        if not target.exists():
            return FileProblem(name, 0, "broken symlink; skipped")
        if not target.is_relative_to(root):
            return FileProblem(name, 0, "symlink leads outside the scanned root; not followed")
        return None  # the target is inside the root and scanned under its own name
    if not stat.S_ISREG(info.st_mode):
        return None
    return SourceFile(name, info.st_size, info.st_mtime_ns, backup)


def _git_listing(root: Path) -> list[str] | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        inside = subprocess.run(
            [git, "rev-parse", "--is-inside-work-tree"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        listing = subprocess.run(
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in listing.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", ".tox", ".nox"})


def _walk(root: Path) -> Iterator[str]:
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
        relative = Path(directory).relative_to(root).as_posix()
        prefix = "" if relative == "." else relative + "/"
        yield from _names(prefix, filenames)


def _names(prefix: str, filenames: Iterable[str]) -> Iterator[str]:
    for filename in filenames:
        yield prefix + filename
