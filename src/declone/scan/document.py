"""The JSON document of ``declone scan --json`` (schema in ``schemas/scan.schema.json``).

Pure: index in, plain data out. Field names are part of the versioned schema: renaming one
means bumping ``SCAN_SCHEMA_VERSION``. Version 2: ``families[]`` holds duplicate families
(``"kind": "duplicate"``, with ``id`` and ``removable_lines``) and then the names that are
not families (``"kind": "same-name"`` or ``"nested"``). A family's ``related`` (added
within version 2) lists the production classes kept out of a family of test code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from declone import __version__, jsontext
from declone.model import (
    ClassKind,
    ClassRecord,
    CommentedCopy,
    Compatibility,
    CopyVerdict,
    Family,
    FileProblem,
    NameGroup,
    RelatedClass,
    ScanIndex,
    Variant,
    VariantDiff,
)

if TYPE_CHECKING:
    from declone.scan.occurrences import Occurrences

__all__ = [
    "SCAN_SCHEMA_VERSION",
    "class_to_json",
    "document_text",
    "family_to_json",
    "index_to_json",
    "name_group_to_json",
    "occurrences_to_json",
    "summary_of",
    "with_stats",
]


# Plain strings for the enums: ``member.value`` goes through a slow descriptor, and a
# document holds tens of thousands of them.
_KIND = {kind: kind.value for kind in ClassKind}
_COMPATIBILITY = {c: c.value for c in Compatibility}

#: The scan document's own version (the other commands' documents have theirs).
SCAN_SCHEMA_VERSION = 2


def summary_of(index: ScanIndex) -> dict[str, int]:
    return {
        "files": index.file_count,
        "classes": index.class_count,
        "families": len(index.families),
        "live_copies": sum(len(f.copies) for f in index.families),
        "duplicated_lines": sum(f.duplicated_lines for f in index.families),
        "removable_lines": sum(f.removable_lines for f in index.families),
        "same_name_groups": sum(1 for g in index.name_groups if g.kind == "same-name"),
        "nested_groups": sum(1 for g in index.name_groups if g.kind == "nested"),
        "warning_sources": len(index.warning_sources),
        "uncollectable_tests": len(index.uncollectable_tests),
        "commented_copies": len(index.commented),
        "backup_copies": len(index.backup_copies),
        "problems": len(index.problems),
    }


def index_to_json(
    index: ScanIndex, stats: Any = None, *, family: str | None = None
) -> dict[str, Any]:
    families = index.families
    groups = index.name_groups
    if family is not None:
        chosen = index.family(family)
        families = (chosen,) if chosen is not None else ()
        group = index.name_group(family) if "@" not in family else None
        groups = (group,) if group is not None else ()
    document: dict[str, Any] = {
        "schema_version": SCAN_SCHEMA_VERSION,
        "tool": "declone",
        "version": __version__,
        "command": "scan",
        "root": index.root,
        "summary": summary_of(index),
        "families": [
            *(family_to_json(f) for f in families),
            *(name_group_to_json(g) for g in groups),
        ],
        "warning_sources": [_location(c) for c in index.warning_sources],
        "uncollectable_tests": [_location(c) for c in index.uncollectable_tests],
        "commented_copies": [_commented(c) for c in index.commented],
        "backup_copies": [_location(c) for c in index.backup_copies],
        "problems": [_problem(p) for p in index.problems],
    }
    if stats is not None:
        document["stats"] = _stats(stats)
    return document


def document_text(index: ScanIndex) -> str:
    """The whole document but its ``stats``, compact: what the scan cache keeps."""
    return jsontext.compact(index_to_json(index))


def with_stats(text: str, stats: Any) -> str:
    """A document from ``document_text`` with ``stats`` added, last as in ``index_to_json``."""
    return f'{text[:-1]},"stats":{jsontext.compact(_stats(stats))}}}'


def _stats(stats: Any) -> dict[str, Any]:
    return {
        "files": stats.files,
        "parsed": stats.parsed,
        "from_cache": stats.from_cache,
        "seconds": round(stats.seconds, 4),
    }


def family_to_json(family: Family) -> dict[str, Any]:
    variant_of = {v.shape: v.id for v in family.variants}
    return {
        "kind": "duplicate",
        "id": family.id,
        "name": family.name,
        "names": list(family.names),
        "copies": len(family.copies),
        "files": len(family.files),
        "duplicated_lines": family.duplicated_lines,
        "removable_lines": family.removable_lines,
        "scopes": list(family.scopes),
        "warnings": family.warning_count,
        "matched_by": list(family.matched_by),
        "dominant_variant": family.dominant.id,
        "variants": [_variant(v) for v in family.variants],
        # One verdict per copy, in the order of ``copies``.
        "members": [_verdict_member(verdict, variant_of) for verdict in family.verdicts],
        "related": [_related(related) for related in family.related],
    }


def _related(related: RelatedClass) -> dict[str, Any]:
    """A production class like a family of test code, kept out of it."""
    return {
        "name": related.name,
        "path": related.path,
        "line": related.lineno,
        "similarity": round(related.similarity, 4),
    }


def name_group_to_json(group: NameGroup) -> dict[str, Any]:
    """A name that is not a family: where each of its classes is, and how many bodies."""
    return {
        "kind": group.kind.value,
        "name": group.name,
        "copies": len(group.copies),
        "files": len(group.files),
        "distinct_bodies": group.distinct_bodies,
        "in_families": group.in_families,
        "members": [
            {
                "qualname": c.qualname,
                "path": c.path,
                "line": c.lineno,
                "end_line": c.end_lineno,
                "col": c.col + 1,
                "in_function": c.in_function,
                "shape": c.shape,
            }
            for c in group.copies
        ],
    }


def occurrences_to_json(occurrences: Occurrences) -> dict[str, Any]:
    """``scan --family NAME``'s reconciliation of the lines that say ``class NAME``."""
    return {
        "name": occurrences.name,
        "total": occurrences.total,
        "files": occurrences.files,
        "by_kind": {kind.value: count for kind, count in occurrences.by_kind().items()},
        "longer_names": occurrences.longer_names,
        "items": [
            {"path": item.path, "line": item.lineno, "kind": item.kind.value}
            for item in occurrences.items
        ],
    }


