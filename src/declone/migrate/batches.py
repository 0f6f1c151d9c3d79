"""A migration's writes: the files selected, cut into batches, written through the journal.

``migrate`` and ``finalize`` write here. Each batch goes through one journal run (every
original byte kept first); a callback after each batch (``migrate --verify``) names files to
roll back, and ``--commit`` makes a commit of what stays.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from declone.errors import DecloneError, ExitCode
from declone.migrate import vcs
from declone.migrate.journal import (
    EntryStatus,
    JournalChange,
    JournalError,
    SkippedFile,
    apply_changes,
    load_run,
    record_skipped,
    rollback,
    start_run,
)
from declone.plan import FileChange, Plan, order_files
from declone.registry import register_family
from declone.rewrite import RewriteStatus

__all__ = [
    "Batch",
    "BatchCallback",
    "BatchOutcome",
    "JournalWriter",
    "Selection",
    "apply_batches",
    "commit_message",
    "make_batches",
    "open_writer",
    "registry_change",
    "select_changes",
]


@dataclass(frozen=True, slots=True)
class Batch:
    number: int
    changes: tuple[FileChange, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(change.path for change in self.changes)


#: Called after a batch is written; returns the paths of the batch to roll back (for example
#: the files whose tests a verification found broken). ``--verify`` plugs in here.
BatchCallback = Callable[[Batch], Sequence[str]]


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    batch: Batch
    written: tuple[str, ...]
    rolled_back: tuple[str, ...] = ()
    commit: str = ""
    #: ``(path, reason)`` for files the journal would not write (changed since planned, ...).
    refused: tuple[tuple[str, str], ...] = ()


class JournalWriter:
    """One journal run: writes batches crash-safely, rolls files of the run back."""

    def __init__(
        self, root: Path, family: str, canonical: str, skipped: Sequence[SkippedFile] = ()
    ) -> None:
        self.root = root
        self.run = start_run(root, family, canonical, skipped=skipped)

    def record_skipped(self, skipped: Sequence[SkippedFile]) -> None:
        if skipped:
            self.run = record_skipped(self.root, self.run, skipped)

    @property
    def run_id(self) -> str:
        return self.run.id

    def write(self, changes: Sequence[FileChange], batch: int) -> tuple[tuple[str, str], ...]:
        """Write ``changes``; returns ``(path, reason)`` for each file left alone."""
        for change in changes:
            if change.created:
                (self.root / change.path).parent.mkdir(parents=True, exist_ok=True)
        entries = [
            JournalChange(c.path, c.before, c.after, "; ".join(c.actions), new_file=c.created)
            for c in changes
        ]
        self.run, outcomes = apply_changes(self.root, self.run, entries, batch)
        return tuple((o.path, o.reason or o.status) for o in outcomes if o.status != "written")

    def written(self, batch: Batch) -> tuple[str, ...]:
        """The paths of ``batch`` that the journal wrote and that are not rolled back."""
        done = {
            entry.path
            for entry in self.run.entries
            if entry.batch == batch.number and entry.status is EntryStatus.DONE
        }
        return tuple(path for path in batch.paths if path in done)

    def is_rolled_back(self, path: str) -> bool:
        return any(
            entry.path == path and entry.status is EntryStatus.ROLLED_BACK
            for entry in self.run.entries
        )

    def rollback(self, paths: Sequence[str]) -> None:
        try:
            result = rollback(self.root, self.run.id, list(paths))
            # The journal wrote the new statuses; the next batch's manifest must keep them.
            self.run = load_run(self.root, self.run.id)
        except JournalError as exc:
            raise DecloneError(str(exc), ExitCode.REFUSED) from None
        if result.refused:
            path, reason = result.refused[0]
            raise DecloneError(f"{path}: cannot roll back: {reason}", ExitCode.REFUSED)


def open_writer(
    root: Path, family: str, canonical: str, skipped: Sequence[SkippedFile] = ()
) -> JournalWriter:
    try:
        return JournalWriter(root, family, canonical, skipped)
    except (JournalError, OSError) as exc:
        raise DecloneError(
            f"{root}/.declone: cannot start a journal run: {exc}", ExitCode.REFUSED
        ) from None


@dataclass(slots=True)
class Selection:
    """The files this run writes, and those it leaves for a later run or skips."""

    to_write: list[FileChange] = field(default_factory=list)
    unchanged: list[FileChange] = field(default_factory=list)
    failed: list[FileChange] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)


def select_changes(
    changes: Sequence[FileChange],
    *,
    only_paths: Sequence[str] = (),
    order: Sequence[str] = (),
    max_files: int | None = None,
) -> Selection:
    """What a run writes: the changed files under ``only_paths`` (root-relative; all when
    empty), in ``order``'s order, at most ``max_files`` of them, the canonical module first."""
    prefixes = list(only_paths)
    selection = Selection()
    by_path = {change.path: change for change in changes if not _writes_canonical(change)}
    ordered = order_files(list(by_path), list(order))
    for path in ordered:
        change = by_path[path]
        if prefixes and not any(
            path == p or path.startswith(p.rstrip("/") + "/") or p == "" for p in prefixes
        ):
            selection.deferred.append(path)
        elif change.changed:
            selection.to_write.append(change)
        elif change.reason and change.status.value in ("skipped", "failed"):
            selection.failed.append(change)
        else:
            selection.unchanged.append(change)
    if max_files is not None and len(selection.to_write) > max_files:
        selection.deferred.extend(c.path for c in selection.to_write[max_files:])
        selection.to_write = selection.to_write[:max_files]
    created = [change for change in changes if _writes_canonical(change)]
    if selection.to_write and created:
        selection.to_write.insert(0, created[0])
    return selection


