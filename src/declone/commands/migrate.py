"""``declone migrate FAMILY``: replace a family's copies with imports of the canonical.

Plans like ``declone plan`` (same options), rewrites every planned file in memory, then
writes them through the journal batch by batch: ``--dry-run`` prints the diff instead.
Running the same migration again changes nothing. ``--verify`` proves each batch with the
repository's own tests and rolls back the files behind a regression before the next batch.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.batchverify import BatchCheck
    from declone.commands.plan import PreparedPlan
    from declone.journal import SkippedFile
    from declone.migration import FileChange
    from declone.output import ProgressTask

__all__ = ["Batch", "BatchCallback", "BatchOutcome", "add_arguments", "apply_batches", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from declone.commands.plan import add_canonical_options

    add_canonical_options(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help="print the diff and a summary; write nothing"
    )
    parser.add_argument(
        "--paths",
        dest="only_paths",
        nargs="+",
        default=[],
        metavar="P",
        help="migrate only the files under these paths",
    )
    parser.add_argument(
        "--batch-size", type=int, default=20, metavar="N", help="files per batch (default 20)"
    )
    parser.add_argument(
        "--max-files", type=int, metavar="N", help="migrate at most N files in this run"
    )
    parser.add_argument(
        "--order",
        nargs="+",
        default=[],
        metavar="GLOB",
        help="migrate files matching these globs first, in this order (e.g. 'tests/mission_critical/**')",
    )
    parser.add_argument("--commit", action="store_true", help="make one git commit per batch")
    parser.add_argument(
        "--allow-dirty", action="store_true", help="migrate files that have uncommitted changes"
    )
    parser.add_argument(
        "--register",
        action="store_true",
        help="record the family in [tool.declone.families] so that `declone check` guards it",
    )
    _add_verify_options(parser)
    parser.add_argument("--json", action="store_true", help="print the run as JSON")


def _add_verify_options(parser: argparse.ArgumentParser) -> None:
    from declone.commands.verify import parse_jobs

    group = parser.add_argument_group("verification")
    group.add_argument(
        "--verify",
        action="store_true",
        help="after each batch, compare its tests (run with --python) on the original and the "
        "migrated files; roll back the files behind a regression and go on (exit 1)",
    )
    group.add_argument(
        "--guard-tests",
        nargs="+",
        default=[],
        metavar="PATH",
        help="with --verify: tests that run for every batch, whatever it touched",
    )
    group.add_argument(
        "--test-jobs",
        type=parse_jobs,
        metavar="N",
        help="with --verify: pytest-xdist processes per run, or 'auto' (default: auto when "
        "the target has pytest-xdist, one process otherwise)",
    )
    group.add_argument(
        "--timeout",
        type=_positive_seconds,
        metavar="S",
        help="with --verify: stop a test run after S seconds (exit 4)",
    )


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive number of seconds")
    return seconds


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
        from declone.journal import start_run

        self.root = root
        self.run = start_run(root, family, canonical, skipped=skipped)

    def record_skipped(self, skipped: Sequence[SkippedFile]) -> None:
        from declone.journal import record_skipped

        if skipped:
            self.run = record_skipped(self.root, self.run, skipped)

    @property
    def run_id(self) -> str:
        return self.run.id

    def write(self, changes: Sequence[FileChange], batch: int) -> tuple[tuple[str, str], ...]:
        """Write ``changes``; returns ``(path, reason)`` for each file left alone."""
        from declone.journal import JournalChange, apply_changes

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
        from declone.journal import EntryStatus

        done = {
            entry.path
            for entry in self.run.entries
            if entry.batch == batch.number and entry.status is EntryStatus.DONE
        }
        return tuple(path for path in batch.paths if path in done)

    def is_rolled_back(self, path: str) -> bool:
        from declone.journal import EntryStatus

        return any(
            entry.path == path and entry.status is EntryStatus.ROLLED_BACK
            for entry in self.run.entries
        )

    def rollback(self, paths: Sequence[str]) -> None:
        from declone.journal import JournalError, load_run, rollback

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
    from declone.journal import JournalError

    try:
        return JournalWriter(root, family, canonical, skipped)
    except (JournalError, OSError) as exc:
        raise DecloneError(
            f"{root}/.declone: cannot start a journal run: {exc}", ExitCode.REFUSED
        ) from None


@dataclass(slots=True)
class _Selection:
    """The files this run writes, and those it leaves for a later run or skips."""

    to_write: list[FileChange] = field(default_factory=list)
    unchanged: list[FileChange] = field(default_factory=list)
    failed: list[FileChange] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)


def _select(changes: Sequence[FileChange], args: argparse.Namespace, root: Path) -> _Selection:
    from declone.migration import order_files

    prefixes = [_relative(root, p) for p in args.only_paths]
    selection = _Selection()
    by_path = {change.path: change for change in changes if not change.created}
    ordered = order_files(list(by_path), args.order)
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
    if args.max_files is not None and len(selection.to_write) > args.max_files:
        selection.deferred.extend(c.path for c in selection.to_write[args.max_files :])
        selection.to_write = selection.to_write[: args.max_files]
    created = [change for change in changes if change.created]
    if selection.to_write and created:
        selection.to_write.insert(0, created[0])
    return selection


def _relative(root: Path, given: str) -> str:
    path = Path(given)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        text = absolute.resolve().relative_to(root).as_posix()
    except ValueError:
        text = Path(given).as_posix()
    return "" if text == "." else text


def _batches(changes: Sequence[FileChange], size: int) -> list[Batch]:
    return [
        Batch(number, tuple(changes[start : start + size]))
        for number, start in enumerate(range(0, len(changes), size), 1)
    ]


def _commit_message(prepared: PreparedPlan, batch: Batch, total: int) -> str:
    plan = prepared.plan
    assert plan is not None
    lines = [
        f"declone: migrate {plan.family} to {plan.canonical.reference} ({batch.number}/{total})",
        "",
    ]
    for change in batch.changes:
        lines.append(f"- {change.path}: {'; '.join(change.actions)}")
    return "\n".join(lines) + "\n"


def apply_batches(
    root: Path,
    writer: JournalWriter,
    batches: Sequence[Batch],
    *,
    bar: ProgressTask,
    after_batch: BatchCallback | None = None,
    commit_message: Callable[[Batch], str] | None = None,
) -> list[BatchOutcome]:
    """Write each batch through ``writer`` (the journal run); then call ``after_batch``, roll
    back the files it names, and commit the rest when ``commit_message`` is given."""
    from declone import vcs

    outcomes = []
    for batch in batches:
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
        bar.advance(len(batch.changes))
    return outcomes


def run(args: argparse.Namespace) -> int:
    from declone import output, planview, vcs
    from declone.commands.plan import plan_changes, prepare_plan

    if args.batch_size < 1:
        raise DecloneError("--batch-size must be at least 1", ExitCode.USAGE)
    if args.max_files is not None and args.max_files < 1:
        raise DecloneError("--max-files must be at least 1", ExitCode.USAGE)
    _check_verify_options(args)
    prepared = prepare_plan(args, show_progress=not (args.json or args.no_progress))
    root = prepared.settings.root
    if prepared.plan is None:
        output.info(f"nothing to migrate: no copies of {args.family} remain")
        if args.json:
            output.emit_json(_document(prepared, None, [], dry_run=args.dry_run, run_id=None))
        return int(ExitCode.OK)
    changes = plan_changes(prepared)
    selection = _select(changes, args, root)
    register = _registry_change(prepared) if args.register and selection.to_write else None
    if register is not None:
        selection.to_write.append(register)
    if args.dry_run:
        if args.json:
            output.emit_json(_document(prepared, selection, [], dry_run=True, run_id=None))
        else:
            planview.print_diffs(selection.to_write)
            _summary(prepared, selection, [], dry_run=True)
        return int(_exit_code(prepared, selection))
    if not selection.to_write:
        if args.json:
            output.emit_json(_document(prepared, selection, [], dry_run=False, run_id=None))
        else:
            _summary(prepared, selection, [], dry_run=False)
        return int(_exit_code(prepared, selection))
    paths = [change.path for change in selection.to_write]
    in_git = vcs.is_git_work_tree(root)
    if args.commit and not in_git:
        raise DecloneError(f"{root}: not a git work tree; leave out --commit", ExitCode.USAGE)
    if in_git and not args.allow_dirty:
        dirty = vcs.dirty_files(root, paths)
        if dirty:
            shown = ", ".join(dirty[:5]) + (" ..." if len(dirty) > 5 else "")
            raise DecloneError(
                f"{root / dirty[0]}:1:1: uncommitted changes in {len(dirty)} file(s) to migrate "
                f"({shown}); commit or stash them, or pass --allow-dirty",
                ExitCode.REFUSED,
            )
    if args.verify:
        _check_guard_tests(root, args.guard_tests)
    plan = prepared.plan
    writer = open_writer(root, plan.family, plan.canonical.reference, _skips(prepared, selection))
    batches = _batches(selection.to_write, args.batch_size)
    message = (
        (lambda batch: _commit_message(prepared, batch, len(batches))) if args.commit else None
    )
    enabled = not (args.json or args.no_progress)
    checks: list[BatchCheck] = []
    verifier = _verifier(root, writer, args, checks, len(batches)) if args.verify else None
    try:
        with output.progress("migrating", len(selection.to_write), enabled=enabled) as bar:
            outcomes = apply_batches(
                root, writer, batches, bar=bar, after_batch=verifier, commit_message=message
            )
    except DecloneError as exc:
        if not checks:
            raise
        raise DecloneError(
            f"{exc.message} (the batches verified before it stay migrated, see "
            f"{_record(root, writer.run_id, checks)}; "
            f"undo them with `declone rollback {writer.run_id}`)",
            exc.exit_code,
        ) from None
    from declone.journal import SkippedFile

    writer.record_skipped(
        [SkippedFile(path, reason) for outcome in outcomes for path, reason in outcome.refused]
    )
    record = _record(root, writer.run_id, checks) if args.verify else None
    if args.json:
        document = _document(prepared, selection, outcomes, dry_run=False, run_id=writer.run_id)
        if record is not None:
            from declone.batchverify import verification_summary

            document["verification"] = verification_summary(checks, record)
        output.emit_json(document)
    else:
        _summary(prepared, selection, outcomes, dry_run=False, run_id=writer.run_id)
        if record is not None:
            _verification_summary(checks, record)
    return int(_exit_code(prepared, selection, outcomes, checks))


def _skips(prepared: PreparedPlan, selection: _Selection) -> list[SkippedFile]:
    """What the run leaves alone, for the journal (and so for ``declone report``)."""
    from declone.journal import SkippedFile

    plan = prepared.plan
    assert plan is not None
    return [
        *(SkippedFile(e.path, e.reason, e.class_name, e.lineno) for e in plan.skipped),
        *(SkippedFile(c.path, c.reason) for c in selection.failed),
    ]


def _check_verify_options(args: argparse.Namespace) -> None:
    if args.verify and args.dry_run:
        raise DecloneError(
            "--verify runs the tests on written files; leave out --dry-run", ExitCode.USAGE
        )
    if args.verify:
        return
    given = [
        flag
        for flag, value in (
            ("--guard-tests", args.guard_tests),
            ("--test-jobs", args.test_jobs),
            ("--timeout", args.timeout),
        )
        if value
    ]
    if given:
        raise DecloneError(f"{given[0]} only applies with --verify; add it", ExitCode.USAGE)


def _check_guard_tests(root: Path, guard_tests: Sequence[str]) -> None:
    """A guard test path that does not exist, said before any file is written."""
    for name in guard_tests:
        path = Path(name.partition("::")[0])
        if not (path if path.is_absolute() else root / path).exists():
            raise DecloneError(
                f"{name}: no such guard test path; pass a path under {root}", ExitCode.USAGE
            )


def _verifier(
    root: Path,
    writer: JournalWriter,
    args: argparse.Namespace,
    checks: list[BatchCheck],
    total: int,
) -> BatchCallback:
    """The ``after_batch`` callback of ``--verify``: verify, roll back, report, remember."""
    from declone import output
    from declone.batchverify import BatchCheck, VerifyOptions, batch_lines, verify_batch

    options = VerifyOptions(
        python=args.python,
        jobs="auto" if args.test_jobs is None else args.test_jobs,
        guard_tests=tuple(args.guard_tests),
        timeout=args.timeout,
    )

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
        check = BatchCheck(batch.number, outcome)
        checks.append(check)
        if not args.json:
            first, *rest = batch_lines(check, total)
            (output.info if outcome.verification.ok else output.warn)(first)
            for line in rest:
                output.info(line)
        return outcome.rolled_back

    return after_batch


def _record(root: Path, run_id: str, checks: Sequence[BatchCheck]) -> str:
    from declone.verify import record_verification

    path = record_verification(root, run_id, [check.outcome for check in checks])
    return path.relative_to(root).as_posix()


def _verification_summary(checks: Sequence[BatchCheck], record: str) -> None:
    from declone import output
    from declone.batchverify import summary_line

    line = f"{summary_line(checks)}; recorded in {record}"
    (output.info if all(c.outcome.verification.ok for c in checks) else output.warn)(line)


def _registry_change(prepared: PreparedPlan) -> FileChange | None:
    """``pyproject.toml`` with the family registered, computed on a copy of the file."""
    import shutil
    import tempfile

    from declone.migration import FileChange
    from declone.registry import register_family
    from declone.rewrite import RewriteStatus

    plan = prepared.plan
    assert plan is not None
    root = prepared.settings.root
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


def _exit_code(
    prepared: PreparedPlan,
    selection: _Selection,
    outcomes: Sequence[BatchOutcome] = (),
    checks: Sequence[BatchCheck] = (),
) -> ExitCode:
    plan = prepared.plan
    refused = any(o.refused or o.rolled_back for o in outcomes)
    # A regression counts even when its files were rolled back: the plan was wrong there.
    regressed = any(not check.outcome.verification.ok for check in checks)
    if plan is not None and (plan.skipped or selection.failed or refused or regressed):
        return ExitCode.FINDINGS
    return ExitCode.OK


def _summary(
    prepared: PreparedPlan,
    selection: _Selection,
    outcomes: Sequence[BatchOutcome],
    *,
    dry_run: bool,
    run_id: str | None = None,
) -> None:
    from declone import output

    plan = prepared.plan
    assert plan is not None
    counts = plan.counts()
    shown = ", ".join(f"{count} {action}" for action, count in counts.items() if count)
    verb = "would change" if dry_run else "changed"
    created = [c.path for c in selection.to_write if c.created]
    written: Sequence[str] = [c.path for c in selection.to_write if not c.created]
    if outcomes:
        # What stayed written: not refused by the journal, not rolled back after its batch.
        written = [path for o in outcomes for path in o.written if path not in created]
    output.info(f"{plan.family} -> {plan.canonical.reference}: {shown}")
    extra = f", {'would create' if dry_run else 'created'} {', '.join(created)}" if created else ""
    output.info(f"{len(written)} files {verb}{extra}" + (f" in run {run_id}" if run_id else ""))
    for entry in plan.skipped:
        output.warn(f"{entry.location}: skipped {entry.class_name}: {entry.reason}")
    for change in selection.failed:
        output.warn(f"{change.path}: not migrated: {change.reason}")
    for outcome in outcomes:
        for path, reason in outcome.refused:
            output.warn(f"{path}: not written: {reason}")
        for path in outcome.rolled_back:
            output.warn(f"{path}: rolled back after its batch")
    if selection.deferred:
        output.info(f"{len(selection.deferred)} files left for a later run (--paths / --max-files)")
    commits = [o.commit for o in outcomes if o.commit]
    if commits:
        output.info(f"{len(commits)} commits: {', '.join(c[:10] for c in commits)}")
    if run_id and not dry_run:
        output.info(f"undo with: declone rollback {run_id}")


def _document(
    prepared: PreparedPlan,
    selection: _Selection | None,
    outcomes: Sequence[BatchOutcome],
    *,
    dry_run: bool,
    run_id: str | None,
) -> dict[str, Any]:
    from declone.commands.plan import plan_document
    from declone.migration import unified_diff

    document = plan_document(prepared)
    document["command"] = "migrate"
    document["dry_run"] = dry_run
    document["run_id"] = run_id
    document["verification"] = None
    if selection is None:
        document["changed"] = []
        return document
    document["changed"] = [
        {"path": c.path, "actions": list(c.actions), "created": c.created}
        for c in selection.to_write
    ]
    document["not_migrated"] = [{"path": c.path, "reason": c.reason} for c in selection.failed]
    document["deferred"] = selection.deferred
    document["batches"] = [
        {
            "number": o.batch.number,
            "files": list(o.written),
            "rolled_back": list(o.rolled_back),
            "refused": [{"path": p, "reason": r} for p, r in o.refused],
            "commit": o.commit,
        }
        for o in outcomes
    ]
    if dry_run:
        document["diff"] = "".join(unified_diff(c) for c in selection.to_write)
    return document
