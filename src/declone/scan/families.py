"""Group class records into families of copies, with variants and per-copy verdicts.

Pure functions over ``ClassRecord`` values (or their compact ``Summary``). A family is
centred: its centre is the body copied most often, and every member is within reach of the
centre itself, never only through a third class (single linkage would chain A~B~C into one
family where A and C have nothing in common). A member is

* a copy of the centre's body, under any name (the same ``shape``: a structural clone);
* a near-clone of the centre: their normalised statements at least ``similarity`` alike
  (multiset Jaccard); or
* a class of one of the centre's names that, to ``similarity``, holds the centre's
  statements or has its own among them (a copy that gained, lost or changed a method).

Structure and similarity only apply to classes of at least ``min_lines`` statements, so that
trivial bodies (``pass``, a docstring, a few constants) never glue unrelated classes
together; a trivial body makes a family only with copies of itself under the same name.
Centres are taken in order, the most copied first. A shared name alone joins nothing: a name
reused in ``min_copies`` files whose classes are not copies is a ``NameGroup`` of its own
("same name, different classes"), and so are classes nested in a class (an inner ``Meta``),
which an import cannot replace. Classes that a framework loads by name from their own module
(``FRAMEWORK_LOADED``: Django's ``Migration`` and ``Command``) join no family either: they
are listed under their name, whatever their bodies, since none of them can move.

Test code does not take in production code. When a family's centre is test code (at least
half of its copies are, by the ``is_test`` predicate the scan passes in, see ``testcode``),
a production class joins it only as a copy of the centre's very body; one that would have
joined as a near-clone or by its name is listed on the family as *related*, with its
similarity to the centre, and stays free to make a family of production code. Families
centred in production code are linked as before.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from operator import itemgetter
from typing import NamedTuple, Protocol

from declone.model import (
    STATEMENT_HASH_WIDTH,
    ClassKind,
    ClassRecord,
    ClassRef,
    Compatibility,
    CopyVerdict,
    Family,
    FileRecord,
    NameGroup,
    NameGroupKind,
    RelatedClass,
    Variant,
    VariantDiff,
    split_statements,
)
from declone.scan.normalise import is_pure_decorator

__all__ = [
    "FRAMEWORK_LOADED",
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
    "is_loaded_by_name",
    "jaccard",
    "link_classes",
    "rank",
    "settle_families",
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
    @property
    def qualname(self) -> str: ...
    @property
    def in_function(self) -> bool: ...
    @property
    def end_lineno(self) -> int: ...
    @property
    def col(self) -> int: ...


@dataclass(frozen=True)
class SimilarPairs:
    """Near-clone pairs of shapes, and the shapes they were computed over.

    Similarity is a pure function of two shapes, so pairs stay true while both shapes exist;
    a later scan only compares shapes that are not in ``shapes``. The pairs are kept as each
    shape's near-clones, sorted (``neighbours``): a few hundred templated classes make tens of
    thousands of pairs, and a tuple per pair would cost several times the memory.
    """

    shapes: frozenset[str]
    #: Each shape that has near-clones, with them, sorted; both ways round.
    neighbours: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, shapes: frozenset[str], pairs: Iterable[tuple[str, str]]) -> SimilarPairs:
        """The near-clones of ``pairs`` (each pair once, in either order, or twice)."""
        found: dict[str, set[str]] = defaultdict(set)
        for first, second in pairs:
            found[first].add(second)
            found[second].add(first)
        return cls(shapes, {shape: tuple(sorted(found[shape])) for shape in sorted(found)})

    @property
    def pairs(self) -> frozenset[tuple[str, str]]:
        """Every pair, the lesser shape first (made anew at each call)."""
        return frozenset(
            (shape, other)
            for shape, others in self.neighbours.items()
            for other in others
            if shape < other
        )

    def restricted(self, present: frozenset[str]) -> Iterator[tuple[str, str]]:
        """The pairs of two shapes of ``present``, each once."""
        for shape, others in self.neighbours.items():
            if shape in present:
                yield from (
                    (shape, other) for other in others if shape < other and other in present
                )


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


def jaccard(first: Sequence[str], second: Sequence[str]) -> float:
    """Multiset Jaccard similarity of two statement-hash lists."""
    if not first and not second:
        return 1.0
    a, b = Counter(first), Counter(second)
    shared = sum((a & b).values())
    return shared / (len(first) + len(second) - shared)


#: Up to this many bodies under one name, each is compared with every centre of the name.
_FEW_BODIES = 64


def is_nested_in_class(qualname: str) -> bool:
    """``Outer.Inner`` (or ``f.<locals>.Outer.Inner``): a class in a class body."""
    scope, dot, _ = qualname.rpartition(".")
    return bool(dot) and not scope.endswith("<locals>")


#: Module-level classes that a framework imports by name from every module of a folder:
#: ``(folder, class name)``, the folder being the last segments of the module's own folder.
#: Each is found in its own module, so none can be replaced by an import of another.
FRAMEWORK_LOADED: tuple[tuple[str, str], ...] = (
    # Django's migration loader (and South's before it) imports ``Migration`` from every
    # module of an app's ``migrations`` package.
    ("migrations", "Migration"),
    # Django's ``manage.py NAME`` imports ``Command`` from ``management/commands/NAME.py``.
    ("management/commands", "Command"),
)


def is_loaded_by_name(path: str, qualname: str) -> bool:
    """A class that a framework loads by name from its module (``FRAMEWORK_LOADED``)."""
    folder = "/" + path.rpartition("/")[0]
    return any(
        qualname == name and folder.endswith("/" + pattern) for pattern, name in FRAMEWORK_LOADED
    )


def _overlap(statements: Sequence[str], centre: Counter[str]) -> float:
    """How much one of two bodies is inside the other: the larger of the share of
    ``statements`` the centre has and the share of the centre's that ``statements`` has."""
    if not statements or not centre:
        return 0.0
    shared = sum((Counter(statements) & centre).values())
    return shared / min(len(statements), centre.total())


