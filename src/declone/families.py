"""Group class records into families of copies, with variants and per-copy verdicts.

Pure functions over ``ClassRecord`` values. Three links join two helpers into a family:
the same name in ``min_copies`` or more files, the same structural shape (a clone under
another name), or near-clone similarity of their normalised statements. The last two only
apply to classes of at least ``min_lines`` statements, so that trivial bodies (``pass``, a
docstring, a few constants) never glue unrelated classes together.
"""

from __future__ import annotations

import difflib
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

#: A statement shared by more distinct shapes than this (``super().__init__()``, ``pass``)
#: proposes no near-clone candidates by itself; similarity is still computed on all statements.
_COMMON_STATEMENT_LIMIT = 64


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

    for first, second in _near_clone_pairs(helpers, by_shape, options.similarity):
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
    helpers: Sequence[ClassRecord], by_shape: dict[str, list[int]], threshold: float
) -> Iterable[tuple[int, int]]:
    """Pairs of distinct shapes whose statements are at least ``threshold`` alike.

    Compares one representative per shape, and only shapes that share an uncommon
    statement, so the cost follows the number of distinct shapes, not of classes.
    """
    if threshold > 1.0:
        return
    shapes = list(by_shape)
    postings: dict[str, list[int]] = defaultdict(list)
    for shape_index, shape in enumerate(shapes):
        for statement in set(helpers[by_shape[shape][0]].statement_hashes):
            postings[statement].append(shape_index)
    seen: set[tuple[int, int]] = set()
    for members in postings.values():
        if len(members) > _COMMON_STATEMENT_LIMIT:
            continue
        for position, first in enumerate(members):
            for second in members[position + 1 :]:
                if (first, second) in seen:
                    continue
                seen.add((first, second))
                a = helpers[by_shape[shapes[first]][0]]
                b = helpers[by_shape[shapes[second]][0]]
                if not _size_allows(a, b, threshold):
                    continue
                if jaccard(a.statement_hashes, b.statement_hashes) >= threshold:
                    yield by_shape[shapes[first]][0], by_shape[shapes[second]][0]


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


def compare_to(dominant: ClassRecord, other: ClassRecord) -> VariantDiff:
    """What ``other`` changes relative to ``dominant``."""
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
    diff = "".join(
        difflib.unified_diff(
            dominant.source.splitlines(keepends=True),
            other.source.splitlines(keepends=True),
            fromfile=f"{dominant.path}:{dominant.lineno}",
            tofile=f"{other.path}:{other.lineno}",
        )
    )
    return VariantDiff(
        methods_added=tuple(n for n in theirs if n not in mine),
        methods_missing=tuple(n for n in mine if n not in theirs),
        async_changes=async_changes,
        signature_changes=signature_changes,
        attributes_added=tuple(a for a in other.init_attributes if a not in dominant.init_attributes),
        attributes_missing=tuple(
            a for a in dominant.init_attributes if a not in other.init_attributes
        ),
        bases_changed=dominant.bases != other.bases,
        source_diff=diff,
    )


def _verdict(dominant: ClassRecord, copy: ClassRecord) -> CopyVerdict:
    if copy.shape == dominant.shape:
        return CopyVerdict(copy, Compatibility.IDENTICAL)
    diff = compare_to(dominant, copy)
    reasons = []
    if diff.methods_added:
        reasons.append("adds " + ", ".join(diff.methods_added))
    for name, change in diff.async_changes:
        reasons.append(f"{name} is {change.split('->')[1]} here, {change.split('->')[0]} in the dominant variant")
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
