"""``declone verify [RUN_ID]``: compare test outcomes on the original and the migrated tree.

Exit codes: 0 no regression; 1 a regression (also when it was rolled back); 3 the journal
or the rollback was refused (nothing restored); 4 the target's pytest is missing or timed out.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from declone.cli.options import parse_jobs, positive_seconds
from declone.errors import DecloneError, ExitCode
from declone.wording import plural

if TYPE_CHECKING:
    from declone.measure import Verification, VerifyOutcome

__all__ = ["add_arguments", "run"]


#: The codes ``declone verify`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "no regression",
    ExitCode.FINDINGS: "a regression, also when --rollback-on-regression rolled its files back",
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.REFUSED: "the journal or the rollback was refused; nothing restored",
    ExitCode.TARGET: "the target's pytest is missing, did not start, or timed out on a side",
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", nargs="?", metavar="RUN_ID", help="the run (default: the latest)")
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root (default: the current folder)"
    )
    parser.add_argument(
        "--python",
        metavar="PY",
        help="the target's interpreter; by default ROOT/.venv/bin/python if present, else declone's",
    )
    parser.add_argument(
        "--jobs",
        type=parse_jobs,
        default="auto",
        metavar="N|auto",
        help="pytest-xdist processes per side, auto (the default) for one per core; one process "
        "if the target lacks pytest-xdist",
    )
    parser.add_argument(
        "--guard-tests",
        nargs="+",
        default=[],
        metavar="PATH",
        help="tests that always run before and after, whatever the run touched",
    )
    parser.add_argument(
        "--rollback-on-regression",
        action="store_true",
        help="roll back the files responsible for regressed tests, then verify again",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="S",
        help="stop a side's pytest after S seconds",
    )
    parser.add_argument("--json", action="store_true", help="print the verification as JSON")


def run(args: argparse.Namespace) -> int:
    from declone.cli import output
    from declone.config import repository_root
    from declone.measure import record_verification, verification_document, verify_run
    from declone.migrate import JournalError, latest_run

    root = repository_root(args.root)
    try:
        run_id = args.run_id or latest_run(root).id
    except JournalError as exc:
        raise DecloneError(str(exc), ExitCode.REFUSED) from None
    outcome = verify_run(
        root,
        run_id,
        python=args.python,
        jobs=args.jobs,
        guard_tests=args.guard_tests,
        timeout=args.timeout,
        rollback_on_regression=args.rollback_on_regression,
    )
    record = record_verification(root, run_id, [outcome])
    if args.json:
        output.emit_json(verification_document(run_id, [outcome]))
    else:
        _print(outcome)
    _summarise(outcome, record.relative_to(root).as_posix())
    if outcome.refused:
        return int(ExitCode.REFUSED)
    return int(ExitCode.OK if outcome.verification.ok else ExitCode.FINDINGS)


def _print(outcome: VerifyOutcome) -> None:
    from declone.cli import output

    lines = _change_lines(outcome.verification)
    if outcome.reverification is not None:
        lines += ["after rollback:", *(_change_lines(outcome.reverification) or ["no change"])]
    if lines:
        output.emit_text("".join(f"{line}\n" for line in lines))


def _change_lines(verification: Verification) -> list[str]:
    lines = []
    for change in verification.changes:
        before = change.before or "missing"
        after = change.after or "missing"
        if change.regression:
            files = ", ".join(change.files) or "no touched file imported directly"
            detail = f" ({change.message})" if change.message else ""
            lines.append(
                f"REGRESSION {change.nodeid}: {before} -> {after}{detail} [files: {files}]"
            )
        else:
            lines.append(f"changed {change.nodeid}: {before} -> {after}")
    for error in verification.new_collection_errors:
        lines.append(f"collection error {error.path}: {error.exception_type}: {error.message}")
    return lines


def _summarise(outcome: VerifyOutcome, record: str) -> None:
    from declone.cli import output

    first = outcome.verification
    for note in first.notes:
        output.warn(note)
    output.info(_summary_line(first))
    if first.ok:
        output.info(f"no regression; recorded in {record}")
        return
    files = ", ".join(first.files_to_roll_back)
    for path, reason in outcome.refused:
        output.error(f"{path}: rollback refused: {reason}")
    if outcome.reverification is None:
        hint = (
            "nothing restored"
            if outcome.refused
            else f"roll them back with `declone rollback {first.run_id} --files {files}` "
            "or rerun with --rollback-on-regression"
        )
        output.info(
            f"{plural(len(first.regressions), 'regression')}; files responsible: {files}; {hint}; "
            f"recorded in {record}"
        )
        return
    second = outcome.reverification
    verdict = (
        "no regression left"
        if second.ok
        else f"{plural(len(second.regressions), 'regression')} left; "
        f"`declone rollback {first.run_id}` restores the whole run"
    )
    output.info(
        f"{plural(len(first.regressions), 'regression')}; rolled back: "
        f"{', '.join(outcome.rolled_back)}; re-verified: {verdict}; recorded in {record}"
    )


def _summary_line(verification: Verification) -> str:
    mode = "pytest-xdist" if verification.used_xdist else "one process"
    return (
        f"run {verification.run_id}: {plural(len(verification.files), 'file')}, "
        f"{plural(len(verification.targets), 'test path')}; "
        f"original tree: {plural(len(verification.before), 'test')} in "
        f"{verification.before_seconds:.1f} s, migrated tree: {plural(len(verification.after), 'test')} "
        f"in {verification.after_seconds:.1f} s ({mode})"
    )
