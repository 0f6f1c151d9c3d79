from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declone.config import PytestConfig
from declone.model import ClassRecord, Compatibility
from declone.scan.families import (
    FamilyOptions,
    NearCloneJoin,
    SimilarPairs,
    _prefix_length,
    _similar_shapes,
    find_families,
    jaccard,
)
from declone.scan.parsing import extract_source

BASE = """\
class Conn:
    def __init__(self):
        self.sent = []
        self.open = True

    def send(self, item):
        if not self.open:
            raise RuntimeError("closed")
        self.sent.append(item)

    def close(self):
        self.open = False

    def messages(self):
        return list(self.sent)
"""


def records(*sources: tuple[str, str]) -> list[ClassRecord]:
    out: list[ClassRecord] = []
    for path, source in sources:
        out.extend(extract_source(path, source, PytestConfig()).classes)
    return out


def families(*sources: tuple[str, str], **options: float | int):  # type: ignore[no-untyped-def]
    return find_families(records(*sources), FamilyOptions(**options))  # type: ignore[arg-type]


def test_same_name_in_two_files_is_a_family_and_one_file_is_not() -> None:
    found = families(("a.py", BASE), ("b.py", BASE))
    assert [(f.name, len(f.copies), f.matched_by) for f in found] == [("Conn", 2, ("name",))]
    assert families(("a.py", BASE)) == ()


def test_min_copies_counts_files() -> None:
    sources = [("a.py", BASE), ("b.py", BASE), ("c.py", BASE)]
    assert len(families(*sources, min_copies=3)) == 1
    assert families(*sources, min_copies=4) == ()


def test_structural_clone_under_another_name_joins_the_family() -> None:
    renamed = BASE.replace("class Conn:", "class FakeConnection:")
    found = families(("a.py", BASE), ("b.py", BASE), ("c.py", renamed))
    assert len(found) == 1
    family = found[0]
    assert family.name == "Conn"
    assert family.names == ("Conn", "FakeConnection")
    assert family.matched_by == ("name", "structure")
    assert {v.compatibility for v in family.verdicts} == {Compatibility.IDENTICAL}


def test_trivial_bodies_do_not_glue_unrelated_classes() -> None:
    found = families(("a.py", "class A:\n    pass\n"), ("b.py", "class B:\n    pass\n"))
    assert found == ()
    constants = families(("a.py", "class A:\n    X = 1\n"), ("b.py", "class B:\n    X = 1\n"))
    assert constants == ()


def test_near_clone_joins_above_the_threshold_only() -> None:
    near = BASE.replace("class Conn:", "class Other:").replace(
        "        return list(self.sent)",
        "        return list(self.sent)\n\n    def clear(self):\n        self.sent.clear()",
    )
    joined = families(("a.py", BASE), ("b.py", near), similarity=0.8)
    assert len(joined) == 1
    assert "similarity" in joined[0].matched_by
    assert families(("a.py", BASE), ("b.py", near), similarity=0.99) == ()


def test_variants_diff_and_verdicts() -> None:
    async_variant = BASE.replace("def messages", "async def messages")
    extra = BASE + "\n    def send_text(self, text):\n        self.sent.append(text)\n"
    subset = BASE.replace("\n    def close(self):\n        self.open = False\n", "")
    body_changed = BASE.replace("return list(self.sent)", "return self.sent")
    found = families(
        ("a.py", BASE),
        ("b.py", BASE),
        ("c.py", BASE),
        ("d.py", async_variant),
        ("e.py", extra),
        ("f.py", subset),
        ("g.py", body_changed),
    )
    assert len(found) == 1
    family = found[0]
    assert len(family.variants) == 5
    dominant = family.dominant
    assert dominant.count == 3
    assert dominant.representative.path == "a.py"
    by_path = {v.representative.path: v for v in family.variants}
    assert by_path["d.py"].diff.async_changes == (("messages", "sync->async"),)
    assert by_path["e.py"].diff.methods_added == ("send_text",)
    assert by_path["f.py"].diff.methods_missing == ("close",)
    assert "+        return self.sent" in by_path["g.py"].diff.source_diff
    assert by_path["g.py"].diff.source_diff.startswith("--- a.py:1\n+++ g.py:1\n")
    verdicts = {v.copy.path: (v.compatibility, v.reason) for v in family.verdicts}
    assert verdicts["b.py"] == (Compatibility.IDENTICAL, "identical to the dominant variant")
    assert verdicts["d.py"] == (
        Compatibility.DIVERGENT,
        "diverges: messages is async here, sync in the dominant variant",
    )
    assert verdicts["e.py"] == (Compatibility.DIVERGENT, "diverges: adds send_text")
    assert verdicts["f.py"] == (Compatibility.SUBSET, "a subset: lacks close")
    assert verdicts["g.py"] == (Compatibility.DIVERGENT, "diverges: changes the body of messages")


def test_signature_and_attribute_changes_are_named() -> None:
    changed = BASE.replace("def send(self, item):", "def send(self, item, urgent=False):").replace(
        "        self.open = True\n", "        self.open = True\n        self.closed_with = None\n"
    )
    found = families(("a.py", BASE), ("b.py", BASE), ("c.py", changed))
    variant = found[0].variants[1]
    assert variant.diff.signature_changes == (
        ("send", "def send(self, item)", "def send(self, item, urgent=)"),
    )
    assert variant.diff.attributes_added == ("closed_with",)


def test_test_classes_and_backups_never_join_families() -> None:
    test_class = "class Conn:\n    def test_a(self):\n        pass\n"
    found = families(("a.py", BASE), ("tests/test_b.py", test_class))
    assert found == ()


