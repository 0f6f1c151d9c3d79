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
from typing import TYPE_CHECKING, Any

from declone.cli.options import (
    add_canonical_options,
    parse_jobs,
    positive_seconds,
    prepare_plans_from_args,
)
from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.measure import BatchCheck, ImportCheck, ImportChecker
    from declone.migrate import BatchCallback, BatchOutcome, JournalWriter, Selection, SkippedFile
    from declone.plan import Plan, PreparedPlan, PreparedPlans

__all__ = ["add_arguments", "run"]


#: The codes ``declone migrate`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: (
        "every file the plan changes was written, or nothing was left to do; copies the plan "
        "skips are said with their reasons and are not a failure"
    ),
    ExitCode.FINDINGS: (
        "a planned file not written: it could not be rewritten or changed since it was read; "
        "a batch rolled back because a changed module no longer imports; a batch that "
        "regressed under --verify, even when its files were rolled back"
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
        help="migrate only the copies under these paths",
    )
    parser.add_argument(
        "--drop-comments",
        action="store_true",
        help="migrate copies that hold comments the canonical lacks (named in the plan); by "
        "default such a copy stays",
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
    parser.add_argument(
        "--no-import-check",
        dest="import_check",
        action="store_false",
        help="do not import each changed module with --python before and after its batch; "
        "by default a module that no longer imports rolls its batch back",
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
    )
    from declone.plan import (
        NothingToConsolidate,
        done_message,
        nothing_document,
        plan_document,
        plans_document,
    )

    if args.batch_size < 1:
        raise DecloneError("--batch-size must be at least 1", ExitCode.USAGE)
    if args.max_files is not None and args.max_files < 1:
        raise DecloneError("--max-files must be at least 1", ExitCode.USAGE)
    _check_verify_options(args)
    scoped = args.extract_to is not None and "{scope}" in args.extract_to
    if scoped and args.register:
        raise DecloneError(
            "--register records one canonical per family; with --extract-to '{scope}/...' "
            "each scope has its own: leave out --register",
            ExitCode.USAGE,
        )
    try:
        prepared = prepare_plans_from_args(args, show_progress=not (args.json or args.no_progress))
    except NothingToConsolidate as nothing:
        output.info(nothing.message)
        if args.json:
            document = nothing_document(nothing)
            output.emit_json(
                migration_document(document, None, [], dry_run=args.dry_run, run_id=None)
            )
        return int(ExitCode.OK)
    root = prepared.settings.root
    parts = [part for part in prepared.parts if part.plan is not None]
    plans = [part.plan for part in parts if part.plan is not None]
    if not plans:
        if not prepared.parts and not prepared.kept:
            raise DecloneError(
                f"no family named {args.family!r}; `declone scan` lists the families",
                ExitCode.USAGE,
            )
        done = done_message(prepared, args.family)
        output.info(done)
        if args.json:
            base = plan_document(prepared.parts[0]) if prepared.parts else {}
            base["nothing_to_do"] = done
            output.emit_json(migration_document(base, None, [], dry_run=args.dry_run, run_id=None))
        return int(ExitCode.OK)
    base = plans_document(prepared, args.extract_to) if scoped else plan_document(parts[0])
    selection = _select(parts, args)
    register = registry_change(root, plans[0]) if args.register and selection.to_write else None
    if register is not None:
        selection.to_write.append(register)
    if args.dry_run:
        if args.json:
            output.emit_json(migration_document(base, selection, [], dry_run=True, run_id=None))
        else:
            if not plan_view.print_diffs(selection.to_write):
                output.info(_no_diff(plans, selection))
            plan_view.print_migration_summary(plans, selection, [], dry_run=True)
        return int(_exit_code(plans, selection))
    if not selection.to_write:
        if args.json:
            output.emit_json(migration_document(base, selection, [], dry_run=False, run_id=None))
        else:
            plan_view.print_migration_summary(plans, selection, [], dry_run=False)
        return int(_exit_code(plans, selection))
    paths = [change.path for change in selection.to_write]
    if args.commit and not is_git_work_tree(root):
        raise DecloneError(f"{root}: not a git work tree; leave out --commit", ExitCode.USAGE)
    if not args.allow_dirty:
        ensure_clean(root, paths, what="migrate")
    if args.verify:
        _check_guard_tests(root, args.guard_tests)
    family = plans[0].family
    canonical = args.extract_to if scoped else plans[0].canonical.reference
    writer = open_writer(root, family, canonical, _skips(plans, selection))
    batches = make_batches(selection.to_write, args.batch_size)
    message = (
        (lambda batch: commit_message(family, canonical, batch, len(batches)))
        if args.commit
        else None
    )
    enabled = not (args.json or args.no_progress)
    checks: list[BatchCheck] = []
    verifier = _verifier(root, writer, args, checks, len(batches)) if args.verify else None
    imports: list[ImportCheck] = []
    checker = (
        _import_checker(prepared, writer, args, imports, len(batches))
        if args.import_check
        else None
    )
    try:
        with output.progress("migrating", len(selection.to_write), enabled=enabled) as bar:
            outcomes = apply_batches(
                root,
                writer,
                batches,
                on_progress=bar.advance,
                before_batch=checker.before_batch if checker else None,
                # The import check first: a batch it rolls back has nothing left to verify.
                after_batch=_after_batch(checker, verifier),
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
            base,
            selection,
            outcomes,
            dry_run=False,
            run_id=writer.run_id,
            import_checks=_import_documents(imports) if checker else None,
        )
        if record is not None:
            from declone.measure import verification_summary

            document["verification"] = verification_summary(checks, record)
        output.emit_json(document)
    else:
        plan_view.print_migration_summary(
            plans, selection, outcomes, dry_run=False, run_id=writer.run_id
        )
        if checker is not None:
            _import_summary(imports)
        if record is not None:
            _verification_summary(checks, record)
    return int(_exit_code(plans, selection, outcomes, checks))


def _select(parts: Sequence[PreparedPlan], args: argparse.Namespace) -> Selection:
    """What this run writes, over every plan (one per scope with ``{scope}``): each plan's
    changed files, its canonical module first, within ``--max-files`` over them all."""
    from declone.migrate import Selection, select_changes
    from declone.plan import plan_changes

    merged = Selection()
    remaining = args.max_files
    for part in parts:
        selection = select_changes(plan_changes(part), order=args.order, max_files=remaining)
        merged.to_write.extend(selection.to_write)
        merged.unchanged.extend(selection.unchanged)
        merged.failed.extend(selection.failed)
        merged.deferred.extend(selection.deferred)
        if remaining is not None:
            remaining -= sum(1 for change in selection.to_write if not change.created)
            if remaining <= 0:
                remaining = 0
    return merged


def _skips(plans: Sequence[Plan], selection: Selection) -> list[SkippedFile]:
    """What the run leaves alone, for the journal (and so for ``declone report``)."""
    from declone.migrate import SkippedFile

    return [
        *(
            SkippedFile(e.path, e.reason, e.class_name, e.lineno)
            for plan in plans
            for e in plan.skipped
        ),
        *(SkippedFile(c.path, c.reason) for c in selection.failed),
    ]


def _no_diff(plans: Sequence[Plan], selection: Selection) -> str:
    """Why ``--dry-run`` printed no diff."""
    from declone.cli import output

    if not any(plan.changes for plan in plans):
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


def _import_checker(
    prepared: PreparedPlans,
    writer: JournalWriter,
    args: argparse.Namespace,
    checks: list[ImportCheck],
    total: int,
) -> ImportChecker:
    """The import check (on unless ``--no-import-check``): a batch whose changed module no
    longer imports goes back, said as it happens."""
    from declone.cli import output
    from declone.measure import (
        ImportChecker,
        ImportCheckOptions,
        choose_interpreter,
        import_check_lines,
    )

    root = prepared.settings.root
    options = ImportCheckOptions(python=choose_interpreter(root, args.python))

    def on_check(check: ImportCheck) -> None:
        checks.append(check)
        if not args.json:
            for number, line in enumerate(import_check_lines(check, total)):
                (output.warn if number == 0 else output.info)(line)

    files = [record.path for record in prepared.index.files]
    return ImportChecker(prepared.settings, files, writer, options, on_check)


def _after_batch(
    checker: ImportChecker | None, verifier: BatchCallback | None
) -> BatchCallback | None:
    from declone.measure import chain_batch_callbacks

    return chain_batch_callbacks(checker.after_batch if checker else None, verifier)


def _import_documents(checks: Sequence[ImportCheck]) -> dict[int, dict[str, Any]]:
    from declone.measure import import_check_document

    return {check.batch: import_check_document(check) for check in checks}


def _import_summary(checks: Sequence[ImportCheck]) -> None:
    from declone.cli import output
    from declone.measure import import_check_summary

    (output.info if all(check.ok for check in checks) else output.warn)(
        import_check_summary(checks)
    )


def _record(root: Path, run_id: str, checks: Sequence[BatchCheck]) -> str:
    from declone.measure import record_verification

    path = record_verification(root, run_id, [check.outcome for check in checks])
    return path.relative_to(root).as_posix()


def _verification_summary(checks: Sequence[BatchCheck], record: str) -> None:
    from declone.cli import output
    from declone.measure import summary_line

    line = f"{summary_line(checks)}; recorded in {record}"
    (output.info if all(c.outcome.verification.ok for c in checks) else output.warn)(line)


def _exit_code(
    plans: Sequence[Plan],
    selection: Selection,
    outcomes: Sequence[BatchOutcome] = (),
    checks: Sequence[BatchCheck] = (),
) -> ExitCode:
    refused = any(o.refused or o.rolled_back for o in outcomes)
    # A regression counts even when its files were rolled back: the plan was wrong there.
    regressed = any(not check.outcome.verification.ok for check in checks)
    # Skipped copies are the plan's decisions, said with their reasons: a run fails only
    # where it did not do what it planned.
    if selection.failed or refused or regressed:
        return ExitCode.FINDINGS
    return ExitCode.OK
