"""``declone plan FAMILY``: choose a canonical class; say what happens to each copy.

Also home of what ``migrate`` and ``finalize`` share with it: the canonical options and
:func:`prepare_plan` (scan, resolve the canonical, plan).
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from declone.errors import DecloneError, ExitCode

if TYPE_CHECKING:
    from declone.canonical import ResolvedCanonical
    from declone.config import Settings
    from declone.migration import FileChange
    from declone.model import Family, ScanIndex
    from declone.plan import Plan

__all__ = [
    "PreparedPlan",
    "add_arguments",
    "add_canonical_options",
    "plan_document",
    "prepare_plan",
    "run",
]


def add_canonical_options(parser: argparse.ArgumentParser) -> None:
    """``FAMILY``, ``--root`` and the canonical's options; ``plan`` and ``migrate`` share them."""
    from declone.commands.scan import add_scan_options

    parser.add_argument(
        "family", metavar="FAMILY", help="the family's name, as `declone scan` shows it"
    )
    parser.add_argument("--root", type=Path, help="repository root (default: the current folder)")
    group = parser.add_argument_group("canonical class (one of)")
    group.add_argument(
        "--canonical",
        metavar="MODULE:CLASS",
        help="an existing class, e.g. tests.support.websocket:FakeWebSocketConnection, or the "
        "built-in double declone.testing.websocket:FakeWebSocketConnection",
    )
    group.add_argument(
        "--extract-to",
        metavar="PATH",
        help="write a new module at PATH from one of the family's variants",
    )
    group.add_argument(
        "--variant",
        default="dominant",
        metavar="ID",
        help="with --extract-to: the variant to extract, `dominant` (default) or its id",
    )
    group.add_argument("--name", metavar="CLASS", help="with --extract-to: the class's new name")
    group.add_argument(
        "--python",
        metavar="PATH",
        help="the interpreter that runs the target's pytest (default: .venv/bin/python, then declone's)",
    )
    add_scan_options(parser)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_canonical_options(parser)
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print the unified diff of every file the plan would change",
    )


@dataclass(frozen=True, slots=True)
class PreparedPlan:
    settings: Settings
    index: ScanIndex
    family: Family | None
    #: None when the family has no copies left (a migration ran) but the canonical exists.
    plan: Plan | None
    resolved: ResolvedCanonical
    #: Bytes of every file of the family, as read for the plan.
    sources: dict[str, bytes]


def prepare_plan(args: argparse.Namespace, *, show_progress: bool) -> PreparedPlan:
    """Scan the repository, resolve the canonical and plan the family."""
    from declone import output
    from declone.canonical import CanonicalChoice, choice_from_registry, resolve_canonical
    from declone.commands.scan import settings_from_args, warn_if_uncached
    from declone.extract import decode_source
    from declone.importability import import_context
    from declone.model import FileProblem
    from declone.plan import plan_migration
    from declone.pytestrun import choose_interpreter
    from declone.scan import scan_repository

    args.paths = []
    settings = settings_from_args(args)
    with output.progress("scanning", None, enabled=show_progress) as bar:
        index, stats = scan_repository(settings, on_total=bar.set_total, on_progress=bar.advance)
    warn_if_uncached(stats)
    family = index.family(args.family)
    choice = CanonicalChoice(args.canonical, args.extract_to, args.variant, args.name)
    if args.canonical is None and args.extract_to is None:
        choice = choice_from_registry(settings, args.family) or choice
    context = import_context(settings.pytest, [record.path for record in index.files])
    python = choose_interpreter(settings.root, args.python)
    resolved = resolve_canonical(choice, settings, index, args.family, context, python)
    if family is None:
        return PreparedPlan(settings, index, None, None, resolved, {})
    raw: dict[str, bytes] = {}
    texts: dict[str, str] = {}
    for path in family.files:
        try:
            data = (settings.root / path).read_bytes()
        except OSError:
            continue
        raw[path] = data
        decoded = decode_source(data)
        if not isinstance(decoded, FileProblem):
            texts[path] = decoded[0]
    plan = plan_migration(
        index,
        family,
        resolved.canonical,
        settings.pytest,
        context,
        texts,
        installed=resolved.installed,
    )
    if args.family in family.names:
        # The name the user gave wins over the scan's pick (the most common one).
        plan = dataclasses.replace(plan, family=args.family)
    return PreparedPlan(settings, index, family, plan, resolved, raw)


def plan_changes(prepared: PreparedPlan) -> tuple[FileChange, ...]:
    """The planned files rewritten in memory, the extracted module first."""
    from declone.migration import FileChange, preview
    from declone.rewrite import RewriteStatus

    if prepared.plan is None:
        return ()
    changes = list(preview(prepared.plan, prepared.sources))
    extracted = prepared.resolved.extracted
    if extracted is not None and changes:
        created = FileChange(
            extracted.path,
            RewriteStatus.CHANGED,
            b"",
            extracted.text.encode("utf-8"),
            (f"extract {extracted.class_name}",),
            created=True,
        )
        changes.insert(0, created)
    return tuple(changes)


def plan_document(prepared: PreparedPlan) -> dict[str, Any]:
    from declone import __version__
    from declone.model import SCHEMA_VERSION

    plan = prepared.plan
    canonical = prepared.resolved.canonical
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": "declone",
        "version": __version__,
        "command": "plan",
        "root": str(prepared.settings.root),
        "family": prepared.family.name if prepared.family else None,
        "canonical": {
            "reference": canonical.reference,
            "module": canonical.module,
            "name": canonical.name,
            "origin": canonical.origin.value,
            "path": canonical.path,
            "aliases": list(canonical.aliases),
            "sets_test_false": canonical.sets_test_false,
            "extracted_from": canonical.source_copy.location if canonical.source_copy else None,
            "written_by_migration": prepared.resolved.extracted is not None,
        },
        "conditions": list(plan.conditions) if plan else [],
        "summary": plan.counts() if plan else {},
        "files": [],
    }
    if plan is not None:
        document["files"] = [
            {
                "path": entry.path,
                "class": entry.class_name,
                "line": entry.lineno,
                "end_line": entry.end_lineno,
                "action": entry.action.value,
                "reason": entry.reason,
                "keep_members": list(entry.keep_members),
                "import": (
                    {
                        "importable": entry.import_check.importable,
                        "via": entry.import_check.via,
                        "reason": entry.import_check.reason,
                    }
                    if entry.import_check
                    else None
                ),
            }
            for entry in plan.entries
        ]
    return document


def run(args: argparse.Namespace) -> int:
    from declone import output, planview

    prepared = prepare_plan(args, show_progress=not (args.json or args.no_progress))
    if prepared.plan is None:
        raise DecloneError(
            f"no family named {args.family!r}; `declone scan` lists the families", ExitCode.USAGE
        )
    changes = plan_changes(prepared) if args.diff or args.json else ()
    if args.json:
        document = plan_document(prepared)
        if args.diff:
            from declone.migration import unified_diff

            document["diff"] = "".join(unified_diff(change) for change in changes)
        output.emit_json(document)
        return int(ExitCode.OK)
    planview.print_plan(prepared.plan, prepared.resolved.extracted is not None)
    if args.diff:
        planview.print_diffs(changes)
    return int(ExitCode.OK)
