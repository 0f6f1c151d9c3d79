"""A family consolidated scope by scope: the per-scope figures that ``plan`` and ``migrate``
print and put in their JSON.

With ``--extract-to '{scope}/tests/declone_support.py'`` each import scope (a unit that ships
on its own: see ``declone.scan.find_scopes``) gets its own canonical module, and no import
crosses from one scope to another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from declone import __version__
from declone.model import SCHEMA_VERSION
from declone.plan.canonical import NothingToConsolidate
from declone.plan.document import plan_document
from declone.plan.planner import Action
from declone.plan.prepare import PreparedPlan, PreparedPlans

__all__ = ["ScopeRow", "done_message", "nothing_document", "plans_document", "scope_rows"]


@dataclass(frozen=True, slots=True)
class ScopeRow:
    """One line of the per-scope summary."""

    scope: str
    copies: int
    #: Copies whose file the plan changes (replace, alias, residual).
    planned: int
    skipped: int
    files: int
    #: The canonical's module path; "" for a scope whose copies stay.
    canonical: str
    note: str = ""


def scope_rows(prepared: PreparedPlans) -> tuple[ScopeRow, ...]:
    """The scopes in order: planned ones with their counts, kept ones with their reason."""
    rows = []
    for part in prepared.parts:
        plan = part.plan
        if plan is None:
            continue
        rows.append(
            ScopeRow(
                _scope_of(part),
                len(plan.entries),
                len(plan.changes),
                len(plan.skipped),
                len(plan.files),
                plan.canonical.path or plan.canonical.reference,
            )
        )
    for note in prepared.kept:
        rows.append(ScopeRow(note.scope, len(note.copies), 0, 0, 0, "", note.reason))
    return tuple(sorted(rows, key=lambda row: row.scope))


def _scope_of(part: PreparedPlan) -> str:
    family = part.family
    return family.scopes[0] if family is not None and len(family.scopes) == 1 else ""


def done_message(prepared: PreparedPlans, family: str) -> str:
    """What ``plan``/``migrate`` say when the family has no copy left to plan: where the
    class is now defined."""
    defined = [
        part.resolved.canonical.path or part.resolved.canonical.reference for part in prepared.parts
    ]
    if len(defined) == 1:
        return f"nothing to do: {family} is defined once, in {defined[0]}"
    if defined:
        return f"nothing to do: {family} is defined once per scope, in {len(defined)} modules"
    return f"nothing to do: no copy of {family} is left to consolidate"


def nothing_document(nothing: NothingToConsolidate) -> dict[str, Any]:
    """``plan --json`` for a family that no import can consolidate: why, said as ``plan``
    says it, and where each copy is defined. No canonical, no copy planned."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "declone",
        "version": __version__,
        "command": "plan",
        "root": str(nothing.root),
        "family": nothing.family,
        "nothing_to_do": nothing.message,
        "canonical": None,
        "conditions": [],
        "unsafe": False,
        "summary": {action.value: 0 for action in Action},
        "files": [],
        "copies": [
            {"path": c.path, "line": c.lineno, "class": c.name, "qualname": c.qualname}
            for c in sorted(nothing.copies, key=lambda c: (c.path, c.lineno))
        ],
    }


def plans_document(prepared: PreparedPlans, template: str) -> dict[str, Any]:
    """``plan --json`` for a ``{scope}`` template: one plan document per scope."""
    totals = {action.value: 0 for action in Action}
    scopes = []
    for part in prepared.parts:
        if part.plan is None:
            continue
        document = plan_document(part)
        for action, count in document["summary"].items():
            totals[action] += count
        scopes.append({"scope": _scope_of(part), **_without_header(document)})
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "declone",
        "version": __version__,
        "command": "plan",
        "root": str(prepared.settings.root),
        "family": prepared.family.name if prepared.family else None,
        "extract_to": template,
        "summary": totals,
        "scopes": scopes,
        "kept": [
            {
                "scope": note.scope,
                "reason": note.reason,
                "copies": [
                    {"path": c.path, "line": c.lineno, "class": c.name} for c in note.copies
                ],
            }
            for note in prepared.kept
        ],
    }


def _without_header(document: dict[str, Any]) -> dict[str, Any]:
    header = {"schema_version", "tool", "version", "command", "root"}
    return {key: value for key, value in document.items() if key not in header}