def test_duplicated_lines_and_warning_count() -> None:
    helper = "class TestHelper:\n    def __init__(self):\n        self.x = 1\n"
    found = families(
        ("tests/test_a.py", helper), ("tests/test_b.py", helper), ("tests/test_c.py", helper)
    )
    assert found[0].duplicated_lines == 6
    assert found[0].warning_count == 3


def test_families_are_ranked_by_copies() -> None:
    other = "class Small:\n    def f(self):\n        return 1\n"
    found = families(
        ("a.py", BASE), ("b.py", BASE), ("c.py", BASE), ("a.py", other), ("b.py", other)
    )
    assert [f.name for f in found] == ["Conn", "Small"]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ((), (), 1.0),
        (("a", "b"), ("a", "b"), 1.0),
        (("a", "b"), ("a", "c"), 1 / 3),
        (("a", "a", "b"), ("a", "b"), 2 / 3),
    ],
)
def test_jaccard(first: tuple[str, ...], second: tuple[str, ...], expected: float) -> None:
    assert jaccard(first, second) == pytest.approx(expected)


# -- the near-clone join ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """The part of a summary the near-clone join reads."""

    path: str
    lineno: int
    name: str
    shape: str
    statement_hashes: tuple[str, ...]
    statement_count: int


def _hashed(body: tuple[str, ...]) -> tuple[str, ...]:
    """Short statement names as the statement hashes a scan makes: 20 hex digits each."""
    return tuple(statement.encode().hex().rjust(20, "0") for statement in body)


def _shapes(bodies: dict[str, tuple[str, ...]]) -> tuple[list[_Shape], dict[str, list[int]]]:
    items = [
        _Shape(f"{name}.py", 1, name, name, _hashed(body), len(body))
        for name, body in bodies.items()
    ]
    return items, {item.shape: [index] for index, item in enumerate(items)}


def _brute_force_pairs(
    bodies: dict[str, tuple[str, ...]], threshold: float
) -> set[tuple[str, str]]:
    return {
        (a, b)
        for a in bodies
        for b in bodies
        if a < b and jaccard(bodies[a], bodies[b]) >= threshold
    }


_BODIES = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3),
    st.lists(st.sampled_from("pqrstuvw"), min_size=1, max_size=12).map(tuple),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(bodies=_BODIES, threshold=st.sampled_from([0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1.0]))
def test_the_join_finds_exactly_the_pairs_a_full_comparison_finds(
    bodies: dict[str, tuple[str, ...]], threshold: float
) -> None:
    items, by_shape = _shapes(bodies)
    found = _similar_shapes(items, by_shape, threshold, None)
    assert set(found.pairs) == _brute_force_pairs(bodies, threshold)
    assert found.shapes == frozenset(bodies)


@settings(max_examples=200, deadline=None)
@given(bodies=_BODIES, old=st.sets(st.text("abcdefgh", min_size=1, max_size=3)))
def test_a_join_from_known_pairs_equals_a_join_from_nothing(
    bodies: dict[str, tuple[str, ...]], old: set[str]
) -> None:
    """Shapes seen before keep their pairs; only pairs with a new shape are compared."""
    before = {name: body for name, body in bodies.items() if name in old}
    known = _similar_shapes(*_shapes(before), 0.75, None)
    items, by_shape = _shapes(bodies)
    assert _similar_shapes(items, by_shape, 0.75, known) == _similar_shapes(
        items, by_shape, 0.75, None
    )


def test_repeated_statements_count_as_a_multiset() -> None:
    """Ten shared ``x`` and one different statement each: 10/12 alike, a near-clone at 0.8,
    although the two share only one of their three distinct statements."""
    bodies = {"a": ("x",) * 10 + ("y",), "b": ("x",) * 10 + ("z",)}
    assert jaccard(bodies["a"], bodies["b"]) == pytest.approx(10 / 12)
    found = _similar_shapes(*_shapes(bodies), 0.8, None)
    assert found.pairs == frozenset({("a", "b")})


@pytest.mark.parametrize(
    ("size", "threshold", "expected"), [(10, 0.7, 4), (5, 0.8, 2), (1, 0.8, 1), (3, 1.0, 1)]
)
def test_prefix_length_is_not_cut_by_rounding(size: int, threshold: float, expected: int) -> None:
    assert _prefix_length(size, threshold) == expected


@settings(max_examples=300, deadline=None)
@given(
    bodies=_BODIES,
    threshold=st.sampled_from([0.5, 0.7, 0.8, 1.0]),
    sample=st.integers(1, 6),
    order=st.randoms(use_true_random=False),
)
def test_the_join_fed_file_by_file_finds_the_same_pairs(
    bodies: dict[str, tuple[str, ...]], threshold: float, sample: int, order: random.Random
) -> None:
    """Whatever order the shapes arrive in and however many are ranked first."""
    items, _ = _shapes(bodies)
    order.shuffle(items)
    join = NearCloneJoin(threshold, min_lines=1, sample=sample)
    for start in range(0, len(items), 2):  # two classes to a file
        join.add(items[start : start + 2])
    assert set(join.result().pairs) == _brute_force_pairs(bodies, threshold)
    assert join.result().shapes == frozenset(bodies)


def test_the_join_fed_file_by_file_skips_small_and_repeated_shapes() -> None:
    big, small = ("p", "q", "r", "s"), ("p", "q")
    items, _ = _shapes({"a": big, "b": big, "c": small})
    twin = _Shape("d.py", 1, "d", "a", _hashed(big), len(big))  # the shape "a" again, elsewhere
    join = NearCloneJoin(0.8, min_lines=3)
    join.add([*items, twin])
    assert join.result() == SimilarPairs.of(frozenset({"a", "b"}), [("a", "b")])
