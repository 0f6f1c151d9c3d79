"""Proving a migration run with the repo's own tests: every outcome before and after, compared.

The tests run twice with the target's interpreter (:mod:`declone.measure.pytestrun`): once on a
temporary copy of the repository in which the run's files hold their original bytes (read
from the journal's backups), once on the real, migrated tree. The user's tree is never
written: the copy lives in a temporary folder, bytecode is not written, and pytest's cache
goes to a scratch folder. Which tests run, and which touched files a test depends on, is
:mod:`declone.measure.testselection`'s business.

A test that passed before and does not pass after, or that disappeared, is a regression.
A regression that no touched file can be pinned to (a guard test reaching the change through
an untouched helper) makes every verified file responsible: the change is known to come
from them.
"""

from __future__ import annotations

import enum
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from declone.atomic import write_bytes_atomic
from declone.errors import DecloneError, ExitCode
from declone.measure.measurement import CollectionError
from declone.measure.pytestrun import (
    ItemOutcome,
    Outcome,
    SuiteRun,
    choose_interpreter,
    has_xdist,
    run_tests,
)
from declone.measure.testselection import (
    files_responsible,
    scan_imports,
    select_targets,
)
from declone.measure.trees import copy_environment, copy_tree, tree_import_paths
from declone.migrate import (
    RUNS_DIRECTORY,
    EntryStatus,
    JournalError,
    Run,
    load_run,
    rollback,
    sha256,
)

__all__ = [
    "VERIFICATION_FILE",
    "VERIFICATION_SCHEMA_VERSION",
    "Jobs",
    "OutcomeChange",
    "Verification",
    "VerifyOutcome",
    "VerifyStatus",
    "compare_outcomes",
    "copy_original_tree",
    "record_verification",
    "verification_document",
    "verify_files",
    "verify_run",
]

#: The verification record, next to the run's manifest.
VERIFICATION_FILE = "verification.json"
VERIFICATION_SCHEMA_VERSION = 1

#: ``None`` or 1: one process; ``N`` or ``"auto"`` (all cores): pytest-xdist when installed.
Jobs = int | Literal["auto"] | None


# -- records ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    """One test id whose outcome differs between the original and the migrated tree."""

    nodeid: str
    #: ``None``: the test did not exist on that side.
    before: Outcome | None
    after: Outcome | None
    #: First line of the failure on the migrated tree.
    message: str = ""
    #: Touched files responsible for it (regressions only).
    files: tuple[str, ...] = ()

    @property
    def regression(self) -> bool:
        disappeared = self.before is not None and self.after is None
        return disappeared or (self.before is Outcome.PASSED and self.after is not Outcome.PASSED)


@dataclass(frozen=True, slots=True)
class Verification:
    """The comparison of one set of a run's files: original bytes against migrated bytes."""

    run_id: str
    #: The run's files compared (relative POSIX paths).
    files: tuple[str, ...]
    #: Test paths run on both sides.
    targets: tuple[str, ...]
    python: str
    before: Mapping[str, ItemOutcome]
    after: Mapping[str, ItemOutcome]
    changes: tuple[OutcomeChange, ...]
    errors_before: tuple[CollectionError, ...] = ()
    errors_after: tuple[CollectionError, ...] = ()
    used_xdist: bool = False
    before_seconds: float = 0.0
    after_seconds: float = 0.0
    #: Things the user should know: files edited since the run, xdist missing, no tests.
    notes: tuple[str, ...] = ()

    @property
    def regressions(self) -> tuple[OutcomeChange, ...]:
        return tuple(change for change in self.changes if change.regression)

    @property
    def ok(self) -> bool:
        return not self.regressions

    @property
    def identical_ids(self) -> bool:
        return self.before.keys() == self.after.keys()

    @property
    def new_collection_errors(self) -> tuple[CollectionError, ...]:
        known = {error.path for error in self.errors_before}
        return tuple(error for error in self.errors_after if error.path not in known)

    @property
    def responsible_files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(path for change in self.regressions for path in change.files))

    @property
    def files_to_roll_back(self) -> tuple[str, ...]:
        """The responsible files, or all verified files when a regression has none."""
        if any(not change.files for change in self.regressions):
            return self.files
        return self.responsible_files


class VerifyStatus(enum.StrEnum):
    PASSED = "passed"
    REGRESSED = "regressed"
    #: Regressions found, their files rolled back, and the re-verification passed.
    ROLLED_BACK = "rolled back"


@dataclass(frozen=True, slots=True)
class VerifyOutcome:
    """A verification and, with rollback on regression, what was rolled back and the re-run."""

    verification: Verification
    rolled_back: tuple[str, ...] = ()
    #: ``(path, reason)`` when the journal refused the rollback (nothing was restored).
    refused: tuple[tuple[str, str], ...] = ()
    reverification: Verification | None = None

    @property
    def status(self) -> VerifyStatus:
        if self.verification.ok:
            return VerifyStatus.PASSED
        if self.reverification is not None and self.reverification.ok:
            return VerifyStatus.ROLLED_BACK
        return VerifyStatus.REGRESSED