@dataclass(frozen=True)
class Linking:
    """Classes grouped into families, before the families are built."""

    #: Each family's members: indices into the linked items, in order.
    components: tuple[tuple[int, ...], ...]
    #: How each family was formed, under its first member's index.
    reasons: dict[int, set[str]]
    similar: SimilarPairs
    #: Classes nested in a class: in no family, whatever their bodies.
    nested: frozenset[int] = frozenset()
    #: Production classes kept out of a family centred in test code, with their similarity
    #: to its centre, under the family's first member's index.
    related: dict[int, tuple[tuple[int, float], ...]] = field(default_factory=dict)


def link_classes(
    items: Sequence[_Linkable],
    options: FamilyOptions,
    known: SimilarPairs | None = None,
    is_test: Callable[[str], bool] | None = None,
) -> Linking:
    """Centred families (see the module's docstring), then the names left over; with
    ``is_test`` (a root-relative path in, whether it is test code), a family centred in test
    code takes in no production class that is not a copy of its centre."""
    nested = {i for i, item in enumerate(items) if is_nested_in_class(item.qualname)}
    # Classes that join no family: nested ones (an import cannot replace them) and the ones
    # a framework loads by name (listed under their names, like nested ones under theirs).
    apart = nested | {
        i for i, item in enumerate(items) if is_loaded_by_name(item.path, item.qualname)
    }
    # A node is a body copied as it is: non-trivial bodies under any name, trivial ones
    # under one name each.
    nodes: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_shape: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if index in apart:
            continue
        if item.statement_count >= options.min_lines:
            nodes[(item.shape, "")].append(index)
            by_shape[item.shape].append(index)
        else:
            nodes[(item.shape, item.name)].append(index)
    similar = _similar_shapes(items, by_shape, options.similarity, known)
    neighbours: dict[str, list[str]] = defaultdict(list)
    # ``similar`` may know shapes not linked here (nested classes): their pairs are skipped.
    for first, others in similar.neighbours.items():
        if first in by_shape:
            neighbours[first].extend(other for other in others if other in by_shape)
    shapes_by_name: dict[str, set[str]] = defaultdict(set)
    for shape, members in by_shape.items():
        for index in members:
            shapes_by_name[items[index].name].add(shape)

    def order(key: tuple[str, str]) -> tuple[int, int, tuple[str, str]]:
        members = nodes[key]
        return -len(members), -items[members[0]].statement_count, key

    boundary = _Boundary(items, is_test)
    taken: set[tuple[str, str]] = set()
    components: list[tuple[int, ...]] = []
    reasons: dict[int, set[str]] = {}
    related_to: dict[int, tuple[tuple[int, float], ...]] = {}
    for key in sorted(nodes, key=order):
        if key in taken:
            continue
        taken.add(key)
        centre, why = list(nodes[key]), set()
        members = list(centre)
        related: list[int] = []
        shape, trivial_name = key
        if not trivial_name:
            for other in sorted(neighbours.get(shape, ())):
                if (other, "") not in taken:
                    # A shape only production code has stays free to centre a family.
                    joining = boundary.admitted(by_shape[other], centre, related)
                    if joining:
                        taken.add((other, ""))
                        members.extend(joining)
                        why.add("similarity")
            statements = Counter(items[centre[0]].statement_hashes)
            for name in sorted({items[i].name for i in centre}):
                # Bodies of one name are compared with every centre of that name, unless the
                # name has hundreds of bodies (a convention: ``ActionModule``): then only a
                # body copied at least twice attracts the others.
                if len(centre) >= 2 or len(shapes_by_name[name]) <= _FEW_BODIES:
                    for other in sorted(shapes_by_name[name]):
                        if (other, "") in taken:
                            continue
                        theirs = items[by_shape[other][0]].statement_hashes
                        if _overlap(theirs, statements) >= options.similarity:
                            joining = boundary.admitted(by_shape[other], centre, related)
                            if joining:
                                taken.add((other, ""))
                                members.extend(joining)
                                why.add("name")
        names = [items[i].name for i in members]
        if len(members) < 2:
            continue
        if len(set(names)) == 1 and len({items[i].path for i in members}) < options.min_copies:
            continue
        if len(set(names)) < len(names):
            why.add("name")
        if len({items[i].name for i in centre}) > 1:
            why.add("structure")
        components.append(tuple(sorted(members)))
        reasons[min(members)] = why
        if related:
            hashes = items[centre[0]].statement_hashes
            related_to[min(members)] = tuple(
                (i, jaccard(hashes, items[i].statement_hashes)) for i in dict.fromkeys(related)
            )
    return Linking(tuple(components), reasons, similar, frozenset(nested), related_to)


