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
from itertools import chain
from operator import itemgetter
from typing import NamedTuple, Protocol

from declone.model import (
    ClassKind,
    ClassRecord,
    Compatibility,
    CopyVerdict,
    Family,
    FileRecord,
    Variant,
    VariantDiff,
    split_statements,
)

__all__ = [
    "FamilyOptions",
    "Linking",
    "NearCloneJoin",
    "SimilarPairs",
    "Summary",
    "build_family",
    "compare_to",
    "find_families",
    "group_families",
    "is_live_helper",
    "jaccard",
    "link_classes",
    "rank",
    "summaries_of",
]


@dataclass(frozen=True)
class FamilyOptions:
    min_copies: int = 2
    similarity: float = 0.8
    min_lines: int = 4

    @property
    def pairs_key(self) -> str:
        return f"{self.similarity!r}:{self.min_lines}"


class Summary(NamedTuple):
    """What linking needs of a live helper class, and where it is; ``ClassRecord`` has the
    same attributes. Kept compact in the cache so that ``check`` can link a whole repo
    without loading every file's record."""

    path: str
    lineno: int
    name: str
    shape: str
    statements: str
    statement_count: int
    end_lineno: int
    col: int
    qualname: str
    fingerprint: str
    in_function: bool
    warns_on_collection: bool

    @property
    def statement_hashes(self) -> tuple[str, ...]:
        return split_statements(self.statements)


