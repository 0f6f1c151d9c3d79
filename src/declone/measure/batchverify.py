"""``declone migrate --verify``: every written batch proved with the repository's own tests.

After a batch is written, :func:`verify_batch` compares the tests of its files on their
original bytes and on the migrated tree (:func:`declone.measure.verify.verify_files`). When a test
regresses, the files responsible are rolled back through the migration's own journal writer
(which keeps the run in memory: rolling back behind its back would lose the new statuses),
and the rest of the batch is verified again. If the rest still regresses, the whole batch is
rolled back. Either way the migration goes on with the next batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from declone.errors import DecloneError
from declone.measure.verify import Jobs, Verification, VerifyOutcome, VerifyStatus, verify_files
from declone.migrate import Batch, BatchCallback
from declone.wording import plural

__all__ = [
    "BatchCheck",
    "BatchWriter",
    "RollbackWriter",
    "VerifyOptions",
    "batch_lines",
    "batch_verifier",
    "overall_status",
    "summary_line",
    "verification_summary",
    "verify_batch",
]


class RollbackWriter(Protocol):
    """What verification needs of the migration's journal writer."""

    @property
    def run_id(self) -> str: ...

    def rollback(self, paths: Sequence[str]) -> None: ...


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    """How the tests run: ``declone verify``'s options, given to ``migrate``."""

    python: str | None = None
    jobs: Jobs = None
    guard_tests: tuple[str, ...] = ()
    timeout: float | None = None
    environ: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class BatchCheck:
    """One batch's verification, numbered like the batch."""

    batch: int
    outcome: VerifyOutcome


def verify_batch(
    root: Path, writer: RollbackWriter, files: Sequence[str], options: VerifyOptions
) -> VerifyOutcome:
    """Verify ``files`` (what one batch wrote); roll back what regressed, file by file when
    the regressions can be pinned to files, else the whole batch."""

    def check(paths: Sequence[str]) -> Verification:
        return verify_files(
            root,
            writer.run_id,
            paths,
            python=options.python,
            jobs=options.jobs,
            guard_tests=options.guard_tests,
            timeout=options.timeout,
            environ=options.environ,
        )

    first = check(files)
    if first.ok:
        return VerifyOutcome(first)
    blamed = set(first.files_to_roll_back)
    responsible = tuple(path for path in files if path in blamed) or tuple(files)
    writer.rollback(responsible)
    remaining = tuple(path for path in files if path not in responsible)
    if not remaining:
        # Restored byte for byte; the second run shows the tests are back where they were.
        return VerifyOutcome(first, rolled_back=responsible, reverification=check(files))
    second = check(remaining)
    if second.ok:
        return VerifyOutcome(first, rolled_back=responsible, reverification=second)
    writer.rollback(remaining)
    return VerifyOutcome(first, rolled_back=tuple(files), reverification=check(files))


def _tests_compared(verification: Verification) -> int:
    return len(verification.before.keys() | verification.after.keys())


def batch_lines(check: BatchCheck, total: int) -> list[str]:
    """What a person reads after each batch: the comparison, each regression, the rollback."""
    first = check.outcome.verification
    head = (
        f"batch {check.batch}/{total}: {plural(len(first.files), 'file')}, "
        f"{plural(_tests_compared(first), 'test')} compared"
    )
    if first.ok:
        return [f"{head}: no regression"]
    lines = [f"{head}: {plural(len(first.regressions), 'regression')}"]
    for change in first.regressions:
        files = ", ".join(change.files) or "every file of the batch"
        detail = f": {change.message}" if change.message else ""
        lines.append(
            f"  {change.nodeid}: {change.before or 'missing'} -> {change.after or 'missing'}"
            f"{detail} [{files}]"
        )
    lines.append(f"  rolled back: {', '.join(check.outcome.rolled_back)}")
    again = check.outcome.reverification
    if again is not None:
        verdict = (
            "no regression" if again.ok else f"{plural(len(again.regressions), 'regression')} left"
        )
        lines.append(f"  verified again ({plural(_tests_compared(again), 'test')}): {verdict}")
    return lines


def overall_status(checks: Sequence[BatchCheck]) -> VerifyStatus:
    """The worst batch status: regressed, then rolled back, then passed."""
    statuses = {check.outcome.status for check in checks}
    for status in (VerifyStatus.REGRESSED, VerifyStatus.ROLLED_BACK):
        if status in statuses:
            return status
    return VerifyStatus.PASSED


def summary_line(checks: Sequence[BatchCheck]) -> str:
    """One line for the end of the migration: what was compared, what regressed."""
    tests = sum(_tests_compared(check.outcome.verification) for check in checks)
    head = f"verification: {plural(len(checks), 'batch')}, {plural(tests, 'test')} compared"
    regressed = [check for check in checks if not check.outcome.verification.ok]
    if not regressed:
        return f"{head}, no regression"
    count = sum(len(check.outcome.verification.regressions) for check in regressed)
    batches = ", ".join(str(check.batch) for check in regressed)
    rolled = ", ".join(path for check in regressed for path in check.outcome.rolled_back)
    return (
        f"{head}, {plural(count, 'regression')} in {'batch' if len(regressed) == 1 else 'batches'} "
        f"{batches}; rolled back: {rolled}; "
        f"status {overall_status(checks)}"
    )


def verification_summary(checks: Sequence[BatchCheck], record: str) -> dict[str, Any]:
    """The ``verification`` part of ``migrate --json``; the full record is in ``record``."""
    return {
        "status": str(overall_status(checks)),
        "record": record,
        "batches": [
            {
                "batch": check.batch,
                "status": str(check.outcome.status),
                "files": list(check.outcome.verification.files),
                "tests": _tests_compared(check.outcome.verification),
                "regressions": [
                    {
                        "test": change.nodeid,
                        "before": change.before and str(change.before),
                        "after": change.after and str(change.after),
                        "message": change.message,
                        "files": list(change.files),
                    }
                    for change in check.outcome.verification.regressions
                ],
                "rolled_back": list(check.outcome.rolled_back),
            }
            for check in checks
        ],
    }


class BatchWriter(RollbackWriter, Protocol):
    """What :func:`batch_verifier` needs of the migration's journal writer."""

    def written(self, batch: Batch) -> tuple[str, ...]: ...

    def is_rolled_back(self, path: str) -> bool: ...


def batch_verifier(
    root: Path,
    writer: BatchWriter,
    options: VerifyOptions,
    total: int,
    on_check: Callable[[BatchCheck], None],
) -> BatchCallback:
    """The ``after_batch`` callback of ``migrate --verify``: verify what the batch wrote, hand
    the result to ``on_check``, and name the files to roll back."""

    def after_batch(batch: Batch) -> tuple[str, ...]:
        written = writer.written(batch)
        if not written:
            return ()
        try:
            outcome = verify_batch(root, writer, written, options)
        except DecloneError as exc:
            # Never leave a batch behind that no test run has seen.
            left = [path for path in written if not writer.is_rolled_back(path)]
            if left:
                writer.rollback(left)
            raise DecloneError(
                f"{exc.message}; batch {batch.number}/{total} was rolled back unverified",
                exc.exit_code,
            ) from None
        on_check(BatchCheck(batch.number, outcome))
        return outcome.rolled_back

    return after_batch
