"""Read what a report is made of: the scan, the registry, the journal, the history, git.

The one place where ``declone report`` touches the repository. Each source is read through
its own module's public functions (runs through :func:`declone.migrate.journal.list_runs`); this
module only adapts them into :class:`declone.report.data.ReportInputs`. Two records have no
reader of their own and are read here: a run's ``verification.json`` (written by
:func:`declone.measure.verify.record_verification`) and the manifest's optional ``skipped`` list. A
missing source (no history yet, no runs, no git) is an empty one: a report of a repository
that was only scanned is still a report; an unreadable one becomes a message, not a failure.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pathspec

from declone.config import DEFAULT_EXCLUDE, Settings
from declone.measure import (
    HISTORY_PATH,
    VERIFICATION_FILE,
    VERIFICATION_SCHEMA_VERSION,
    StoredMeasurement,
    list_measurements,
    load_baseline,
    open_history,
)
from declone.migrate import (
    RUNS_DIRECTORY,
    EntryStatus,
    JournalEntry,
    JournalError,
    Run,
    SkippedFile,
    list_runs,
)
from declone.model import FileRecord, ScanIndex
from declone.registry import read_registry
from declone.report.data import (
    NOT_VERIFIED,
    CommitCounts,
    FileOutcome,
    Regression,
    ReportInputs,
    RunView,
    VerificationView,
)
from declone.scan import build_index, extract_file, is_backup_name, summary_of

__all__ = [
    "DEFAULT_BASELINE",
    "copies_at_commits",
    "counts_at_commits",
    "load_inputs",
    "read_runs",
    "read_verification",
    "run_view",
    "verification_view",
]

#: The baseline compared with the latest measurement unless ``--baseline`` names another.
DEFAULT_BASELINE = "baseline"

#: At most this many measurements are read (and their commits scanned) for the history.
_HISTORY_LIMIT = 200


def load_inputs(
    settings: Settings,
    index: ScanIndex,
    *,
    baseline_name: str = DEFAULT_BASELINE,
    now: datetime | None = None,
) -> ReportInputs:
    root = settings.root
    measurements, baseline = _read_history(root, baseline_name)
    head = _head_commit(root)
    runs, journal_problems = read_runs(root)
    clean_commits = [
        stored.git.commit for stored in measurements if stored.git and not stored.git.dirty
    ]
    if baseline is not None and baseline.git is not None and not baseline.git.dirty:
        clean_commits.append(baseline.git.commit)
    return ReportInputs(
        root=str(root),
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        index=index,
        registered=read_registry(settings.families, str(root / "pyproject.toml")),
        runs=runs,
        journal_problems=journal_problems,
        measurements=measurements,
        baseline_name=baseline_name,
        baseline=baseline,
        counts_by_commit=counts_at_commits(settings, clean_commits),
        head_commit=head,
    )


def _read_history(
    root: Path, baseline_name: str
) -> tuple[tuple[StoredMeasurement, ...], StoredMeasurement | None]:
    path = root / HISTORY_PATH
    if not path.is_file():  # a report reads; it never creates the database
        return (), None
    connection = open_history(path, read_only=True)
    try:
        measurements = list_measurements(connection, limit=_HISTORY_LIMIT)
        baseline = load_baseline(connection, baseline_name)
    finally:
        connection.close()
    return measurements, baseline


# --- the journal -------------------------------------------------------------------------

#: What the report calls each state of a journal entry.
_ENTRY_STATUS = {
    EntryStatus.DONE: "migrated",
    EntryStatus.PENDING: "pending",
    EntryStatus.ROLLED_BACK: "rolled back",
}

#: At most this many regressed tests are named in a rolled-back file's reason.
_NAMED_TESTS = 3


def read_runs(root: Path) -> tuple[tuple[RunView, ...], tuple[str, ...]]:
    """Every migration run of the journal (oldest first) with its verification record, and
    one message per run directory or record that cannot be read."""
    try:
        runs, problems = list_runs(root)
    except JournalError as exc:  # .declone/runs leads outside the repository
        return (), (str(exc),)
    views = []
    messages = list(problems)
    for run in runs:
        verification, problem = read_verification(root, run.id)
        if problem:
            messages.append(problem)
        views.append(run_view(run, verification, tuple(_skip(item) for item in run.skipped)))
    return tuple(sorted(views, key=lambda view: (view.created_at, view.id))), tuple(messages)


def run_view(
    run: Run,
    verification: VerificationView = NOT_VERIFIED,
    skipped: tuple[FileOutcome, ...] = (),
) -> RunView:
    files = tuple(
        FileOutcome(
            path=entry.path,
            action=entry.action,
            status=_ENTRY_STATUS[entry.status],
            reason=_entry_reason(entry, verification),
            batch=entry.batch,
            created=entry.new_file,
        )
        for entry in run.entries
    )
    return RunView(
        id=run.id,
        family=run.family,
        created_at=run.created,
        canonical=run.canonical,
        files=files,
        skipped=skipped,
        verification=verification,
    )


def _entry_reason(entry: JournalEntry, verification: VerificationView) -> str:
    if entry.status is EntryStatus.PENDING:
        return "the run stopped before its batch finished; `declone rollback` restores it"
    if entry.status is not EntryStatus.ROLLED_BACK or entry.path not in verification.rolled_back:
        return ""
    tests = [r.test for r in verification.regressions if not r.files or entry.path in r.files]
    named = ", ".join(tests[:_NAMED_TESTS]) + (" ..." if len(tests) > _NAMED_TESTS else "")
    return f"verification found a regression: {named}" if named else "rolled back by verification"


def read_verification(root: Path, run_id: str) -> tuple[VerificationView, str]:
    """The run's ``verification.json`` (see :mod:`declone.measure.verify`) and a problem message
    ("" when it is fine or absent; an absent record means the run was not verified)."""
    path = root / RUNS_DIRECTORY / run_id / VERIFICATION_FILE
    shown = f"{RUNS_DIRECTORY}/{run_id}/{VERIFICATION_FILE}"
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        return NOT_VERIFIED, ""
    except (OSError, ValueError) as exc:
        return _UNREADABLE, f"{shown}: unreadable verification record: {exc}"
    if not isinstance(document, dict) or (
        document.get("schema_version") != VERIFICATION_SCHEMA_VERSION
    ):
        return _UNREADABLE, (
            f"{shown}: unsupported verification record "
            f"(schema_version must be {VERIFICATION_SCHEMA_VERSION})"
        )
    try:
        return verification_view(document), ""
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return _UNREADABLE, f"{shown}: malformed verification record: {exc!r}"


_UNREADABLE = VerificationView(status="unreadable")


def verification_view(document: Mapping[str, Any]) -> VerificationView:
    """A verification record (``verify.verification_document``) for the report; raises
    ``KeyError``/``TypeError``/``ValueError`` on a record of the wrong shape."""
    checks = list(document["checks"])
    regressions: dict[str, Regression] = {}
    for check in checks:
        for comparison in (check, check.get("reverification") or {}):
            for change in comparison.get("changes", ()):
                if change["regression"]:
                    regressions.setdefault(str(change["test"]), _regression(change))
    return VerificationView(
        status=str(document["status"]),
        verified_at=str(document.get("verified_at", "")),
        checks=len(checks),
        tests_before=sum(int(check["before"]["tests"]) for check in checks),
        tests_after=sum(int(check["after"]["tests"]) for check in checks),
        regressions=tuple(regressions.values()),
        rolled_back=tuple(
            dict.fromkeys(str(path) for check in checks for path in check["rolled_back"])
        ),
        refused=tuple(
            (str(item["path"]), str(item["reason"]))
            for check in checks
            for item in check["refused"]
        ),
        new_collection_errors=sum(len(check["new_collection_errors"]) for check in checks),
        notes=tuple(dict.fromkeys(str(note) for check in checks for note in check["notes"])),
    )


def _regression(change: Mapping[str, Any]) -> Regression:
    return Regression(
        test=str(change["test"]),
        before=str(change["before"] or ""),
        after=str(change["after"] or ""),
        message=str(change.get("message") or ""),
        files=tuple(str(path) for path in change.get("files", ())),
    )


def _skip(item: SkippedFile) -> FileOutcome:
    where = f"{item.path}:{item.line}" if item.line else item.path
    action = f"skip {item.class_name}" if item.class_name else "skip"
    return FileOutcome(path=where, action=action, status="skipped", reason=item.reason)


# --- live copies at past commits ---------------------------------------------------------


def _git(root: Path, *arguments: str, stdin: bytes | None = None) -> bytes | None:
    try:
        result = subprocess.run(
            ("git", *arguments), cwd=root, input=stdin, capture_output=True, check=False
        )
    except OSError:  # no git on PATH
        return None
    return result.stdout if result.returncode == 0 else None


def _head_commit(root: Path) -> str | None:
    out = _git(root, "rev-parse", "HEAD")
    return out.decode().strip() if out else None


def _python_blobs(settings: Settings, commit: str) -> list[tuple[str, str]] | None:
    """``(path, blob id)`` of the files a scan of ``commit``'s tree would read."""
    out = _git(settings.root, "ls-tree", "-r", "-z", "--full-tree", commit)
    if out is None:
        return None
    # The same selection as a scan of the work tree: include/exclude globs, backups apart.
    include = pathspec.GitIgnoreSpec.from_lines(settings.include)
    exclude = pathspec.GitIgnoreSpec.from_lines((*DEFAULT_EXCLUDE, *settings.exclude))
    blobs = []
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) != 3 or fields[1] != "blob" or fields[0] == "120000":
            continue  # submodules, symlinks
        if not (
            is_backup_name(path, settings.backup) or include.match_file(path)
        ) or exclude.match_file(path):
            continue
        blobs.append((path, fields[2]))
    return sorted(blobs)


