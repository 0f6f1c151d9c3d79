"""The JSON document of ``declone migrate --json``: the plan's, and what the run wrote."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from declone.migrate.batches import BatchOutcome, Selection
from declone.plan import PreparedPlan, plan_document, unified_diff

__all__ = ["migration_document"]


def migration_document(
    prepared: PreparedPlan,
    selection: Selection | None,
    outcomes: Sequence[BatchOutcome],
    *,
    dry_run: bool,
    run_id: str | None,
) -> dict[str, Any]:
    """``migrate --json``: the plan's document, with what the run wrote, batch by batch."""
    document = plan_document(prepared)
    document["command"] = "migrate"
    document["dry_run"] = dry_run
    document["run_id"] = run_id
    document["verification"] = None
    if selection is None:
        document["changed"] = []
        return document
    document["changed"] = [
        {"path": c.path, "actions": list(c.actions), "created": c.created}
        for c in selection.to_write
    ]
    document["not_migrated"] = [{"path": c.path, "reason": c.reason} for c in selection.failed]
    document["deferred"] = selection.deferred
    document["batches"] = [
        {
            "number": o.batch.number,
            "files": list(o.written),
            "rolled_back": list(o.rolled_back),
            "refused": [{"path": p, "reason": r} for p, r in o.refused],
            "commit": o.commit,
        }
        for o in outcomes
    ]
    if dry_run:
        document["diff"] = "".join(unified_diff(c) for c in selection.to_write)
    return document
