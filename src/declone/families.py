"""Group class records into families of copies, with variants and per-copy verdicts.

Pure functions over ``ClassRecord`` values. Three links join two helpers into a family:
the same name in ``min_copies`` or more files, the same structural shape (a clone under
another name), or near-clone similarity of their normalised statements. The last two only
apply to classes of at least ``min_lines`` statements, so that trivial bodies (``pass``, a
docstring, a few constants) never glue unrelated classes together.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from declone.model import (
    ClassKind,
    ClassRecord,
    Compatibility,
    CopyVerdict,
    Family,
    Variant,
    VariantDiff,
)

__all__ = ["FamilyOptions", "compare_to", "find_families", "jaccard"]


@dataclass(frozen=True, slots=True)
class FamilyOptions:
    min_copies: int = 2
    similarity: float = 0.8
    min_lines: int = 4


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first: int, second: int) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def jaccard(first: Sequence[str], second: Sequence[str]) -> float:
    """Multiset Jaccard similarity of two statement-hash lists."""
    if not first and not second:
        return 1.0
    a, b = Counter(first), Counter(second)
    shared = sum((a & b).values())
    return shared / (len(first) + len(second) - shared)


def find_families(classes: Iterable[ClassRecord], options: FamilyOptions) -> tuple[Family, ...]:
    helpers = sorted(
        (c for c in classes if c.kind is ClassKind.HELPER and not c.in_backup),
        key=lambda c: (c.path, c.lineno),
    )
    links = _UnionFind(len(helpers))
    reasons: dict[int, set[str]] = defaultdict(set)

    by_name: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(helpers):
        by_name[record.name].append(index)
    for members in by_name.values():
        if len({helpers[i].path for i in members}) >= options.min_copies:
            for index in members:
                links.union(members[0], index)
                reasons[index].add("name")

    by_shape: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(helpers):
        if record.statement_count >= options.min_lines:
            by_shape[record.shape].append(index)
    for members in by_shape.values():
        if len(members) >= 2 and len({helpers[i].name for i in members}) > 1:
            for index in members:
                links.union(members[0], index)
                reasons[index].add("structure")

    for first, second in _near_clone_pairs(helpers, by_shape, options.similarity, links):
        links.union(first, second)
        reasons[first].add("similarity")
        reasons[second].add("similarity")

    components: dict[int, list[int]] = defaultdict(list)
    for index in range(len(helpers)):
        components[links.find(index)].append(index)
    families = [
        _build_family([helpers[i] for i in members], {r for i in members for r in reasons[i]})
        for members in components.values()
        if len(members) >= 2
    ]
    families.sort(key=lambda f: (-len(f.copies), -f.duplicated_lines, f.name))
    return tuple(families)


def _near_clone_pairs(
    helpers: Sequence[ClassRecord],
    by_shape: dict[str, list[int]],
    threshold: float,
    links: _UnionFind,
) -> Iterable[tuple[int, int]]:
    """Pairs of distinct shapes whose statements are at least ``threshold`` alike.

    A set-similarity join with prefix filtering: order each shape's statements from rarest to
    most common; two sets with Jaccard >= t must share one of their first
    ``len - ceil(t * len) + 1`` statements, so only those are indexed. Compares one
    representative per shape, and skips pairs already in one family.
    """
    if threshold > 1.0:
        return
    representatives = [members[0] for members in by_shape.values()]
    statement_sets = [set(helpers[index].statement_hashes) for index in representatives]
    frequency = Counter(statement for statements in statement_sets for statement in statements)
    postings: dict[str, list[int]] = defaultdict(list)
    counters: dict[int, Counter[str]] = {}
    for position, statements in enumerate(statement_sets):
        ordered = sorted(statements, key=lambda h: (frequency[h], h))
        prefix = len(ordered) - math.ceil(threshold * len(ordered)) + 1
        candidates: set[int] = set()
        for statement in ordered[:prefix]:
            candidates.update(postings[statement])
            postings[statement].append(position)
        a = representatives[position]
        for other in sorted(candidates):
            b = representatives[other]
            if links.find(a) == links.find(b) or not _size_allows(
                helpers[a], helpers[b], threshold
            ):
                continue
            if a not in counters:
                counters[a] = Counter(helpers[a].statement_hashes)
            if b not in counters:
                counters[b] = Counter(helpers[b].statement_hashes)
            if _counter_jaccard(counters[a], counters[b]) >= threshold:
                links.union(a, b)
                yield a, b


def _counter_jaccard(a: Counter[str], b: Counter[str]) -> float:
    shared = sum(min(count, b[key]) for key, count in a.items() if key in b)
    return shared / (a.total() + b.total() - shared)


def _size_allows(a: ClassRecord, b: ClassRecord, threshold: float) -> bool:
    small, large = sorted((len(a.statement_hashes), len(b.statement_hashes)))
    return large == 0 or small / large >= threshold


def _build_family(copies: list[ClassRecord], matched_by: set[str]) -> Family:
    names = Counter(c.name for c in copies)
    ordered_names = tuple(sorted(names, key=lambda n: (-names[n], n)))
    by_shape: dict[str, list[ClassRecord]] = defaultdict(list)
    for copy in copies:
        by_shape[copy.shape].append(copy)
    groups = sorted(by_shape.values(), key=lambda g: (-len(g), g[0].path, g[0].lineno))
    dominant = groups[0][0]
    variants = tuple(
        Variant(
            id=group[0].shape[:8],
            shape=group[0].shape,
            copies=tuple(group),
            representative=group[0],
            diff=VariantDiff() if index == 0 else compare_to(dominant, group[0]),
        )
        for index, group in enumerate(groups)
    )
    verdicts = tuple(_verdict(dominant, copy) for copy in copies)
    return Family(
        name=ordered_names[0],
        names=ordered_names,
        copies=tuple(copies),
        variants=variants,
        verdicts=verdicts,
        matched_by=tuple(sorted(matched_by)),
    )


def compare_to(
    dominant: ClassRecord, other: ClassRecord, *, with_source: bool = True
) -> VariantDiff:
    """What ``other`` changes relative to ``dominant``; ``with_source`` adds the unified diff."""
    mine = {m.name: m for m in dominant.methods}
    theirs = {m.name: m for m in other.methods}
    common = [name for name in theirs if name in mine]
    async_changes = tuple(
        (name, "sync->async" if theirs[name].is_async else "async->sync")
        for name in common
        if mine[name].is_async != theirs[name].is_async
    )
    signature_changes = tuple(
        (name, mine[name].signature, theirs[name].signature)
        for name in common
        if mine[name].params != theirs[name].params
    )
    diff = (
        "".join(
            difflib.unified_diff(
                dominant.source.splitlines(keepends=True),
                other.source.splitlines(keepends=True),
                fromfile=f"{dominant.path}:{dominant.lineno}",
                tofile=f"{other.path}:{other.lineno}",
            )
        )
        if with_source
        else ""
    )
    return VariantDiff(
        methods_added=tuple(n for n in theirs if n not in mine),
        methods_missing=tuple(n for n in mine if n not in theirs),
        async_changes=async_changes,
        signature_changes=signature_changes,
        attributes_added=tuple(
            a for a in other.init_attributes if a not in dominant.init_attributes
        ),
        attributes_missing=tuple(
            a for a in dominant.init_attributes if a not in other.init_attributes
        ),
        bases_changed=dominant.bases != other.bases,
        source_diff=diff,
    )


def _verdict(dominant: ClassRecord, copy: ClassRecord) -> CopyVerdict:
    if copy.shape == dominant.shape:
        return CopyVerdict(copy, Compatibility.IDENTICAL)
    diff = compare_to(dominant, copy, with_source=False)
    reasons = []
    if diff.methods_added:
        reasons.append("adds " + ", ".join(diff.methods_added))
    for name, change in diff.async_changes:
        reasons.append(
            f"{name} is {change.split('->')[1]} here, {change.split('->')[0]} in the dominant variant"
        )
    for name, _, signature in diff.signature_changes:
        reasons.append(f"{name} has another signature: {signature}")
    if diff.bases_changed:
        reasons.append(f"other bases: ({', '.join(copy.bases)})")
    changed_bodies = [
        m.name
        for m in copy.methods
        if (d := dominant.method(m.name)) is not None
        and d.body_hash != m.body_hash
        and d.is_async == m.is_async
        and d.params == m.params
    ]
    if changed_bodies:
        reasons.append("changes the body of " + ", ".join(changed_bodies))
    extra_attributes = [a for a in copy.class_attributes if a not in dominant.class_attributes]
    if extra_attributes:
        reasons.append("adds class attributes " + ", ".join(extra_attributes))
    if not reasons and Counter(copy.statement_hashes) - Counter(dominant.statement_hashes):
        reasons.append("changes class-level statements")
    if reasons:
        return CopyVerdict(copy, Compatibility.DIVERGENT, "; ".join(reasons))
    missing = ", ".join(diff.methods_missing) or "nothing"
    return CopyVerdict(
        copy, Compatibility.SUBSET, f"the dominant variant has all it has (it lacks {missing})"
    )
