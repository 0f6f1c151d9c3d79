"""Stage 2, plan: a canonical class for a family and, per copy, what a migration does.

``canonical`` resolves the canonical (an existing class, or one ``extraction`` writes from a
variant); ``importability`` says whether a file can import it under pytest; ``classapi``
compares a copy's members with the canonical's; ``planner`` decides each copy's action;
``changes`` rewrites the planned files in memory; ``prepare`` runs it all from a scan;
``document`` is the plan's JSON.
"""

from declone.plan.canonical import CanonicalChoice, ResolvedCanonical
from declone.plan.changes import FileChange, order_files, preview, unified_diff
from declone.plan.classapi import attribute_uses
from declone.plan.document import plan_document
from declone.plan.planner import Action, Canonical, CopyPlan, Plan
from declone.plan.prepare import PlanRequest, PreparedPlan, plan_changes, prepare_plan

__all__ = [
    "Action",
    "Canonical",
    "CanonicalChoice",
    "CopyPlan",
    "FileChange",
    "Plan",
    "PlanRequest",
    "PreparedPlan",
    "ResolvedCanonical",
    "attribute_uses",
    "order_files",
    "plan_changes",
    "plan_document",
    "prepare_plan",
    "preview",
    "unified_diff",
]