class _Boundary:
    """Which linked items are test code: asked once per path, and only of the classes that
    would join a family and of that family's centre."""

    def __init__(self, items: Sequence[_Linkable], is_test: Callable[[str], bool] | None) -> None:
        self._items = items
        self._is_test = is_test
        self._by_path: dict[str, bool] = {}

    def in_test(self, index: int) -> bool:
        if self._is_test is None:
            return False
        path = self._items[index].path
        known = self._by_path.get(path)
        if known is None:
            known = self._by_path[path] = self._is_test(path)
        return known

    def is_test_centre(self, centre: Sequence[int]) -> bool:
        """Whether a centre is test code: at least half of its copies are."""
        return 2 * sum(map(self.in_test, centre)) >= len(centre)

    def admitted(
        self, copies: Sequence[int], centre: Sequence[int], related: list[int]
    ) -> list[int]:
        """The ``copies`` of another body that may join ``centre``: all of them, unless the
        centre is test code; then only those in test code, and the others go to ``related``."""
        if self._is_test is None:
            return list(copies)
        outside = [i for i in copies if not self.in_test(i)]
        if not outside or not self.is_test_centre(centre):
            return list(copies)
        related.extend(outside)
        return [i for i in copies if self.in_test(i)]


#: Builds the family of some linked items, given how they were linked.
FamilyBuilder = Callable[[Sequence[int], set[str]], Family]


