"""The JSON document of ``declone migrate --json``: the plan's, and what the run wrote."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from declone.migrate.batches import BatchOutcome, Selection
from declone.plan import unified_diff

__all__ = ["migration_document"]


def migration_document(
    plan_document: dict[str, Any],
    selection: Selection | None,
    outcomes: Sequence[BatchOutcome],
    *,
    dry_run: bool,
    run_id: str | None,
    import_checks: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """``migrate --json``: the plan's document (``plan --json``'s, one plan or one per
    scope), with what the run wrote, batch by batch. ``import_checks`` holds each batch's
    import check by batch number (None when the check is off: ``--no-import-check``)."""
    document = dict(plan_document)
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
            "import_check": (None if import_checks is None else import_checks.get(o.batch.number)),
        }
        for o in outcomes
    ]
    if dry_run:
        document["diff"] = "".join(unified_diff(c) for c in selection.to_write)
    return document
