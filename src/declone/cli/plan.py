"""``declone plan FAMILY``: choose a canonical class; say what happens to each copy."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from declone.cli.options import add_canonical_options, prepare_plan_from_args
from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.plan import Plan

__all__ = ["add_arguments", "run"]


#: The codes ``declone plan`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: "success: the plan is shown, nothing is written",
    ExitCode.USAGE: (
        "usage or configuration error: an unknown family, a canonical that cannot be found, "
        "read or extracted"
    ),
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_canonical_options(parser)
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print the unified diff of every file the plan would change",
    )


def run(args: argparse.Namespace) -> int:
    from declone.cli import output, plan_view
    from declone.plan import plan_changes, plan_document, unified_diff

    prepared = prepare_plan_from_args(args, show_progress=not (args.json or args.no_progress))
    if prepared.plan is None:
        raise DecloneError(
            f"no family named {args.family!r}; `declone scan` lists the families", ExitCode.USAGE
        )
    changes = plan_changes(prepared) if args.diff or args.json else ()
    if args.json:
        document = plan_document(prepared)
        if args.diff:
            document["diff"] = "".join(unified_diff(change) for change in changes)
        output.emit_json(document)
        return int(ExitCode.OK)
    plan_view.print_plan(prepared.plan, prepared.resolved.extracted is not None)
    if args.diff and not plan_view.print_diffs(changes):
        output.info(_no_diff(prepared.plan))
    return int(ExitCode.OK)


def _no_diff(plan: Plan) -> str:
    """Why ``--diff`` printed nothing."""
    from declone.cli import output

    if not plan.changes:
        return "no diff to show: no file would change"
    return (
        f"no diff to show: {output.plural(len(plan.files), 'planned file')}, "
        "none changed by the rewrite"
    )