class _Linkable(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def lineno(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def shape(self) -> str: ...
    @property
    def statement_hashes(self) -> tuple[str, ...]: ...
    @property
    def statement_count(self) -> int: ...


@dataclass(frozen=True)
class SimilarPairs:
    """Near-clone pairs of shapes, and the shapes they were computed over.

    Similarity is a pure function of two shapes, so pairs stay true while both shapes exist;
    a later scan only compares shapes that are not in ``shapes``.
    """

    shapes: frozenset[str]
    pairs: frozenset[tuple[str, str]]


def is_live_helper(record: ClassRecord) -> bool:
    return record.kind is ClassKind.HELPER and not record.in_backup


def summaries_of(record: FileRecord) -> tuple[Summary, ...]:
    if record.is_backup:
        return ()
    return tuple(
        Summary(
            c.path,
            c.lineno,
            c.name,
            c.shape,
            c.statements,
            c.statement_count,
            c.end_lineno,
            c.col,
            c.qualname,
            c.fingerprint,
            c.in_function,
            c.warns_on_collection,
        )
        for c in record.classes
        if is_live_helper(c)
    )


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


@dataclass(frozen=True)
class Linking:
    """Classes grouped into families, before the families are built."""

    components: tuple[tuple[int, ...], ...]
    reasons: dict[int, set[str]]
    similar: SimilarPairs


def link_classes(
    items: Sequence[_Linkable], options: FamilyOptions, known: SimilarPairs | None = None
) -> Linking:
    """Join classes by name, shape and near-clone similarity; components of 2+ are families."""
    links = _UnionFind(len(items))
    # Reasons are kept on one member per linked group; a family's reasons are its members'.
    reasons: dict[int, set[str]] = defaultdict(set)

    by_name: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_name[item.name].append(index)
    for members in by_name.values():
        # (Most names are defined once: the size rules them out without a set of paths.)
        if (
            len(members) >= options.min_copies
            and len({items[i].path for i in members}) >= options.min_copies
        ):
            # Every index is in exactly one name group: pointing the group at its first
            # member is a valid union-find state, at a fraction of the cost of unions.
            for index in members:
                links.parent[index] = members[0]
            reasons[members[0]].add("name")

    by_shape: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if item.statement_count >= options.min_lines:
            by_shape[item.shape].append(index)
    for members in by_shape.values():
        if len(members) >= 2 and len({items[i].name for i in members}) > 1:
            roots = {links.find(index) for index in members}
            for root in roots:
                links.union(members[0], root)
            reasons[members[0]].add("structure")

    similar = _similar_shapes(items, by_shape, options.similarity, known)
    for first_shape, second_shape in sorted(similar.pairs):
        first, second = by_shape[first_shape][0], by_shape[second_shape][0]
        if links.find(first) != links.find(second):  # the pair joined two groups
            reasons[first].add("similarity")
            reasons[second].add("similarity")
            links.union(first, second)

    grouped: dict[int, list[int]] = defaultdict(list)
    for index in range(len(items)):
        grouped[links.find(index)].append(index)
    components = tuple(tuple(m) for m in grouped.values() if len(m) >= 2)
    return Linking(components, reasons, similar)


def find_families(classes: Iterable[ClassRecord], options: FamilyOptions) -> tuple[Family, ...]:
    return group_families(classes, options)[0]


def group_families(
    classes: Iterable[ClassRecord], options: FamilyOptions, known: SimilarPairs | None = None
) -> tuple[tuple[Family, ...], SimilarPairs]:
    helpers = sorted((c for c in classes if is_live_helper(c)), key=lambda c: (c.path, c.lineno))
    linking = link_classes(helpers, options, known)
    families = [
        build_family(
            [helpers[i] for i in members],
            {r for i in members for r in linking.reasons.get(i, ())},
        )
        for members in linking.components
    ]
    return rank(families), linking.similar


def rank(families: Iterable[Family]) -> tuple[Family, ...]:
    return tuple(sorted(families, key=lambda f: (-len(f.copies), -f.duplicated_lines, f.name)))


def _similar_shapes(
    items: Sequence[_Linkable],
    by_shape: dict[str, list[int]],
    threshold: float,
    known: SimilarPairs | None,
) -> SimilarPairs:
    """Every pair of distinct shapes of ``by_shape`` at least ``threshold`` alike, all at once:
    ``NearCloneJoin`` with every shape ranked together. Pairs from ``known`` are kept while
    both shapes exist; only pairs with a shape new since then are compared."""
    present = frozenset(by_shape)
    if known is not None and present <= known.shapes:  # nothing new: nothing to compare
        pairs = {p for p in known.pairs if p[0] in present and p[1] in present}
        return SimilarPairs(present, frozenset(pairs))
    join = NearCloneJoin(threshold, min_lines=0, known=known, sample=len(present))
    join.add(items[by_shape[shape][0]] for shape in sorted(by_shape))
    return join.result()


#: Sort key of ``(token, frequency)`` items: rarest first, then by token.
_RARITY = itemgetter(1, 0)


class NearCloneJoin:
    """Every pair of distinct shapes whose statements are at least ``threshold`` alike, joined
    shape by shape as a scan's workers return them.

    A set-similarity join with prefix filtering. Each shape's statements become a set of
    tokens, the n-th repeat of a statement its own token, so that the sets' Jaccard is the
    multisets' (``jaccard``). Under one order of all tokens, two sets with Jaccard >= t share
    one of their first ``len - ceil(t * len) + 1`` tokens, so only those are indexed, and each
    shape is probed against the shapes indexed before it: every pair comes up once.

    Any order finds every pair, as long as a set's order never changes once it is indexed;
    rarest-first only keeps posting lists short. So the first ``sample`` shapes are held
    back, ranked by their frequencies and joined; from then on a token first seen later
    ranks rarer than every token before it (new tokens are rare: the common ones come up
    early), and each shape is joined as it arrives.

    With ``known``, the pairs of an earlier join, a shape it was computed over is compared
    with new shapes only, and pairs of two such shapes are taken from it.
    """

    def __init__(
        self,
        threshold: float,
        min_lines: int,
        *,
        known: SimilarPairs | None = None,
        sample: int = 2000,
    ) -> None:
        self.threshold = threshold
        self.min_lines = min_lines
        self.sample = sample
        self._known = known or SimilarPairs(frozenset(), frozenset())
        self._held: dict[str, frozenset[str]] | None = {}
        self._tokens: dict[str, frozenset[str]] = {}
        self._rank: dict[str, int] = {}
        self._postings: dict[str, list[str]] = defaultdict(list)
        self._new_postings: dict[str, list[str]] = defaultdict(list)  # new shapes only
        self._pairs: set[tuple[str, str]] = set()

    def add(self, items: Iterable[_Linkable]) -> None:
        """Join the shapes of ``items`` (one file's summaries) with every shape so far."""
        for item in items:
            if item.statement_count < self.min_lines or item.shape in self._tokens:
                continue
            tokens = _tokens(item.statement_hashes)
            self._tokens[item.shape] = tokens
            if self._held is None:
                self._join(item.shape, tokens)
            else:
                self._held[item.shape] = tokens
                if len(self._held) >= self.sample:
                    self._release()

    def result(self) -> SimilarPairs:
        self._release()
        present = frozenset(self._tokens)
        known = {p for p in self._known.pairs if p[0] in present and p[1] in present}
        return SimilarPairs(present, frozenset(self._pairs | known))

    def _release(self) -> None:
        """Rank the held shapes' tokens by frequency and join the held shapes."""
        held, self._held = self._held, None
        if held is None:
            return
        frequency = Counter(chain.from_iterable(held.values()))
        ranked = sorted(frequency.items(), key=_RARITY)
        # Ranks from -1 (the commonest token) down, and tokens first seen later lower still:
        # ``sorted`` by rank puts the rarest first.
        self._rank = {token: order - len(ranked) for order, (token, _) in enumerate(ranked)}
        for shape in sorted(held):
            self._join(shape, held[shape])

    def _join(self, shape: str, own: frozenset[str]) -> None:
        rank = self._rank
        # ``difference`` with a dict looks each of ``own``'s tokens up in it, in C (whereas
        # ``own - rank.keys()`` would make a set of every key of ``rank`` first).
        for token in sorted(own.difference(rank)):
            rank[token] = -len(rank) - 1
        prefix = sorted(own, key=rank.__getitem__)[: _prefix_length(len(own), self.threshold)]
        is_new = shape not in self._known.shapes
        candidates: set[str] = set()
        probed = self._postings if is_new else self._new_postings
        for token in prefix:
            candidates.update(probed.get(token, ()))  # in C: posting lists can be long
        # Tens of thousands of candidates: the checks are written out, not calls. Jaccard is
        # at most the smaller size over the larger, which rules a third of them out.
        threshold, tokens, size = self.threshold, self._tokens, len(own)
        for other in candidates:
            theirs = tokens[other]
            small, large = (size, len(theirs)) if size <= len(theirs) else (len(theirs), size)
            if large and small / large < threshold:
                continue
            shared = len(own & theirs)
            if shared / (size + len(theirs) - shared) >= threshold:
                self._pairs.add((other, shape) if other < shape else (shape, other))
        for token in prefix:
            self._postings[token].append(shape)
            if is_new:
                self._new_postings[token].append(shape)


def _tokens(hashes: Sequence[str]) -> frozenset[str]:
    """The multiset ``hashes`` as a set: a statement's second copy is ``hash#1``, and so on."""
    distinct = frozenset(hashes)
    if len(distinct) == len(hashes):
        return distinct  # most shapes repeat no statement
    seen: dict[str, int] = {}
    numbered: list[str] = []
    for statement in hashes:
        repeat = seen.get(statement, 0)
        seen[statement] = repeat + 1
        numbered.append(f"{statement}#{repeat}" if repeat else statement)
    return frozenset(numbered)


def _prefix_length(size: int, threshold: float) -> int:
    """How many of a set's rarest tokens another set ``threshold`` alike must share one of.

    The tolerance keeps a product such as 0.7 * 10 = 7.000000000000001 from rounding up to
    8, which would shorten the prefix and miss pairs.
    """
    return max(0, size - math.ceil(threshold * size - 1e-9) + 1)


def build_family(
    copies: list[ClassRecord], matched_by: set[str], *, source_diffs: bool = True
) -> Family:
    """A family from its copies; ``source_diffs=False`` leaves the variants' unified diffs out
    (``check`` reads none of them)."""
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
            diff=VariantDiff()
            if index == 0
            else compare_to(dominant, group[0], with_source=source_diffs),
        )
        for index, group in enumerate(groups)
    )
    # A verdict depends on the copy's shape only: judge one copy per variant.
    judged = {group[0].shape: _verdict(dominant, group[0]) for group in groups}
    verdicts = tuple(
        CopyVerdict(copy, judged[copy.shape].compatibility, judged[copy.shape].reason)
        for copy in copies
    )
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
