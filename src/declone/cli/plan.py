"""``declone plan FAMILY``: choose a canonical class; say what happens to each copy."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from declone.cli.options import add_canonical_options, prepare_plans_from_args
from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from collections.abc import Sequence

    from declone.plan import Plan, PreparedPlan

__all__ = ["add_arguments", "run"]


#: The codes ``declone plan`` returns and what each means here; its ``--help`` lists them.
EXIT_CODES = {
    ExitCode.OK: (
        "success: the plan is shown, nothing is written; also when there is nothing to do: "
        "every copy is inside a function or a class, or a migration ran"
    ),
    ExitCode.USAGE: (
        "usage or configuration error: an unknown family, a canonical that cannot be found, "
        "read or extracted"
    ),
    ExitCode.INTERRUPTED: "interrupted",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_canonical_options(parser)
    parser.add_argument(
        "--paths",
        dest="only_paths",
        nargs="+",
        default=[],
        metavar="P",
        help="plan only the copies under these paths",
    )
    parser.add_argument(
        "--drop-comments",
        action="store_true",
        help="plan copies that hold comments the canonical lacks (named in the plan); by "
        "default such a copy stays",
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print the unified diff of every file the plan would change",
    )


def run(args: argparse.Namespace) -> int:
    from declone.cli import output, plan_view, scope_view
    from declone.plan import (
        NothingToConsolidate,
        done_message,
        nothing_document,
        plan_changes,
        plan_document,
        plans_document,
        unified_diff,
    )

    try:
        prepared = prepare_plans_from_args(
            args, show_progress=not (args.json or args.no_progress), propose=True
        )
    except NothingToConsolidate as nothing:
        # Copies that no import can replace are no error: there is nothing to plan.
        output.info(nothing.message)
        if args.json:
            output.emit_json(nothing_document(nothing))
        return int(ExitCode.OK)
    planned = [part for part in prepared.parts if part.plan is not None]
    if prepared.family is None or not (planned or prepared.kept):
        if not prepared.parts:
            raise DecloneError(
                f"no family named {args.family!r}; `declone scan` lists the families",
                ExitCode.USAGE,
            )
        message = done_message(prepared, args.family)
        output.info(message)
        if args.json:
            output.emit_json({**plan_document(prepared.parts[0]), "nothing_to_do": message})
        return int(ExitCode.OK)
    template = args.extract_to
    # Copies a proposal keeps in place as the canonical (they cannot travel) are proposed
    # with --canonical, scope by scope; the others with the --extract-to they were planned to.
    in_place = [part for part in planned if part.resolved.kept_in_place]
    if prepared.proposed:
        template = _proposal([part for part in prepared.parts if part not in in_place])
    # Scope by scope, also when every scope keeps its copies (nothing planned, notes only).
    scoped = not planned or (
        template is not None and ("{scope}" in template or len(planned) + len(prepared.kept) > 1)
    )
    changes = [
        change
        for part in planned
        for change in (plan_changes(part) if args.diff or args.json else ())
    ]
    if args.json:
        document = plans_document(prepared, template or "") if scoped else plan_document(planned[0])
        document["proposed"] = prepared.proposed
        if args.diff:
            document["diff"] = "".join(unified_diff(change) for change in changes)
        output.emit_json(document)
        return int(ExitCode.OK)
    if not planned:
        output.info("nothing to migrate: every scope keeps its copies")
    if prepared.proposed and template and planned:
        extracting = [part for part in planned if part not in in_place]
        output.info(
            f"no canonical given: proposing --extract-to {template!r}"
            + _proposal_ending(extracting)
        )
    for part in in_place if prepared.proposed else ():
        scope = part.family.scopes[0] if part.family and scoped and part.family.scopes else ""
        output.info(
            f"no canonical given: proposing --canonical {part.resolved.canonical.reference}"
            + (f" for scope {scope}" if scope else "")
            + _proposal_ending([part])
        )
    for part in planned:
        assert part.plan is not None
        if scoped:
            output.stdout().rule(f"scope {(part.family.scopes[0] if part.family else '') or '.'}")
        plan_view.print_plan(part.plan, part.resolved.extracted is not None)
    if scoped:
        scope_view.print_scope_summary(prepared)
    if args.diff and not plan_view.print_diffs(changes):
        output.info(_no_diff([part.plan for part in planned if part.plan is not None]))
    return int(ExitCode.OK)


def _proposal_ending(parts: Sequence[PreparedPlan]) -> str:
    """What to do with a proposal: pass it to migrate, unless no copy would change."""
    if any(part.plan is not None and part.plan.changes for part in parts):
        return "; pass it (or another canonical) to migrate"
    return ", though it changes no file: every copy stays, for the reasons below"


def _no_diff(plans: list[Plan]) -> str:
    """Why ``--diff`` printed nothing."""
    from declone.cli import output

    files = {path for plan in plans for path in plan.files}
    if not files:
        return "no diff to show: no file would change"
    return (
        f"no diff to show: {output.plural(len(files), 'planned file')}, none changed by the rewrite"
    )


def _proposal(parts: Sequence[PreparedPlan]) -> str | None:
    """The ``--extract-to`` that gives the proposed modules of ``parts``: one path, or a
    ``{scope}`` template when every scope's module sits at the same place below its scope;
    ``None`` without parts."""
    targets = [
        (part.family.scopes[0] if part.family else "", part.resolved.canonical.path or "")
        for part in parts
    ]
    if not targets:
        return None
    if len(targets) == 1:
        return targets[0][1]
    below = {path[len(scope) + 1 :] if scope else path for scope, path in targets}
    if len(below) == 1:
        return "{scope}/" + below.pop()
    return ", ".join(path for _, path in targets)
