"""The JSON document of ``declone plan --json``, which ``migrate --json`` extends."""

from __future__ import annotations

from typing import Any

from declone import __version__
from declone.model import SCHEMA_VERSION
from declone.plan.prepare import PreparedPlan

__all__ = ["plan_document"]


def plan_document(prepared: PreparedPlan) -> dict[str, Any]:
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
        "unsafe": plan.unsafe if plan else False,
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
                "tier": entry.tier.value,
                "reason": entry.reason,
                "cause": entry.cause or None,
                "keep_members": list(entry.keep_members),
                "canonical_diff": entry.canonical_diff or None,
                "adds_import": entry.adds_import if entry.changes_file else None,
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
