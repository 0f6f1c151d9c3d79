"""``declone migrate FAMILY``: replace a family's copies with imports of the canonical.

Plans like ``declone plan`` (same options), rewrites every planned file in memory, then
writes them through the journal batch by batch: ``--dry-run`` prints the diff instead.
Running the same migration again changes nothing. ``--verify`` proves each batch with the
repository's own tests and rolls back the files behind a regression before the next batch.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from declone.cli.options import (
    add_canonical_options,
    parse_jobs,
    positive_seconds,
    prepare_plan_from_args,
)
from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.measure import BatchCheck
    from declone.migrate import BatchCallback, BatchOutcome, JournalWriter, Selection, SkippedFile
    from declone.plan import PreparedPlan

__all__ = ["add_arguments", "run"]


#: The codes ``declone migrate`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "every planned copy was migrated",
    ExitCode.FINDINGS: (
        "copies skipped or not written, or a batch that regressed under --verify, even when "
        "its files were rolled back"
    ),
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.REFUSED: (
        "refused: uncommitted changes without --allow-dirty, a journal run that cannot start, "
        "a failed git commit, a rollback refused"
    ),
    ExitCode.TARGET: "with --verify: the target's pytest is missing, did not start or timed out",
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
    group = parser.add_argument_group("verification")
    group.add_argument(
        "--verify",
        action="store_true",
        help="after each batch, run its tests with --python on the original and the migrated "
        "files; roll back the files behind a regression and go on",
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
        metavar="N|auto",
        help="with --verify: pytest-xdist processes per run, auto (the default) for one per "
        "core; one process if the target lacks pytest-xdist",
    )
    group.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="S",
        help="with --verify: stop a test run after S seconds",
    )


def run(args: argparse.Namespace) -> int:
    from declone.cli import output, plan_view
    from declone.migrate import (
        SkippedFile,
        apply_batches,
        commit_message,
        ensure_clean,
        is_git_work_tree,
        make_batches,
        migration_document,
        open_writer,
        registry_change,
        select_changes,
    )
    from declone.plan import plan_changes

    if args.batch_size < 1:
        raise DecloneError("--batch-size must be at least 1", ExitCode.USAGE)
    if args.max_files is not None and args.max_files < 1:
        raise DecloneError("--max-files must be at least 1", ExitCode.USAGE)
    _check_verify_options(args)
    prepared = prepare_plan_from_args(args, show_progress=not (args.json or args.no_progress))
    root = prepared.settings.root
    if prepared.plan is None:
        output.info(f"nothing to migrate: no copies of {args.family} remain")
        if args.json:
            output.emit_json(
                migration_document(prepared, None, [], dry_run=args.dry_run, run_id=None)
            )
        return int(ExitCode.OK)
    changes = plan_changes(prepared)
    selection = select_changes(
        changes,
        only_paths=[_relative(root, path) for path in args.only_paths],
        order=args.order,
        max_files=args.max_files,
    )
    register = (
        registry_change(root, prepared.plan) if args.register and selection.to_write else None
    )
    if register is not None:
        selection.to_write.append(register)
    if args.dry_run:
        if args.json:
            output.emit_json(migration_document(prepared, selection, [], dry_run=True, run_id=None))
        else:
            if not plan_view.print_diffs(selection.to_write):
                output.info(_no_diff(prepared, selection))
            plan_view.print_migration_summary(prepared, selection, [], dry_run=True)
        return int(_exit_code(prepared, selection))
    if not selection.to_write:
        if args.json:
            output.emit_json(
                migration_document(prepared, selection, [], dry_run=False, run_id=None)
            )
        else:
            plan_view.print_migration_summary(prepared, selection, [], dry_run=False)
        return int(_exit_code(prepared, selection))
    paths = [change.path for change in selection.to_write]
    if args.commit and not is_git_work_tree(root):
        raise DecloneError(f"{root}: not a git work tree; leave out --commit", ExitCode.USAGE)
    if not args.allow_dirty:
        ensure_clean(root, paths, what="migrate")
    if args.verify:
        _check_guard_tests(root, args.guard_tests)
    plan = prepared.plan
    writer = open_writer(root, plan.family, plan.canonical.reference, _skips(prepared, selection))
    batches = make_batches(selection.to_write, args.batch_size)
    message = (lambda batch: commit_message(plan, batch, len(batches))) if args.commit else None
    enabled = not (args.json or args.no_progress)
    checks: list[BatchCheck] = []
    verifier = _verifier(root, writer, args, checks, len(batches)) if args.verify else None
    try:
        with output.progress("migrating", len(selection.to_write), enabled=enabled) as bar:
            outcomes = apply_batches(
                root,
                writer,
                batches,
                on_progress=bar.advance,
                after_batch=verifier,
                commit_message=message,
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
    writer.record_skipped(
        [SkippedFile(path, reason) for outcome in outcomes for path, reason in outcome.refused]
    )
    record = _record(root, writer.run_id, checks) if args.verify else None
    if args.json:
        document = migration_document(
            prepared, selection, outcomes, dry_run=False, run_id=writer.run_id
        )
        if record is not None:
            from declone.measure import verification_summary

            document["verification"] = verification_summary(checks, record)
        output.emit_json(document)
    else:
        plan_view.print_migration_summary(
            prepared, selection, outcomes, dry_run=False, run_id=writer.run_id
        )
        if record is not None:
            _verification_summary(checks, record)
    return int(_exit_code(prepared, selection, outcomes, checks))


def _skips(prepared: PreparedPlan, selection: Selection) -> list[SkippedFile]:
    """What the run leaves alone, for the journal (and so for ``declone report``)."""
    from declone.migrate import SkippedFile

    plan = prepared.plan
    assert plan is not None
    return [
        *(SkippedFile(e.path, e.reason, e.class_name, e.lineno) for e in plan.skipped),
        *(SkippedFile(c.path, c.reason) for c in selection.failed),
    ]


def _no_diff(prepared: PreparedPlan, selection: Selection) -> str:
    """Why ``--dry-run`` printed no diff."""
    from declone.cli import output

    plan = prepared.plan
    assert plan is not None
    if not plan.changes:
        return "no diff to show: no file would change"
    parts = [
        f"{output.plural(len(found), 'file')} {what}"
        for found, what in (
            (selection.failed, "could not be rewritten"),
            (selection.unchanged, "unchanged by the rewrite"),
            (selection.deferred, "left for a later run"),
        )
        if found
    ]
    return "no diff to show: " + ("; ".join(parts) or "no file would change")


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
    """``--verify``: each batch's tests compared, shown as they come, and remembered."""
    from declone.cli import output
    from declone.measure import VerifyOptions, batch_lines, batch_verifier

    options = VerifyOptions(
        python=args.python,
        jobs="auto" if args.test_jobs is None else args.test_jobs,
        guard_tests=tuple(args.guard_tests),
        timeout=args.timeout,
    )

    def on_check(check: BatchCheck) -> None:
        checks.append(check)
        if not args.json:
            first, *rest = batch_lines(check, total)
            (output.info if check.outcome.verification.ok else output.warn)(first)
            for line in rest:
                output.info(line)

    return batch_verifier(root, writer, options, total, on_check)


def _record(root: Path, run_id: str, checks: Sequence[BatchCheck]) -> str:
    from declone.measure import record_verification

    path = record_verification(root, run_id, [check.outcome for check in checks])
    return path.relative_to(root).as_posix()


def _verification_summary(checks: Sequence[BatchCheck], record: str) -> None:
    from declone.cli import output
    from declone.measure import summary_line

    line = f"{summary_line(checks)}; recorded in {record}"
    (output.info if all(c.outcome.verification.ok for c in checks) else output.warn)(line)


def _relative(root: Path, given: str) -> str:
    path = Path(given)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        text = absolute.resolve().relative_to(root).as_posix()
    except ValueError:
        text = Path(given).as_posix()
    return "" if text == "." else text


def _exit_code(
    prepared: PreparedPlan,
    selection: Selection,
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
