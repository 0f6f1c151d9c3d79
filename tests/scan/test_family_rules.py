"""What a family is: centred on a copied body, never chained, never joined by a name alone;
names reused without a shared body and classes nested in classes listed apart; families
ranked by the lines consolidation removes, scope by scope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from declone.cli import main
from declone.config import PytestConfig
from declone.model import ClassRecord, Compatibility, NameGroupKind
from declone.scan.families import FamilyOptions, group_families, is_nested_in_class
from declone.scan.parsing import extract_source

SCHEMA = Path(__file__).resolve().parents[2] / "src" / "declone" / "schemas" / "scan.schema.json"


def body(name: str, *methods: str) -> str:
    """A class of ``name`` with one method per item: ``m`` returns ``"m"`` (an own body each)."""
    lines = [f"class {name}:"]
    for method in methods:
        lines += [
            f"    def {method}(self):",
            f"        self.{method}_calls = getattr(self, '{method}_calls', 0) + 1",
            f"        return {method!r}",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def classes(*sources: tuple[str, str]) -> list[ClassRecord]:
    found: list[ClassRecord] = []
    for path, source in sources:
        found.extend(extract_source(path, source, PytestConfig()).classes)
    return found


def group(*sources: tuple[str, str], scopes: dict[str, str] | None = None, **options: Any):  # type: ignore[no-untyped-def]
    families, names, _ = group_families(classes(*sources), FamilyOptions(**options), None, scopes)
    return families, names


SIX = ("a", "b", "c", "d", "e", "f")


def test_a_chain_of_near_clones_is_not_one_family() -> None:
    # A shares 5 of 6 methods with B, B 5 of 6 with C; A and C share 4: at 0.7 A~B and B~C
    # are near-clones (5/7), A and C are not (4/8). Single linkage made one family of three.
    first = body("A", "a", "b", "c", "d", "e", "f")
    second = body("B", "a", "b", "c", "d", "e", "g")
    third = body("C", "a", "b", "c", "d", "h", "g")
    families, _ = group(
        ("x1.py", first), ("x2.py", first), ("y.py", second), ("z.py", third), similarity=0.7
    )
    assert [sorted(c.path for c in f.copies) for f in families] == [["x1.py", "x2.py", "y.py"]]
    assert all(f.name != "C" for f in families)


def test_a_shared_name_alone_joins_nothing() -> None:
    families, names = group(
        ("a.py", body("Session", "connect", "close", "query", "commit")),
        ("b.py", body("Session", "upload", "download", "list", "remove")),
    )
    assert families == ()
    ((group_,),) = (names,)
    assert group_.kind is NameGroupKind.SAME_NAME
    assert (group_.name, len(group_.copies), group_.distinct_bodies) == ("Session", 2, 2)


def test_real_clones_inside_a_convention_name_are_a_family_and_the_rest_same_name() -> None:
    shared = body("ActionModule", "run", "validate", "cleanup", "load")
    own = [
        body("ActionModule", *(f"{n}{i}" for n in ("run", "fetch", "parse", "emit")))
        for i in range(4)
    ]
    sources = [(f"plugins/copy{i}.py", shared) for i in range(3)]
    sources += [(f"plugins/own{i}.py", text) for i, text in enumerate(own)]
    families, names = group(*sources)
    assert [(f.name, len(f.copies)) for f in families] == [("ActionModule", 3)]
    assert {v.compatibility for v in families[0].verdicts} == {Compatibility.IDENTICAL}
    (same_name,) = names
    assert (same_name.name, len(same_name.copies), same_name.in_families) == (
        "ActionModule",
        4,
        3,
    )
    assert sorted(c.path for c in same_name.copies) == [f"plugins/own{i}.py" for i in range(4)]


def test_a_family_without_a_dominant_body_keeps_only_its_clones() -> None:
    # One body copied twice and five near-clones of it, each changing two of six methods:
    # five of seven copies diverge, so the near-clones are left to their name.
    centre = body("Gen", *SIX)
    drifted = [
        centre.replace("return 'a'", f"return 'a{i}'").replace("return 'b'", f"return 'b{i}'")
        for i in range(5)
    ]
    sources = [
        ("c1.py", centre),
        ("c2.py", centre),
        *((f"d{i}.py", t) for i, t in enumerate(drifted)),
    ]
    families, names = group(*sources, similarity=0.6)
    assert [sorted(c.path for c in f.copies) for f in families] == [["c1.py", "c2.py"]]
    assert [(g.name, len(g.copies)) for g in names] == [("Gen", 5)]


def test_a_drifted_minority_stays_in_the_family() -> None:
    centre = body("Helper", *SIX)
    drifted = centre.replace("return 'a'", "return 'A'")
    families, names = group(("a.py", centre), ("b.py", centre), ("c.py", centre), ("d.py", drifted))
    (family,) = families
    assert len(family.copies) == 4
    assert [v.compatibility for v in family.verdicts].count(Compatibility.DIVERGENT) == 1
    assert names == ()


def test_a_copy_that_gained_a_method_joins_the_family_of_its_name() -> None:
    plain = body("Recorder", "send", "close", "reset", "flush")
    more = body("Recorder", "send", "close", "reset", "flush", "last")
    families, _ = group(("a.py", plain), ("b.py", more))
    (family,) = families
    assert sorted(c.path for c in family.copies) == ["a.py", "b.py"]
    assert "name" in family.matched_by


def test_classes_nested_in_classes_are_listed_apart() -> None:
    model = (
        "class M{i}:\n    class Meta:\n        ordering = ['id']\n        app_label = 'x'\n\n"
        "    x{i} = {i}\n    y{i} = 'v{i}'\n"
    )
    families, names = group(*((f"m{i}.py", model.format(i=i)) for i in range(3)))
    assert families == ()
    (nested,) = names
    assert (nested.kind, nested.name, len(nested.copies)) == (NameGroupKind.NESTED, "Meta", 3)
    assert is_nested_in_class("Model.Meta")
    assert is_nested_in_class("test_x.<locals>.Model.Meta")
    assert not is_nested_in_class("test_x.<locals>.Helper")
    assert not is_nested_in_class("Helper")


@pytest.mark.parametrize(
    ("scopes", "removable"),
    [
        ({}, 2 * 12),  # three copies in one scope: two go
        ({"a.py": "pkg_a", "b.py": "pkg_b", "c.py": "pkg_b"}, 12),  # pkg_a keeps its only copy
        ({"a.py": "pkg_a", "b.py": "pkg_b", "c.py": "pkg_c"}, 0),  # a copy per scope: none go
    ],
    ids=["one-scope", "two-scopes", "three-scopes"],
)
def test_removable_lines_count_scope_by_scope(scopes: dict[str, str], removable: int) -> None:
    helper = body("Helper", "send", "close", "reset")
    assert helper.count("\n") == 12
    families, _ = group(("a.py", helper), ("b.py", helper), ("c.py", helper), scopes=scopes)
    assert families[0].removable_lines == removable
    assert families[0].scopes == tuple(sorted(set(scopes.values()) or {""}))


def test_copies_an_import_cannot_replace_remove_nothing() -> None:
    helper = body("Helper", "send", "close", "reset")
    indented = "".join(f"    {line}" if line.strip() else line for line in helper.splitlines(True))
    in_function = f"def test_it():\n{indented}"
    registered = f"@registry.register\n{helper}"
    pure = f"@functools.total_ordering\n{helper}"
    families, _ = group(("a.py", helper), ("b.py", in_function), ("c.py", registered))
    assert families[0].removable_lines == 0  # one replaceable copy: the canonical itself
    families, _ = group(("a.py", helper), ("b.py", pure))
    assert families[0].removable_lines == 12  # a pure decorator changes nothing where it is


def test_families_rank_by_what_consolidation_removes() -> None:
    small = body("Small", "a")  # copied often, few lines
    large = body("Large", *SIX)  # copied twice, many lines
    sources = [(f"s{i}.py", small) for i in range(6)] + [("l1.py", large), ("l2.py", large)]
    families, _ = group(*sources, min_lines=1)
    assert [(f.name, f.removable_lines) for f in families] == [("Large", 24), ("Small", 20)]


def test_scan_json_lists_duplicates_then_names_and_matches_the_schema(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = body("ActionModule", "run", "validate", "cleanup", "load")
    root = write_tree(
        {
            "a/p1.py": shared,
            "a/p2.py": shared,
            "a/p3.py": body("ActionModule", "run", "x1", "x2", "x3"),
            "a/p4.py": body("ActionModule", "y0", "y1", "y2", "y3"),
        }
    )
    assert main(["scan", str(root), "--json", "--no-cache"]) == 0
    document = json.loads(capsys.readouterr().out)
    jsonschema.validate(document, json.loads(SCHEMA.read_text("utf-8")))
    assert document["schema_version"] == 2
    kinds = [(f["kind"], f["name"], f["copies"]) for f in document["families"]]
    assert kinds == [("duplicate", "ActionModule", 2), ("same-name", "ActionModule", 2)]
    duplicate, same_name = document["families"]
    assert duplicate["id"].startswith("ActionModule@")
    assert duplicate["removable_lines"] == shared.count("\n")
    assert same_name["in_families"] == 2
    assert [m["path"] for m in same_name["members"]] == ["a/p3.py", "a/p4.py"]
    assert document["summary"]["same_name_groups"] == 1
    # One family of the two is shown by its id, the name group by its name.
    assert main(["scan", str(root), "--family", duplicate["id"], "--json", "--no-cache"]) == 0
    (shown,) = json.loads(capsys.readouterr().out)["families"]
    assert shown["id"] == duplicate["id"]
    assert main(["scan", str(root), "--family", "ActionModule", "--no-cache"]) == 0
    text = capsys.readouterr().out
    assert "same name, different classes" in text
    assert "a/p3.py:1:1" in text