def _read_blobs(root: Path, blob_ids: Sequence[str]) -> dict[str, bytes]:
    """The contents of many blobs with one ``git cat-file --batch``."""
    if not blob_ids:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in blob_ids).encode())
    contents: dict[str, bytes] = {}
    position = 0
    while out is not None and position < len(out):
        header_end = out.index(b"\n", position)
        header = out[position:header_end].split()
        if len(header) != 3:  # "<id> missing"
            position = header_end + 1
            continue
        size = int(header[2])
        start = header_end + 1
        contents[header[0].decode()] = out[start : start + size]
        position = start + size + 1
    return contents


def counts_at_commits(settings: Settings, commits: Iterable[str]) -> dict[str, CommitCounts]:
    """Families and live copies in each commit's tree, scanned from git's objects (the tree
    is not touched), as ``declone scan`` counts them.

    Files that did not change between commits are parsed once: records are kept by blob id.
    """
    records: dict[tuple[str, str], FileRecord] = {}
    counts: dict[str, CommitCounts] = {}
    for commit in dict.fromkeys(commits):
        blobs = _python_blobs(settings, commit)
        if blobs is None:
            continue  # not a commit of this repository (history copied from elsewhere)
        missing = [blob for path, blob in blobs if (path, blob) not in records]
        contents = _read_blobs(settings.root, list(dict.fromkeys(missing)))
        for path, blob in blobs:
            if (path, blob) not in records and blob in contents:
                records[(path, blob)] = extract_file(
                    path,
                    contents[blob],
                    settings.pytest,
                    is_backup=is_backup_name(path, settings.backup),
                )
        tree = [records[key] for key in blobs if key in records]
        summary = summary_of(build_index(settings, tree))
        counts[commit] = CommitCounts(summary["families"], summary["live_copies"])
    return counts


def copies_at_commits(settings: Settings, commits: Iterable[str]) -> dict[str, int]:
    """Live copies in each commit's tree (see :func:`counts_at_commits`)."""
    return {
        commit: counted.live_copies
        for commit, counted in counts_at_commits(settings, commits).items()
    }
