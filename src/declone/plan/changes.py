"""From a plan to new file contents: the edits per file, rewritten in memory.

Pure: a :class:`~declone.plan.planner.Plan` and the files' bytes in, one :class:`FileChange` per file
out. Writing them (journal, batches, git) is the command's job.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from declone.model import FileProblem
from declone.plan.planner import Action, Plan
from declone.rewrite import ClassEdit, EditAction, ImportOrder, RewriteStatus, rewrite_source
from declone.scan import decode_source

__all__ = [
    "FileChange",
    "edits_by_file",
    "order_files",
    "preview",
    "unified_diff",
]

_EDIT_ACTIONS = {
    Action.REPLACE: EditAction.REPLACE,
    Action.ALIAS: EditAction.ALIAS,
    Action.RESIDUAL: EditAction.RESIDUAL,
}


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file's outcome: its bytes before and after, and what happened."""

    path: str
    status: RewriteStatus
    before: bytes
    after: bytes
    #: ``"replace TestX"``, ``"residual TestX (keeps a, b)"``... one per edit.
    actions: tuple[str, ...]
    reason: str = ""
    #: True for a file that does not exist yet (the extracted canonical module).
    created: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after


def edits_by_file(
    plan: Plan, spellings: Mapping[str, str] | None = None
) -> dict[str, tuple[ClassEdit, ...]]:
    """The rewrite engine's edits for every entry that changes a file; ``spellings`` maps a
    file to the way it writes the canonical's module (``..support``), absolute otherwise."""
    edits: dict[str, list[ClassEdit]] = {}
    for entry in plan.changes:
        edits.setdefault(entry.path, []).append(
            ClassEdit(
                class_name=entry.class_name,
                lineno=entry.lineno,
                action=_EDIT_ACTIONS[entry.action],
                module=(spellings or {}).get(entry.path, plan.canonical.module),
                name=plan.canonical.name,
                keep_members=entry.keep_members,
                add_import=entry.adds_import,
            )
        )
    return {path: tuple(found) for path, found in sorted(edits.items())}


def _describe(edit: ClassEdit) -> str:
    if edit.action is EditAction.RESIDUAL:
        return f"residual {edit.class_name} (keeps {', '.join(edit.keep_members)})"
    return f"{edit.action.value} {edit.class_name}"


def preview(
    plan: Plan,
    sources: Mapping[str, bytes],
    import_order: ImportOrder | Callable[[str], ImportOrder] | None = None,
    spellings: Mapping[str, str] | None = None,
) -> tuple[FileChange, ...]:
    """Every planned file rewritten in memory; ``import_order`` places the new imports as
    the repository sorts them (one for every file, or each file's by its path; None: after
    the top import block); ``spellings`` as for :func:`edits_by_file`."""
    changes = []
    for path, edits in edits_by_file(plan, spellings).items():
        before = sources.get(path)
        actions = tuple(_describe(edit) for edit in edits)
        if before is None:
            changes.append(
                FileChange(path, RewriteStatus.SKIPPED, b"", b"", actions, "cannot read the file")
            )
            continue
        order = import_order(path) if callable(import_order) else import_order
        result = rewrite_source(before, edits, order)
        changes.append(
            FileChange(path, result.status, before, result.source, actions, result.reason)
        )
    return tuple(changes)


def order_files(paths: Sequence[str], globs: Sequence[str]) -> list[str]:
    """``paths`` with those matching the first glob first, then the second's, then the rest.

    Globs are matched on the POSIX path relative to the root; ``**`` crosses folders.
    """

    def rank(path: str) -> tuple[int, str]:
        for position, pattern in enumerate(globs):
            if _glob_matches(path, pattern):
                return position, path
        return len(globs), path

    return sorted(paths, key=rank)


def _glob_matches(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    # ``dir/**`` also means everything below dir, however deep.
    if pattern.endswith("/**"):
        return path.startswith(pattern[:-3] + "/")
    return False


def _text(data: bytes) -> str:
    decoded = decode_source(data)
    if isinstance(decoded, FileProblem):
        return data.decode("utf-8", "replace")
    return decoded[0]


def unified_diff(change: FileChange) -> str:
    """The change as a unified diff (``a/path`` -> ``b/path``); "" when unchanged."""
    if not change.changed:
        return ""
    before = [] if change.created else _text(change.before).splitlines(keepends=True)
    after = _text(change.after).splitlines(keepends=True)
    lines = difflib.unified_diff(
        before,
        after,
        fromfile="/dev/null" if change.created else f"a/{change.path}",
        tofile=f"b/{change.path}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