def _writes_canonical(change: FileChange) -> bool:
    """The extracted module, created or added to: the other files import it, so it is
    written with the first batch whatever ``--paths``, ``--order`` or ``--max-files`` say."""
    return change.created or any(action.startswith("extract ") for action in change.actions)


def make_batches(changes: Sequence[FileChange], size: int) -> list[Batch]:
    """``changes`` cut into numbered batches of ``size``."""
    return [
        Batch(number, tuple(changes[start : start + size]))
        for number, start in enumerate(range(0, len(changes), size), 1)
    ]


def commit_message(family: str, canonical: str, batch: Batch, total: int) -> str:
    """The message of the commit that ``--commit`` makes for ``batch``."""
    lines = [f"declone: migrate {family} to {canonical} ({batch.number}/{total})", ""]
    for change in batch.changes:
        lines.append(f"- {change.path}: {'; '.join(change.actions)}")
    return "\n".join(lines) + "\n"


def apply_batches(
    root: Path,
    writer: JournalWriter,
    batches: Sequence[Batch],
    *,
    on_progress: Callable[[int], None] | None = None,
    before_batch: Callable[[Batch], None] | None = None,
    after_batch: BatchCallback | None = None,
    commit_message: Callable[[Batch], str] | None = None,
) -> list[BatchOutcome]:
    """Write each batch through ``writer`` (the journal run), ``before_batch`` called before
    a file of it changes; then call ``after_batch``, roll back the files it names, and commit
    the rest when ``commit_message`` is given."""
    outcomes = []
    for batch in batches:
        if before_batch is not None:
            before_batch(batch)
        refused = writer.write(batch.changes, batch.number)
        not_written = {path for path, _ in refused}
        rolled_back: tuple[str, ...] = ()
        if after_batch is not None:
            rolled_back = tuple(p for p in after_batch(batch) if p not in not_written)
            # The callback may have rolled some back itself (to verify the rest again).
            pending = [path for path in rolled_back if not writer.is_rolled_back(path)]
            if pending:
                writer.rollback(pending)
        written = tuple(p for p in batch.paths if p not in rolled_back and p not in not_written)
        commit = ""
        if commit_message is not None and written:
            commit = vcs.commit_files(root, written, commit_message(batch))
        outcomes.append(BatchOutcome(batch, written, rolled_back, commit, refused))
        if on_progress is not None:
            on_progress(len(batch.changes))
    return outcomes


def registry_change(root: Path, plan: Plan) -> FileChange | None:
    """``pyproject.toml`` with the family registered, computed on a copy of the file."""
    pyproject = root / "pyproject.toml"
    before = pyproject.read_bytes() if pyproject.exists() else b""
    with tempfile.TemporaryDirectory() as scratch:
        if pyproject.exists():
            shutil.copyfile(pyproject, Path(scratch) / "pyproject.toml")
        aliases = tuple(name for name in plan.names if name != plan.canonical.name)
        register_family(Path(scratch), plan.family, plan.canonical.reference, aliases)
        after = (Path(scratch) / "pyproject.toml").read_bytes()
    if after == before:
        return None
    return FileChange(
        "pyproject.toml",
        RewriteStatus.CHANGED,
        before,
        after,
        (f"register {plan.family}",),
        created=not pyproject.exists(),
    )