def settle_families(
    items: Sequence[_Linkable],
    linking: Linking,
    build: FamilyBuilder,
    options: FamilyOptions,
    components: Iterable[Sequence[int]] | None = None,
) -> tuple[tuple[Family, ...], tuple[NameGroup, ...]]:
    """The families of ``linking`` (or of its ``components`` given), ranked, and the names
    left over.

    A family is duplication when it has a dominant body: at least half of its copies are
    identical to the dominant variant or a subset of it (the rest drifted: a subclass keeps
    what each changed). Otherwise its bodies only look alike (generated code, a framework's
    template, a name reused by habit): its identical and subset copies stay a family if
    there are two, the rest are left to their names' groups.
    """
    families: list[Family] = []
    in_family: set[int] = set()
    for members in linking.components if components is None else components:
        why = set().union(*(linking.reasons.get(i, ()) for i in members))
        related = [pair for i in members for pair in linking.related.get(i, ())]
        family = build(members, why)
        kept = [
            i
            for i, verdict in zip(members, family.verdicts, strict=True)
            if verdict.compatibility is not Compatibility.DIVERGENT
        ]
        if 2 * len(kept) < len(members):
            names = {items[i].name for i in kept}
            files = {items[i].path for i in kept}
            if len(kept) < 2 or (len(names) == 1 and len(files) < options.min_copies):
                continue
            family = build(kept, why)
            members = kept
        if related:
            family = replace(family, related=_related(items, related))
        families.append(family)
        in_family.update(members)
    groups = _name_groups(items, in_family, linking.nested, options)
    return rank(families), groups


def _inherited_lines(copy: ClassRecord, dominant: ClassRecord) -> int:
    """The lines of ``copy`` that a subclass of ``dominant`` would inherit: its methods that
    ``dominant`` defines the same way. None when the subclass would override half of its
    members or more (then it is another class, not a copy that drifted): a method the
    dominant variant lacks or defines otherwise, or a class attribute it lacks, overrides."""
    if not copy.methods:
        return 0
    theirs = {method.name: method.body_hash for method in dominant.methods}
    methods = sorted(copy.methods, key=lambda method: method.lineno)
    ends = [method.lineno for method in methods[1:]] + [copy.end_lineno + 1]
    inherited = lines = 0
    overridden = sum(1 for a in copy.class_attributes if a not in dominant.class_attributes)
    for method, end in zip(methods, ends, strict=True):
        if theirs.get(method.name) == method.body_hash:
            inherited += 1
            lines += end - method.lineno
        else:
            overridden += 1
    if not inherited or 2 * overridden >= inherited + overridden:
        return 0
    return lines


def _name_groups(
    items: Sequence[_Linkable],
    in_family: set[int],
    nested: frozenset[int],
    options: FamilyOptions,
) -> tuple[NameGroup, ...]:
    """Names defined in ``min_copies`` files or more outside any family: by kind, then name."""
    by_name: dict[str, list[int]] = defaultdict(list)
    nested_by_name: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        (nested_by_name if index in nested else by_name)[item.name].append(index)
    groups = []
    for kind, table in ((NameGroupKind.SAME_NAME, by_name), (NameGroupKind.NESTED, nested_by_name)):
        for name in sorted(table):
            left = [i for i in table[name] if i not in in_family]
            if len(left) >= 2 and len({items[i].path for i in left}) >= options.min_copies:
                refs = tuple(_reference(items[i]) for i in left)
                groups.append(NameGroup(kind, name, refs, len(table[name]) - len(left)))
    return tuple(groups)


def _related(
    items: Sequence[_Linkable], related: Iterable[tuple[int, float]]
) -> tuple[RelatedClass, ...]:
    """Production classes kept out of a family, the most alike first."""
    found = [
        RelatedClass(items[i].name, _reference(items[i]), similarity) for i, similarity in related
    ]
    return tuple(sorted(found, key=lambda r: (-r.similarity, r.path, r.lineno)))