# -- pure parts: comparing outcomes ---------------------------------------------------


def compare_outcomes(
    before: Mapping[str, ItemOutcome], after: Mapping[str, ItemOutcome]
) -> tuple[OutcomeChange, ...]:
    """Every test id whose outcome differs, sorted by id."""
    changes = []
    for nodeid in sorted(before.keys() | after.keys()):
        was, now = before.get(nodeid), after.get(nodeid)
        was_outcome = was.outcome if was else None
        now_outcome = now.outcome if now else None
        if was_outcome != now_outcome:
            changes.append(
                OutcomeChange(nodeid, was_outcome, now_outcome, now.message if now else "")
            )
    return tuple(changes)


def _attribute(
    changes: Sequence[OutcomeChange], touched: Sequence[str], imports: Mapping[str, frozenset[str]]
) -> tuple[OutcomeChange, ...]:
    return tuple(
        replace(change, files=files_responsible(change.nodeid, touched, imports))
        if change.regression
        else change
        for change in changes
    )


# -- the record -------------------------------------------------------------------------


def _side_document(outcomes: Mapping[str, ItemOutcome], seconds: float) -> dict[str, Any]:
    counts = Counter(str(item.outcome) for item in outcomes.values())
    return {"tests": len(outcomes), "seconds": round(seconds, 3), "outcomes": dict(counts)}


def _verification_document(verification: Verification) -> dict[str, Any]:
    return {
        "files": list(verification.files),
        "tests": list(verification.targets),
        "xdist": verification.used_xdist,
        "before": _side_document(verification.before, verification.before_seconds),
        "after": _side_document(verification.after, verification.after_seconds),
        "identical_ids": verification.identical_ids,
        "regressions": len(verification.regressions),
        "changes": [
            {
                "test": change.nodeid,
                "before": change.before and str(change.before),
                "after": change.after and str(change.after),
                "regression": change.regression,
                "message": change.message,
                "files": list(change.files),
            }
            for change in verification.changes
        ],
        "new_collection_errors": [
            {"path": error.path, "type": error.exception_type, "message": error.message}
            for error in verification.new_collection_errors
        ],
        "notes": list(verification.notes),
    }


def verification_document(run_id: str, outcomes: Sequence[VerifyOutcome]) -> dict[str, Any]:
    """The JSON record of one or more verifications of a run (one per migrate batch)."""
    statuses = {outcome.status for outcome in outcomes}
    status = (
        VerifyStatus.REGRESSED
        if VerifyStatus.REGRESSED in statuses
        else VerifyStatus.ROLLED_BACK
        if VerifyStatus.ROLLED_BACK in statuses
        else VerifyStatus.PASSED
    )
    return {
        "schema_version": VERIFICATION_SCHEMA_VERSION,
        "run": run_id,
        "verified_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": str(status),
        "python": outcomes[0].verification.python if outcomes else "",
        "checks": [
            {
                **_verification_document(outcome.verification),
                "status": str(outcome.status),
                "rolled_back": list(outcome.rolled_back),
                "refused": [{"path": path, "reason": why} for path, why in outcome.refused],
                "reverification": outcome.reverification
                and _verification_document(outcome.reverification),
            }
            for outcome in outcomes
        ],
    }


def record_verification(root: Path, run_id: str, outcomes: Sequence[VerifyOutcome]) -> Path:
    """Write ``.declone/runs/<run id>/verification.json`` atomically; return its path."""
    path = root / RUNS_DIRECTORY / run_id / VERIFICATION_FILE
    document = verification_document(run_id, outcomes)
    data = json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"
    write_bytes_atomic(path, data, mode=0o644)
    return path


# -- I/O: the repository, the copy, the runs ----------------------------------------------


def _original_bytes(root: Path, run: Run, path: str) -> bytes:
    entry = next(entry for entry in run.entries if entry.path == path)
    backup = root / RUNS_DIRECTORY / run.id / "backups" / entry.sha256_before
    try:
        data = backup.read_bytes()
    except OSError as exc:
        raise DecloneError(
            f"{backup}: cannot read the backup of {path} ({exc.strerror}); "
            "the journal is damaged, see `declone runs`",
            ExitCode.REFUSED,
        ) from None
    if sha256(data) != entry.sha256_before:
        raise DecloneError(
            f"{backup}: backup does not match the manifest's sha256; journal refused",
            ExitCode.REFUSED,
        )
    return data


