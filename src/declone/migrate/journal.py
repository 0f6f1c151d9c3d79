"""Migration runs on disk: backups, a manifest, and rollback to the exact original bytes.

Layout under the repository root::

    .declone/runs/<run id>/manifest.json   # schema, family, canonical, one entry per file
    .declone/runs/<run id>/backups/<sha256> # original bytes, named by their own hash

Run ids sort by time: ``20261122T014500Z-3f2a`` (UTC, then a random suffix).

Crash safety: for each batch, the backups and the manifest entries (status ``pending``) are
written, atomically, *before* any file of the batch is replaced; each file is then replaced
atomically; then the entries are marked ``done``. So after a crash or a kill at any moment,
every file holds either its original bytes or its migrated bytes, and the journal knows
both hashes: a ``pending`` entry whose file matches the before-hash is simply original, one
that matches the after-hash is migrated. Rollback handles both.

The journal is input too, and is checked before anything is written: an entry whose path
is absolute, contains ``..``, or resolves (through a symlink) outside the root is refused,
and so is a backup whose bytes do not hash to the manifest's before-hash. Nothing outside
the root is ever written.

Permissions: files are replaced with their own permission bits. A read-only file is
reported (``read-only``) and left alone: declone never chmods behind the user's back.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from declone.atomic import write_bytes_atomic

__all__ = [
    "JOURNAL_SCHEMA_VERSION",
    "RUNS_DIRECTORY",
    "ApplyOutcome",
    "EntryStatus",
    "JournalChange",
    "JournalEntry",
    "JournalError",
    "RollbackResult",
    "Run",
    "SkippedFile",
    "apply_changes",
    "latest_run",
    "list_runs",
    "load_run",
    "new_run_id",
    "record_skipped",
    "rollback",
    "sha256",
    "start_run",
]

JOURNAL_SCHEMA_VERSION = 1
RUNS_DIRECTORY = PurePosixPath(".declone/runs")


class JournalError(Exception):
    """The journal cannot be used safely (missing run, tampered manifest, path outside)."""


class EntryStatus(enum.StrEnum):
    #: Backup saved, file maybe replaced: the file is original or migrated, check its hash.
    PENDING = "pending"
    DONE = "done"
    ROLLED_BACK = "rolled-back"


@dataclass(frozen=True, slots=True)
class JournalChange:
    """One file to migrate: its path relative to the root and both contents."""

    path: str
    before: bytes
    after: bytes
    action: str
    #: The file does not exist yet (an extracted canonical module); rollback deletes it.
    new_file: bool = False


@dataclass(frozen=True, slots=True)
class JournalEntry:
    path: str
    sha256_before: str
    sha256_after: str
    action: str
    batch: int
    status: EntryStatus
    new_file: bool = False


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A copy the run left alone, and why (``declone report`` shows them)."""

    path: str
    reason: str
    class_name: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Run:
    id: str
    created: str
    family: str
    canonical: str
    entries: tuple[JournalEntry, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()

    @property
    def status(self) -> str:
        statuses = {entry.status for entry in self.entries}
        if not statuses:
            return "empty"
        if len(statuses) == 1:
            return str(statuses.pop())
        return "partial"


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    path: str
    #: ``written``, or why not: ``read-only``, ``changed since planned``, ...
    status: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RollbackResult:
    run_id: str
    restored: tuple[str, ...] = ()
    #: Files that already held their original bytes.
    already_original: tuple[str, ...] = ()
    #: ``(path, reason)``; when anything is refused, nothing is restored.
    refused: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.refused


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_run_id(now: datetime | None = None, suffix: str | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{suffix or secrets.token_hex(2)}"


# -- writing ----------------------------------------------------------------------------


def start_run(
    root: Path,
    family: str,
    canonical: str,
    *,
    run_id: str | None = None,
    skipped: Sequence[SkippedFile] = (),
) -> Run:
    """Create the run's directory and a manifest with no files yet."""
    run = Run(
        id=run_id or new_run_id(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        family=family,
        canonical=canonical,
        skipped=tuple(skipped),
    )
    directory = _run_directory(root, run.id)
    (directory / "backups").mkdir(parents=True, exist_ok=False)
    _write_manifest(root, run)
    return run


def apply_changes(
    root: Path, run: Run, changes: Sequence[JournalChange], batch: int
) -> tuple[Run, tuple[ApplyOutcome, ...]]:
    """Write one batch of changes following the crash-safe protocol (module docstring).

    A file whose bytes are no longer ``change.before``, or that is read-only, is left alone
    and reported; the others are written.
    """
    outcomes: list[ApplyOutcome] = []
    accepted: list[tuple[JournalChange, Path]] = []
    known = {entry.path for entry in run.entries}
    for change in changes:
        target = _safe_target(root, change.path)
        problem = _unwritable(target, change, known)
        if problem:
            outcomes.append(ApplyOutcome(change.path, problem))
            continue
        accepted.append((change, target))
    if not accepted:
        return run, tuple(outcomes)
    backups = _run_directory(root, run.id) / "backups"
    new_entries = []
    for change, _ in accepted:
        digest = sha256(change.before)
        backup = backups / digest
        if not backup.exists():
            write_bytes_atomic(backup, change.before, mode=0o600)
        new_entries.append(
            JournalEntry(
                change.path,
                digest,
                sha256(change.after),
                change.action,
                batch,
                EntryStatus.PENDING,
                change.new_file,
            )
        )
    run = replace(run, entries=(*run.entries, *new_entries))
    _write_manifest(root, run)
    for change, target in accepted:
        write_bytes_atomic(target, change.after)
        outcomes.append(ApplyOutcome(change.path, "written"))
    written = {change.path for change, _ in accepted}
    run = _with_status(run, written, EntryStatus.DONE)
    _write_manifest(root, run)
    return run, tuple(outcomes)


def _unwritable(target: Path, change: JournalChange, known: set[str]) -> str:
    if change.path in known:
        return "already in this run"
    try:
        current = target.read_bytes()
    except FileNotFoundError:
        return "" if change.new_file else "missing"
    if change.new_file:
        return "already exists"
    if current != change.before:
        return "changed since planned"
    if not os.access(target, os.W_OK):
        return "read-only"
    return ""


def _with_status(run: Run, paths: Iterable[str], status: EntryStatus) -> Run:
    chosen = set(paths)
    entries = tuple(
        replace(entry, status=status) if entry.path in chosen else entry for entry in run.entries
    )
    return replace(run, entries=entries)


def record_skipped(root: Path, run: Run, skipped: Sequence[SkippedFile]) -> Run:
    """Add ``skipped`` to the run's manifest (a later batch's refusals, for instance)."""
    updated = replace(run, skipped=(*run.skipped, *skipped))
    _write_manifest(root, updated)
    return updated


def _write_manifest(root: Path, run: Run) -> None:
    document = {
        "schema_version": JOURNAL_SCHEMA_VERSION,
        "id": run.id,
        "created": run.created,
        "family": run.family,
        "canonical": run.canonical,
        "files": [
            {
                "path": entry.path,
                "sha256_before": entry.sha256_before,
                "sha256_after": entry.sha256_after,
                "action": entry.action,
                "batch": entry.batch,
                "status": str(entry.status),
                **({"new_file": True} if entry.new_file else {}),
            }
            for entry in run.entries
        ],
        "skipped": [
            {"path": skip.path, "reason": skip.reason, "class": skip.class_name, "line": skip.line}
            for skip in run.skipped
        ],
    }
    data = json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"
    write_bytes_atomic(_run_directory(root, run.id) / "manifest.json", data, mode=0o644)


# -- reading ----------------------------------------------------------------------------


def load_run(root: Path, run_id: str) -> Run:
    manifest = _run_directory(root, run_id) / "manifest.json"
    try:
        document = json.loads(manifest.read_bytes())
    except FileNotFoundError:
        raise JournalError(
            f"{_show(root, manifest)}: no such run {run_id!r}; see `declone runs`"
        ) from None
    except (ValueError, OSError) as exc:
        raise JournalError(f"{_show(root, manifest)}: unreadable manifest: {exc}") from None
    return _run_from_document(root, manifest, document)


def _run_from_document(root: Path, manifest: Path, document: Any) -> Run:
    where = _show(root, manifest)
    if not isinstance(document, dict) or document.get("schema_version") != JOURNAL_SCHEMA_VERSION:
        raise JournalError(
            f"{where}: unsupported manifest (schema_version must be {JOURNAL_SCHEMA_VERSION})"
        )
    try:
        entries = tuple(
            JournalEntry(
                path=_checked_path(str(item["path"]), where),
                sha256_before=str(item["sha256_before"]),
                sha256_after=str(item["sha256_after"]),
                action=str(item["action"]),
                batch=int(item["batch"]),
                status=EntryStatus(item["status"]),
                new_file=bool(item.get("new_file", False)),
            )
            for item in document["files"]
        )
        return Run(
            id=str(document["id"]),
            created=str(document["created"]),
            family=str(document["family"]),
            canonical=str(document["canonical"]),
            entries=entries,
            skipped=tuple(
                SkippedFile(
                    path=_checked_path(str(item["path"]), where),
                    reason=str(item["reason"]),
                    class_name=str(item.get("class", "")),
                    line=int(item.get("line", 0)),
                )
                for item in document.get("skipped", [])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise JournalError(f"{where}: malformed manifest entry: {exc!r}") from None


def list_runs(root: Path) -> tuple[tuple[Run, ...], tuple[str, ...]]:
    """Runs oldest first, and a message for each run directory that cannot be read."""
    directory = _runs_directory(root)
    if not directory.is_dir():
        return (), ()
    runs: list[Run] = []
    problems: list[str] = []
    for child in sorted(directory.iterdir()):
        if not child.is_dir():
            continue
        try:
            runs.append(load_run(root, child.name))
        except JournalError as exc:
            problems.append(str(exc))
    return tuple(runs), tuple(problems)


def latest_run(root: Path) -> Run:
    runs, problems = list_runs(root)
    if not runs:
        detail = f" ({problems[-1]})" if problems else ""
        raise JournalError(f"{root}: no migration runs recorded under {RUNS_DIRECTORY}{detail}")
    return runs[-1]


# -- rollback ---------------------------------------------------------------------------


def rollback(
    root: Path, run_id: str, files: Sequence[str] | None = None, *, force: bool = False
) -> RollbackResult:
    """Restore the original bytes of ``files`` (default: every file) of run ``run_id``.

    Every file is checked before any is written: a file whose current bytes are neither the
    run's before nor after bytes (changed since the run) is refused unless ``force``; a
    read-only file, a path outside the root or a backup that does not match its hash is
    always refused. If anything is refused, nothing is restored.
    """
    run = load_run(root, run_id)
    entries = _select(run, files)
    backups = _run_directory(root, run.id) / "backups"
    plan: list[tuple[JournalEntry, Path, bytes]] = []
    already: list[str] = []
    refused: list[tuple[str, str]] = []
    for entry in entries:
        try:
            target = _safe_target(root, entry.path)
            original = _read_backup(backups, entry, root)
        except JournalError as exc:
            refused.append((entry.path, str(exc)))
            continue
        problem, current = _restorable(target, entry, force)
        if problem:
            refused.append((entry.path, problem))
        elif current == original or (entry.new_file and current is None):
            already.append(entry.path)
        else:
            plan.append((entry, target, original))
    if refused:
        return RollbackResult(run.id, already_original=tuple(already), refused=tuple(refused))
    for entry, target, original in plan:
        if entry.new_file:
            target.unlink()  # the run created it: its original state is "absent"
        else:
            write_bytes_atomic(target, original)
    restored = tuple(entry.path for entry, _, _ in plan)
    _write_manifest(root, _with_status(run, (*restored, *already), EntryStatus.ROLLED_BACK))
    return RollbackResult(run.id, restored=restored, already_original=tuple(already))


def _select(run: Run, files: Sequence[str] | None) -> list[JournalEntry]:
    if files is None:
        return list(run.entries)
    by_path = {entry.path: entry for entry in run.entries}
    missing = [name for name in files if name not in by_path]
    if missing:
        raise JournalError(f"{missing[0]}: not part of run {run.id}; see `declone runs`")
    return [by_path[name] for name in dict.fromkeys(files)]


def _restorable(target: Path, entry: JournalEntry, force: bool) -> tuple[str, bytes | None]:
    try:
        current = target.read_bytes()
    except FileNotFoundError:
        current = None
    if current is not None and not os.access(target, os.W_OK):
        return f"{entry.path}: read-only; make it writable to roll it back", current
    digest = sha256(current) if current is not None else None
    if entry.new_file and current is None:
        return "", current
    if digest in (entry.sha256_before, entry.sha256_after) or force:
        return "", current
    what = "deleted" if current is None else "changed"
    return (
        f"{entry.path}: {what} since run (neither its original nor its migrated bytes); "
        "use --force to overwrite it with the original",
        current,
    )


def _read_backup(backups: Path, entry: JournalEntry, root: Path) -> bytes:
    backup = backups / entry.sha256_before
    if len(entry.sha256_before) != 64 or not all(
        c in "0123456789abcdef" for c in entry.sha256_before
    ):
        raise JournalError(f"{entry.path}: manifest has an invalid sha256_before; journal refused")
    try:
        data = backup.read_bytes()
    except FileNotFoundError:
        raise JournalError(
            f"{_show(root, backup)}: backup missing; cannot restore {entry.path}"
        ) from None
    if sha256(data) != entry.sha256_before:
        raise JournalError(
            f"{_show(root, backup)}: backup does not match the manifest's sha256; journal refused"
        )
    return data


# -- paths ------------------------------------------------------------------------------


def _runs_directory(root: Path) -> Path:
    directory = root / RUNS_DIRECTORY
    _require_inside(root, directory, str(RUNS_DIRECTORY))
    return directory


def _run_directory(root: Path, run_id: str) -> Path:
    if (
        not run_id
        or "/" in run_id
        or "\\" in run_id
        or run_id in (".", "..")
        or run_id.startswith(".")
    ):
        raise JournalError(f"{run_id!r}: not a run id; see `declone runs`")
    return _runs_directory(root) / run_id


def _checked_path(path: str, where: str) -> str:
    pure = PurePosixPath(path)
    if (
        "\\" in path
        or pure.is_absolute()
        or ".." in pure.parts
        or not pure.parts
        or path.startswith("/")
    ):
        raise JournalError(
            f"{where}: entry {path!r} points outside the repository; journal refused"
        )
    return path


def _safe_target(root: Path, path: str) -> Path:
    """``root / path`` after checking that it stays inside the root, symlinks resolved."""
    _checked_path(path, path)
    target = root / path
    _require_inside(root, target, path)
    if target.is_symlink():
        raise JournalError(f"{path}: is a symlink; declone does not write through symlinks")
    return target


def _require_inside(root: Path, target: Path, shown: str) -> None:
    real_root = root.resolve()
    real = target.resolve()
    if real != real_root and not real.is_relative_to(real_root):
        raise JournalError(f"{shown}: resolves to {real}, outside the repository; refused")


def _show(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
