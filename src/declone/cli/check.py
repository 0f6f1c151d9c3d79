"""``declone check [PATH ...]``: the CI and pre-commit guard that keeps families consolidated.

Exit codes: ``EXIT_CODES`` below (``--help`` lists them).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from declone.cli.options import (
    add_scan_options,
    resolve_root,
    settings_from_args,
    warn_if_uncached,
)
from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.check import BaselineUpdate

__all__ = ["add_arguments", "run"]

_FORMATS = ("text", "json", "sarif", "github")  # check.FORMATS, without importing it for --help
_DEFAULT_BUDGET = 1.2


#: The codes ``declone check`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "clean",
    ExitCode.FINDINGS: (
        "violations: a registered class copied or imported around its canonical module, a new "
        "family or copy, a helper pytest warns about, a collection over budget"
    ),
    ExitCode.USAGE: (
        "usage or configuration error: a bad baseline file, no saved measurement for "
        "--collection-budget"
    ),
    ExitCode.REFUSED: (
        "with --collection-budget: the history database is damaged or from a newer declone"
    ),
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders to report on (default: every file)",
    )
    parser.add_argument("--root", type=Path, help="repository root (default: current folder)")
    parser.add_argument(
        "--format",
        choices=_FORMATS,
        default=None,
        metavar="|".join(_FORMATS),
        help="output format (default: text)",
    )
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the report to FILE, not stdout"
    )
    baseline = parser.add_argument_group("baseline")
    baseline.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="the accepted duplication, ROOT/.declone-baseline.json by default",
    )
    baseline.add_argument(
        "--update-baseline",
        action="store_true",
        help="rewrite the baseline from today's repository; it can only shrink",
    )
    baseline.add_argument(
        "--allow-growth",
        action="store_true",
        help="with --update-baseline: accept new families and copies too",
    )
    budget = parser.add_argument_group("collection budget")
    budget.add_argument(
        "--collection-budget",
        nargs="?",
        const=_DEFAULT_BUDGET,
        type=float,
        metavar="RATIO",
        help=f"fail if the latest `declone measure` is over RATIO x the baseline's collection "
        f"time (default {_DEFAULT_BUDGET}) or has more warnings or errors",
    )
    budget.add_argument(
        "--budget-baseline",
        default="baseline",
        metavar="NAME",
        help="the baseline to compare with (default: baseline)",
    )
    add_scan_options(parser)


def run(args: argparse.Namespace) -> int:
    from declone.check import CheckRequest, format_violations, run_check, summary_line
    from declone.cli import output

    if args.allow_growth and not args.update_baseline:
        raise DecloneError("--allow-growth only applies with --update-baseline", ExitCode.USAGE)
    if args.collection_budget is not None and args.collection_budget < 1.0:
        raise DecloneError("--collection-budget RATIO must be at least 1.0", ExitCode.USAGE)
    fmt = "json" if args.json else (args.format or "text")
    settings = settings_from_args(_whole_root(args))
    request = CheckRequest(
        paths=tuple(args.paths),
        baseline=args.baseline,
        update_baseline=args.update_baseline,
        allow_growth=args.allow_growth,
        collection_budget=args.collection_budget,
        budget_baseline=args.budget_baseline,
    )
    result = run_check(settings, request)
    warn_if_uncached(result.stats)
    if result.baseline_update is not None:
        _announce(result.baseline_update)
    text = format_violations(fmt, result.violations, settings.root, result.checked_files)
    if args.output is not None:
        from declone.atomic import write_text_atomic

        try:
            write_text_atomic(args.output, text)
        except OSError as exc:
            raise DecloneError(
                f"{args.output}: cannot write the report: {exc.strerror or exc}", ExitCode.USAGE
            ) from None
    elif text:
        output.emit_text(text)
    output.info(summary_line(result.violations, result.checked_files))
    return int(ExitCode.FINDINGS if result.violations else ExitCode.OK)


def _whole_root(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` for a scan of the whole root: PATHs only choose what is reported."""
    root = resolve_root(argparse.Namespace(paths=list(args.paths), root=args.root))
    whole = argparse.Namespace(**vars(args))
    whole.root, whole.paths = root, []
    return whole


def _announce(update: BaselineUpdate) -> None:
    from declone.cli import output

    output.info(
        f"{update.path}: baseline written: {len(update.baseline.families)} families, "
        f"{len(update.baseline.collection_warnings)} collection warnings accepted"
    )
    if update.refused:
        output.warn(
            f"not accepted (new since the last baseline): {', '.join(update.refused)}; "
            "pass --allow-growth to accept them"
        )