def copy_original_tree(root: Path, run: Run, files: Sequence[str], destination: Path) -> None:
    """Copy ``root`` into ``destination`` (an empty folder), then give ``files`` their
    original bytes there; a file the run created is removed from the copy."""
    copy_tree(root, destination)
    created = {entry.path for entry in run.entries if entry.new_file}
    real_destination = destination.resolve()
    for path in files:
        target = destination / path
        if not target.parent.resolve().is_relative_to(real_destination):
            raise DecloneError(
                f"{path}: leads outside the repository through a symlink; refused",
                ExitCode.REFUSED,
            )
        if target.is_symlink() or path in created:
            target.unlink(missing_ok=True)
        if path not in created:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_original_bytes(root, run, path))


def _resolve_jobs(
    jobs: Jobs, python: str, root: Path, environ: Mapping[str, str]
) -> tuple[int | None, tuple[str, ...], str]:
    """``(jobs for run_tests, extra pytest arguments, note)``."""
    count = (len(os.sched_getaffinity(0)) or 1) if jobs == "auto" else jobs
    if count is None or count <= 1:
        return None, (), ""
    if not has_xdist(python, root):
        return None, (), "pytest-xdist is not installed in the target: tests ran in one process"
    # With plugin autoloading off, ``-n`` only exists once xdist is loaded by name.
    load = ("-p", "xdist.plugin") if environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else ()
    return count, load, ""


def _timeout_error(suite: SuiteRun, side: str, timeout: float | None) -> DecloneError:
    running = next(
        (e.get("running") for e in reversed(suite.process.events) if e["event"] == "terminated"),
        "",
    )
    where = running or "pytest"
    return DecloneError(
        f"{where}: still running after {timeout:g} s on the {side} tree; "
        "fix or skip the hanging test, or raise --timeout",
        ExitCode.TARGET,
    )


@dataclass(frozen=True, slots=True)
class _Runner:
    """How both sides run: one interpreter, environment and option set."""

    python: str
    jobs: int | None
    timeout: float | None
    environ: Mapping[str, str]
    extra_args: tuple[str, ...] = field(default=())
    #: The interpreter's ``sys.path`` entries inside the repository, relative to it.
    tree_paths: tuple[str, ...] = field(default=())

    def run(
        self, tree: Path, targets: Sequence[str], side: str, *, copy: bool = False
    ) -> SuiteRun | None:
        present = [t for t in targets if (tree / t.split("::", 1)[0]).exists()]
        if not present:
            return None
        # First on sys.path in the copy: its own folders, not the user's migrated ones.
        environ = (
            copy_environment(self.environ, tree, self.tree_paths) if copy else dict(self.environ)
        )
        with tempfile.TemporaryDirectory(prefix="declone-cache-") as cache:
            suite = run_tests(
                tree,
                present,
                python=self.python,
                jobs=self.jobs,
                timeout=self.timeout,
                # Test ids relative to the tree on both sides; no cache in the user's tree.
                pytest_args=(f"--rootdir={tree}", "-o", f"cache_dir={cache}", *self.extra_args),
                environ=environ,
            )
        if suite.timed_out:
            raise _timeout_error(suite, side, self.timeout)
        return suite


def _load(root: Path, run_id: str) -> Run:
    try:
        return load_run(root, run_id)
    except JournalError as exc:
        raise DecloneError(str(exc), ExitCode.REFUSED) from None


def _guard_paths(root: Path, guard_tests: Sequence[str]) -> tuple[str, ...]:
    paths = []
    for name in guard_tests:
        file_part, separator, rest = name.partition("::")
        path = Path(file_part)
        absolute = path if path.is_absolute() else root / path
        if not absolute.exists():
            raise DecloneError(f"{name}: no such guard test path; pass a path under {root}")
        try:
            relative = absolute.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            raise DecloneError(
                f"{name}: outside the repository {root}; guard tests must be inside it"
            ) from None
        paths.append(f"{relative}{separator}{rest}")
    return tuple(paths)