def _verdict_member(verdict: CopyVerdict, variant_of: dict[str, str]) -> dict[str, Any]:
    member = _member(verdict.copy)  # one dict per copy, not a second one merged from it
    member["variant"] = variant_of[verdict.copy.shape]
    member["compatibility"] = _COMPATIBILITY[verdict.compatibility]
    member["reason"] = verdict.reason
    return member


def class_to_json(record: ClassRecord) -> dict[str, Any]:
    """One class, with its API: bases, decorators, methods and attributes."""
    return {**_member(record), **_api(record)}


def _member(record: ClassRecord) -> dict[str, Any]:
    """Where a copy is and what it is; its API is its variant's (same shape, same members)."""
    return {
        "name": record.name,
        "qualname": record.qualname,
        "path": record.path,
        "line": record.lineno,
        "end_line": record.end_lineno,
        "col": record.col + 1,
        "kind": _KIND[record.kind],
        "in_function": record.in_function,
        "fingerprint": record.fingerprint,
        "shape": record.shape,
        "statements": record.statement_count,
        "warns_on_collection": record.warns_on_collection,
    }


def _api(record: ClassRecord) -> dict[str, Any]:
    return {
        "bases": list(record.bases),
        "decorators": list(record.decorators),
        "methods": [
            {"name": m.name, "async": m.is_async, "params": list(m.params), "line": m.lineno}
            for m in record.methods
        ],
        "init_attributes": list(record.init_attributes),
        "class_attributes": list(record.class_attributes),
    }


def _variant(variant: Variant) -> dict[str, Any]:
    return {
        "id": variant.id,
        "count": variant.count,
        "representative": variant.representative.location,
        "copies": [c.location for c in variant.copies],
        "api": _api(variant.representative),
        "diff": _diff(variant.diff),
    }


def _diff(diff: VariantDiff) -> dict[str, Any]:
    return {
        "methods_added": list(diff.methods_added),
        "methods_missing": list(diff.methods_missing),
        "async_changes": [{"method": m, "change": c} for m, c in diff.async_changes],
        "signature_changes": [
            {"method": m, "dominant": a, "variant": b} for m, a, b in diff.signature_changes
        ],
        "attributes_added": list(diff.attributes_added),
        "attributes_missing": list(diff.attributes_missing),
        "bases_changed": diff.bases_changed,
        "source_diff": diff.source_diff,
    }


def _location(record: ClassRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "qualname": record.qualname,
        "path": record.path,
        "line": record.lineno,
        "col": record.col + 1,
    }


def _commented(copy: CommentedCopy) -> dict[str, Any]:
    return {"name": copy.name, "path": copy.path, "line": copy.lineno, "end_line": copy.end_lineno}


def _problem(problem: FileProblem) -> dict[str, Any]:
    return {"path": problem.path, "line": problem.lineno, "reason": problem.reason}
