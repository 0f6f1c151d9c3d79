"""Stage 2, plan: a canonical class for a family and, per copy, what a migration does.

``canonical`` resolves the canonical (an existing class, or one ``extraction`` writes from a
variant); ``importability`` says whether a file can import it under pytest; ``classapi``
compares a copy's members with the canonical's; ``planner`` decides each copy's action and
its tier (``staying`` says which classes must stay where they are defined);
``changes`` rewrites the planned files in memory; ``prepare`` runs it all from a scan;
``document`` is the plan's JSON.
"""

from declone.plan.canonical import CanonicalChoice, NothingToConsolidate, ResolvedCanonical
from declone.plan.changes import FileChange, order_files, preview, unified_diff
from declone.plan.classapi import attribute_uses
from declone.plan.document import plan_document
from declone.plan.importability import (
    dotted_name,
    import_context,
    module_name_for,
    sys_path_for,
    with_roots,
)
from declone.plan.layout import declared_source_roots
from declone.plan.planner import Action, Canonical, CopyPlan, Plan, Tier
from declone.plan.prepare import (
    SCOPE_PLACEHOLDER,
    PlanRequest,
    PreparedPlan,
    PreparedPlans,
    ScopeNote,
    plan_changes,
    prepare_plan,
    prepare_plans,
    scope_path,
)
from declone.plan.scoped import (
    ScopeRow,
    done_message,
    nothing_document,
    plans_document,
    scope_rows,
)

__all__ = [
    "SCOPE_PLACEHOLDER",
    "Action",
    "Canonical",
    "CanonicalChoice",
    "CopyPlan",
    "FileChange",
    "NothingToConsolidate",
    "Plan",
    "PlanRequest",
    "PreparedPlan",
    "PreparedPlans",
    "ResolvedCanonical",
    "ScopeNote",
    "ScopeRow",
    "Tier",
    "attribute_uses",
    "declared_source_roots",
    "done_message",
    "dotted_name",
    "import_context",
    "module_name_for",
    "nothing_document",
    "order_files",
    "plan_changes",
    "plan_document",
    "plans_document",
    "prepare_plan",
    "prepare_plans",
    "preview",
    "scope_path",
    "scope_rows",
    "sys_path_for",
    "unified_diff",
    "with_roots",
]