def _reference(item: _Linkable) -> ClassRef:
    return ClassRef(
        item.path,
        item.lineno,
        item.end_lineno,
        item.col,
        item.qualname,
        item.shape,
        item.in_function,
    )


def find_families(
    classes: Iterable[ClassRecord],
    options: FamilyOptions,
    is_test: Callable[[str], bool] | None = None,
) -> tuple[Family, ...]:
    return group_families(classes, options, is_test=is_test)[0]


def group_families(
    classes: Iterable[ClassRecord],
    options: FamilyOptions,
    known: SimilarPairs | None = None,
    scopes: Mapping[str, str] | None = None,
    is_test: Callable[[str], bool] | None = None,
) -> tuple[tuple[Family, ...], tuple[NameGroup, ...], SimilarPairs]:
    """The families of ``classes`` (ranked), the names left over, and the near-clone pairs;
    ``scopes`` as for ``build_family``, ``is_test`` as for ``link_classes``."""
    helpers = sorted((c for c in classes if is_live_helper(c)), key=lambda c: (c.path, c.lineno))
    linking = link_classes(helpers, options, known, is_test)

    def build(members: Sequence[int], why: set[str]) -> Family:
        return build_family([helpers[i] for i in members], why, scopes=scopes)

    families, groups = settle_families(helpers, linking, build, options)
    return families, groups, linking.similar


def rank(families: Iterable[Family]) -> tuple[Family, ...]:
    """What consolidation removes first, then the most copies."""
    return tuple(
        sorted(
            families,
            key=lambda f: (-f.removable_lines, -len(f.copies), -f.duplicated_lines, f.name),
        )
    )


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
    if known is not None and present <= known.shapes:
        # Nothing new: nothing to compare. ``known`` may hold shapes that are not linked here
        # (nested classes), with their pairs: still true, kept, and skipped by the linking.
        return known
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
    back, ranked by their frequencies and joined; from then on a token they did not have
    ranks rarer than all of theirs (new tokens are rare: the common ones come up early),
    among the others by its own value, and each shape is joined as it arrives. Only the
    sample's tokens are kept in the ranking, whatever the size of the repository.

    With ``known``, the pairs of an earlier join, a shape it was computed over is compared
    with new shapes only, and pairs of two such shapes are taken from it.

    A token is a number (``_tokens``), and each shape's tokens a tuple: a set of strings per
    shape would be the largest thing a large scan holds.
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
        self._known = known or SimilarPairs(frozenset(), {})
        self._held: dict[str, tuple[int, ...]] | None = {}
        self._tokens: dict[str, tuple[int, ...]] = {}
        self._rank: dict[int, int] = {}
        self._postings: dict[int, list[str]] = defaultdict(list)
        # New shapes only, which the known ones are probed against; without known shapes
        # every shape is new, and these would be the postings again.
        self._new_postings: dict[int, list[str]] = defaultdict(list)
        #: The pairs found, as each shape's near-clones (one way round: ``result`` adds the
        #: other), in lists rather than a set of tuples (see ``SimilarPairs``).
        self._found: dict[str, list[str]] = defaultdict(list)

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
        """The pairs found so far (joining more afterwards finds pairs anew)."""
        self._release()
        present = frozenset(self._tokens)
        found, self._found = self._found, defaultdict(list)
        pairs = ((shape, other) for shape, others in found.items() for other in others)
        return SimilarPairs.of(present, chain(pairs, self._known.restricted(present)))

    def _release(self) -> None:
        """Rank the held shapes' tokens by frequency and join the held shapes."""
        held, self._held = self._held, None
        if held is None:
            return
        frequency = Counter(chain.from_iterable(held.values()))
        ranked = sorted(frequency.items(), key=_RARITY)
        # Ranks from -1 (the commonest token) down, and tokens the sample lacks lower still
        # (``_order``): ``sorted`` by rank puts the rarest first.
        self._rank = {token: order - len(ranked) for order, (token, _) in enumerate(ranked)}
        for shape in sorted(held):
            self._join(shape, held[shape])

    def _order(self, token: int) -> int:
        """The token's place in the join's order: its rank, and below every rank for a token
        the ranked sample lacks, by its value."""
        return self._rank.get(token, token - _UNRANKED)

    def _join(self, shape: str, tokens: tuple[int, ...]) -> None:
        own = frozenset(tokens)
        prefix = sorted(own, key=self._order)[: _prefix_length(len(own), self.threshold)]
        is_new = shape not in self._known.shapes
        candidates: set[str] = set()
        probed = self._postings if is_new else self._new_postings
        for token in prefix:
            candidates.update(probed.get(token, ()))  # in C: posting lists can be long
        # Tens of thousands of candidates: the checks are written out, not calls. Jaccard is
        # at most the smaller size over the larger, which rules a third of them out.
        threshold, by_shape, size = self.threshold, self._tokens, len(own)
        for other in candidates:
            theirs = by_shape[other]
            small, large = (size, len(theirs)) if size <= len(theirs) else (len(theirs), size)
            if large and small / large < threshold:
                continue
            shared = len(own.intersection(theirs))
            if shared / (size + len(theirs) - shared) >= threshold:
                self._found[shape].append(other)
        for token in prefix:
            self._postings[token].append(shape)
            if is_new and self._known.shapes:
                self._new_postings[token].append(shape)


