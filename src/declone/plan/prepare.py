"""A family's plan from the repository: scan, resolve the canonical, plan every copy.

``plan``, ``migrate`` and ``finalize`` all start here; :func:`plan_changes` then rewrites the
planned files in memory, which is what ``migrate`` writes and ``plan --diff`` shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from declone.model import FileProblem
from declone.plan.canonical import (
    CanonicalChoice,
    ResolvedCanonical,
    choice_from_registry,
    resolve_canonical,
)
from declone.plan.changes import FileChange, preview
from declone.plan.importability import import_context
from declone.plan.planner import Plan, plan_migration
from declone.rewrite import RewriteStatus
from declone.scan import ScanStats, decode_source, scan_repository

if TYPE_CHECKING:
    from declone.config import Settings
    from declone.model import Family, ScanIndex

__all__ = ["PlanRequest", "PreparedPlan", "plan_changes", "prepare_plan"]


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What the user asked for: a family and how to choose its canonical."""

    family: str
    #: ``module:Class`` of an existing class.
    canonical: str | None = None
    #: Where to write a module extracted from one of the family's variants.
    extract_to: str | None = None
    variant: str = "dominant"
    #: The extracted class's new name.
    name: str | None = None
    #: The interpreter that runs the target's pytest: it decides what is importable.
    python: str = ""


@dataclass(frozen=True, slots=True)
class PreparedPlan:
    settings: Settings
    index: ScanIndex
    stats: ScanStats
    family: Family | None
    #: None when the family has no copies left (a migration ran) but the canonical exists.
    plan: Plan | None
    resolved: ResolvedCanonical
    #: Bytes of every file of the family, as read for the plan.
    sources: dict[str, bytes]


def prepare_plan(
    settings: Settings,
    request: PlanRequest,
    *,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> PreparedPlan:
    """Scan the repository, resolve the canonical and plan the family."""
    index, stats = scan_repository(settings, on_total=on_total, on_progress=on_progress)
    family = index.family(request.family)
    choice = CanonicalChoice(request.canonical, request.extract_to, request.variant, request.name)
    if request.canonical is None and request.extract_to is None:
        choice = choice_from_registry(settings, request.family) or choice
    context = import_context(settings.pytest, [record.path for record in index.files])
    resolved = resolve_canonical(choice, settings, index, request.family, context, request.python)
    if family is None:
        return PreparedPlan(settings, index, stats, None, None, resolved, {})
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
    if request.family in family.names:
        # The name the user gave wins over the scan's pick (the most common one).
        plan = dataclasses.replace(plan, family=request.family)
    return PreparedPlan(settings, index, stats, family, plan, resolved, raw)


def plan_changes(prepared: PreparedPlan) -> tuple[FileChange, ...]:
    """The planned files rewritten in memory, the extracted module first.

    The module is written only for files that change: when every copy is skipped, or no
    planned rewrite changes its file, nothing would import it and there is no module.
    """
    if prepared.plan is None:
        return ()
    changes = list(preview(prepared.plan, prepared.sources))
    extracted = prepared.resolved.extracted
    if extracted is not None and any(change.changed for change in changes):
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