def _edited_since_run(root: Path, run: Run, files: Sequence[str]) -> list[str]:
    notes = []
    for entry in run.entries:
        if entry.path not in files:
            continue
        try:
            digest: str | None = sha256((root / entry.path).read_bytes())
        except OSError:
            digest = None
        if digest != entry.sha256_after:
            notes.append(f"{entry.path}: changed since the run; its current bytes are verified")
    return notes


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one verification compares: files, tests, how they run."""

    run: Run
    files: tuple[str, ...]
    targets: tuple[str, ...]
    runner: _Runner
    imports: Mapping[str, frozenset[str]]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Side:
    outcomes: Mapping[str, ItemOutcome]
    errors: tuple[CollectionError, ...]
    seconds: float

    @classmethod
    def of(cls, suite: SuiteRun | None) -> _Side:
        if suite is None:
            return cls({}, (), 0.0)
        return cls(suite.outcomes, suite.collection_errors, suite.process.wall_seconds)


def _compare(root: Path, plan: _Plan, before: _Side | None = None) -> Verification:
    """Run the plan's tests on the original tree (unless ``before`` is known) and the real one."""
    if before is None:
        with tempfile.TemporaryDirectory(prefix="declone-verify-") as scratch:
            copy = Path(scratch) / "tree"
            copy_original_tree(root, plan.run, plan.files, copy)
            before = _Side.of(plan.runner.run(copy, plan.targets, "original", copy=True))
    suite = plan.runner.run(root, plan.targets, "migrated")
    after = _Side.of(suite)
    changes = compare_outcomes(before.outcomes, after.outcomes)
    return Verification(
        run_id=plan.run.id,
        files=plan.files,
        targets=plan.targets,
        python=plan.runner.python,
        before=before.outcomes,
        after=after.outcomes,
        changes=_attribute(changes, plan.files, plan.imports),
        errors_before=before.errors,
        errors_after=after.errors,
        used_xdist=bool(suite and suite.used_xdist),
        before_seconds=before.seconds,
        after_seconds=after.seconds,
        notes=plan.notes,
    )


def _plan(
    root: Path,
    run: Run,
    files: Sequence[str],
    python: str | None,
    jobs: Jobs,
    guard_tests: Sequence[str],
    timeout: float | None,
    environ: Mapping[str, str] | None,
) -> _Plan:
    known = {entry.path for entry in run.entries}
    unknown = [path for path in files if path not in known]
    if unknown:
        raise DecloneError(f"{unknown[0]}: not part of run {run.id}; see `declone runs`")
    chosen = tuple(dict.fromkeys(files))
    imports = scan_imports(root, chosen)
    targets = select_targets(chosen, imports, _guard_paths(root, guard_tests))
    interpreter = choose_interpreter(root, python)
    # No bytecode: the migrated side runs in the user's own tree.
    base = {**(os.environ if environ is None else environ), "PYTHONDONTWRITEBYTECODE": "1"}
    count, extra, xdist_note = _resolve_jobs(jobs, interpreter, root, base)
    tree_paths = tree_import_paths(interpreter, root, base)
    runner = _Runner(interpreter, count, timeout, base, extra, tree_paths)
    notes = _edited_since_run(root, run, chosen)
    if xdist_note:
        notes.append(xdist_note)
    if not targets:
        notes.append("no tests selected: no touched test file, importer or guard test")
    return _Plan(run, chosen, targets, runner, imports, tuple(notes))


def verify_files(
    root: Path,
    run_id: str,
    files: Sequence[str],
    *,
    python: str | None = None,
    jobs: Jobs = None,
    guard_tests: Sequence[str] = (),
    timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> Verification:
    """Compare the tests of ``files`` (paths of run ``run_id``) on their original bytes and
    on the current tree. The other files of the run stay as they are on both sides.

    Raises :class:`DecloneError`: ``ExitCode.TARGET`` when the target has no pytest or a side
    times out, ``ExitCode.REFUSED`` for an unusable journal, ``ExitCode.USAGE`` for a file
    that is not part of the run or a missing guard test path.
    """
    run = _load(root, run_id)
    return _compare(root, _plan(root, run, files, python, jobs, guard_tests, timeout, environ))


def verify_run(
    root: Path,
    run_id: str,
    *,
    python: str | None = None,
    jobs: Jobs = None,
    guard_tests: Sequence[str] = (),
    timeout: float | None = None,
    rollback_on_regression: bool = False,
    environ: Mapping[str, str] | None = None,
) -> VerifyOutcome:
    """Verify every file of the run not rolled back; with ``rollback_on_regression``, roll
    back the files responsible for regressions and verify again.

    The re-verification reuses the first run's original-side outcomes: the original tree is
    the same, since a rolled-back file holds its original bytes in the real tree too.
    """
    run = _load(root, run_id)
    files = [entry.path for entry in run.entries if entry.status is not EntryStatus.ROLLED_BACK]
    plan = _plan(root, run, files, python, jobs, guard_tests, timeout, environ)
    first = _compare(root, plan)
    if first.ok or not rollback_on_regression:
        return VerifyOutcome(first)
    try:
        result = rollback(root, run.id, list(first.files_to_roll_back))
    except JournalError as exc:
        raise DecloneError(str(exc), ExitCode.REFUSED) from None
    if not result.ok:
        return VerifyOutcome(first, refused=result.refused)
    rolled_back = (*result.restored, *result.already_original)
    remaining = tuple(path for path in plan.files if path not in rolled_back)
    second = _compare(
        root,
        replace(plan, run=_load(root, run.id), files=remaining, notes=()),
        before=_Side(first.before, first.errors_before, first.before_seconds),
    )
    return VerifyOutcome(first, rolled_back=rolled_back, reverification=second)