#: Added to a statement's number once per earlier copy of it in the same shape: the numbers
#: of hashes (``STATEMENT_HASH_WIDTH`` hex digits) are all below it.
_REPEAT = 1 << (4 * STATEMENT_HASH_WIDTH)
#: Below every token (a statement repeated up to 2**40 times in one shape): tokens that the
#: ranked sample lacks are ordered by ``token - _UNRANKED``, below every rank.
_UNRANKED = _REPEAT << 48


def _tokens(hashes: Sequence[str]) -> tuple[int, ...]:
    """The multiset ``hashes`` as distinct numbers: each hash read as a number, and a
    statement's second copy that number plus ``_REPEAT``, and so on (a number takes a third
    of the memory of the hash's text, and no set is kept per shape)."""
    numbers = [int(statement, 16) for statement in hashes]
    if len(set(numbers)) == len(numbers):
        return tuple(numbers)  # most shapes repeat no statement
    seen: dict[int, int] = {}
    numbered: list[int] = []
    for number in numbers:
        repeat = seen.get(number, 0)
        seen[number] = repeat + 1
        numbered.append(number + repeat * _REPEAT)
    return tuple(numbered)


def _prefix_length(size: int, threshold: float) -> int:
    """How many of a set's rarest tokens another set ``threshold`` alike must share one of.

    The tolerance keeps a product such as 0.7 * 10 = 7.000000000000001 from rounding up to
    8, which would shorten the prefix and miss pairs.
    """
    return max(0, size - math.ceil(threshold * size - 1e-9) + 1)


def build_family(
    copies: list[ClassRecord],
    matched_by: set[str],
    *,
    source_diffs: bool = True,
    scopes: Mapping[str, str] | None = None,
) -> Family:
    """A family from its copies; ``source_diffs=False`` leaves the variants' unified diffs out
    (``check`` reads none of them). ``scopes`` gives each path's import scope (see
    ``scopes.find_scopes``; one scope for all when not given)."""
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
        removable_lines=_removable_lines(dominant, verdicts, scopes or {}),
        scopes=tuple(sorted({(scopes or {}).get(copy.path, "") for copy in copies})),
    )


def _removable_lines(
    dominant: ClassRecord, verdicts: Sequence[CopyVerdict], scopes: Mapping[str, str]
) -> int:
    """Lines a migration to ``dominant`` would delete (``Family.removable_lines``).

    An identical or subset copy goes whole. A divergent copy becomes a subclass that keeps
    what it changes and removes what it would inherit (``_inherited_lines``). A family is
    consolidated scope by scope (no scope imports from another): in each scope with two
    replaceable copies or more, a canonical stays (or is written anew from the dominant
    variant), so its lines are taken off once per scope; a scope with one copy keeps it.
    """
    removed: Counter[str] = Counter()
    replaceable: Counter[str] = Counter()
    for verdict in verdicts:
        copy = verdict.copy
        if copy.in_function or not all(is_pure_decorator(d) for d in copy.decorators):
            continue
        scope = scopes.get(copy.path, "")
        replaceable[scope] += 1
        if verdict.compatibility is not Compatibility.DIVERGENT:
            removed[scope] += copy.line_count
        else:
            removed[scope] += _inherited_lines(copy, dominant)
    return sum(
        max(0, removed[scope] - dominant.line_count)
        for scope, count in replaceable.items()
        if count >= 2
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
    """How ``copy`` relates to the dominant variant, with a reason that names what differs.

    ``identical to the dominant variant``; ``a subset: lacks close_all`` (the dominant
    variant has all the copy has, the same way: what it lacks, or else how it differs, such
    as its class decorators or the order of its statements); ``diverges: get_messages is
    async here, sync in the dominant variant; adds render_chunk``.
    """
    if copy.shape == dominant.shape:
        return CopyVerdict(copy, Compatibility.IDENTICAL, "identical to the dominant variant")
    diff = compare_to(dominant, copy, with_source=False)
    # What it changes of the members both have, then what it adds, then what it lacks.
    reasons = []
    for name, change in diff.async_changes:
        reasons.append(
            f"{name} is {change.split('->')[1]} here, {change.split('->')[0]} in the dominant variant"
        )
    for name, _, signature in diff.signature_changes:
        reasons.append(f"{name} has another signature: {signature}")
    if diff.bases_changed:
        here, there = (
            f"based on {', '.join(bases)}" if bases else "no bases"
            for bases in (copy.bases, dominant.bases)
        )
        reasons.append(f"{here} here, {there} in the dominant variant")
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
    if diff.methods_added:
        reasons.append("adds " + ", ".join(diff.methods_added))
    extra_attributes = [a for a in copy.class_attributes if a not in dominant.class_attributes]
    if extra_attributes:
        noun = "class attribute" if len(extra_attributes) == 1 else "class attributes"
        reasons.append(f"adds {noun} {', '.join(extra_attributes)}")
    extra = (Counter(copy.statement_hashes) - Counter(dominant.statement_hashes)).total()
    if not reasons and extra:
        reasons.append(
            f"has {extra} class-level statement{'' if extra == 1 else 's'} "
            "the dominant variant lacks"
        )
    lacks = list(diff.methods_missing)
    attributes = [a for a in dominant.class_attributes if a not in copy.class_attributes]
    if attributes:
        noun = "class attribute" if len(attributes) == 1 else "class attributes"
        lacks.append(f"{noun} {', '.join(attributes)}")
    decorated = ""
    if copy.decorators != dominant.decorators:
        here, there = (
            "decorated with " + ", ".join(f"@{d}" for d in decorators)
            if decorators
            else "not decorated"
            for decorators in (copy.decorators, dominant.decorators)
        )
        decorated = f"{here} here, {there} in the dominant variant"
    if reasons:
        reasons += [f"lacks {', '.join(lacks)}"] if lacks else []
        reasons += [decorated] if decorated else []
        return CopyVerdict(copy, Compatibility.DIVERGENT, "diverges: " + "; ".join(reasons))
    # A subset: what it lacks, else how it differs (class decorators, the statements' order).
    missing = (Counter(dominant.statement_hashes) - Counter(copy.statement_hashes)).total()
    if not lacks and missing:
        lacks.append(f"{missing} class-level statement{'' if missing == 1 else 's'}")
    parts = [f"lacks {', '.join(lacks)}"] if lacks else []
    parts += [decorated] if decorated else []
    # Nothing lacking and the same decorators and bases: only the statements' order differs.
    difference = "; ".join(parts) or "the same statements in another order"
    return CopyVerdict(copy, Compatibility.SUBSET, f"a subset: {difference}")
