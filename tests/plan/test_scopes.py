"""Consolidation scope by scope: ``--extract-to '{scope}/...'``, ``--paths``, and a second
run that finds nothing left to do."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from migration_support import HELPER, USES, module_with_copy, run_json

#: Two collections in one repository, each shipping on its own (a ``MANIFEST.json``), their
#: tests importing their own plugins through the namespace root above ``colls``.
_IMPORTS = "from colls.ns.{scope}.plugins.util import VALUE\n\n"


def _collections(write_tree: Any, tmp_path: Path) -> Path:
    files: dict[str, str] = {}
    for scope, count in (("a", 3), ("b", 2), ("c", 1)):
        files[f"colls/ns/{scope}/MANIFEST.json"] = "{}\n"
        files[f"colls/ns/{scope}/plugins/util.py"] = "VALUE = 1\n"
        for n in range(count):
            files[f"colls/ns/{scope}/tests/unit/test_{n}.py"] = module_with_copy(
                USES.format(name="Recorder"), header=_IMPORTS.format(scope=scope)
            )
    return write_tree(files, tmp_path / "repo")


def _plan(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> dict[str, Any]:
    code, document = run_json(
        capsys,
        "plan",
        "Recorder",
        "--root",
        str(root),
        "--extract-to",
        "{scope}/tests/unit/declone_support.py",
        *extra,
    )
    assert code == 0
    return document


def test_one_canonical_per_scope_and_a_lone_copy_stays(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _collections(write_tree, tmp_path)
    document = _plan(capsys, root)
    scopes = {scope["scope"]: scope for scope in document["scopes"]}
    assert sorted(scopes) == ["colls/ns/a", "colls/ns/b"]
    # The folder above ``colls`` is on sys.path: the tests' own imports say so.
    assert scopes["colls/ns/a"]["canonical"]["module"] == ("colls.ns.a.tests.unit.declone_support")
    assert scopes["colls/ns/a"]["canonical"]["path"] == "colls/ns/a/tests/unit/declone_support.py"
    assert [e["action"] for e in scopes["colls/ns/a"]["files"]] == ["replace"] * 3
    assert [e["action"] for e in scopes["colls/ns/b"]["files"]] == ["replace"] * 2
    assert document["kept"] == [
        {
            "scope": "colls/ns/c",
            "reason": "in one file: stays",
            "copies": [{"path": "colls/ns/c/tests/unit/test_0.py", "line": 3, "class": "Recorder"}],
        }
    ]
    assert document["summary"]["replace"] == 5


def test_migrate_by_scope_never_crosses_and_reaches_its_fixed_point(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _collections(write_tree, tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    code, document = run_json(
        capsys,
        "migrate",
        "Recorder",
        "--root",
        str(root),
        "--extract-to",
        "{scope}/tests/unit/declone_support.py",
    )
    assert code == 0
    created = sorted(c["path"] for c in document["changed"] if c["created"])
    assert created == [
        "colls/ns/a/tests/unit/declone_support.py",
        "colls/ns/b/tests/unit/declone_support.py",
    ]
    for scope in ("a", "b"):
        text = (root / f"colls/ns/{scope}/tests/unit/test_0.py").read_text()
        assert f"from colls.ns.{scope}.tests.unit.declone_support import Recorder\n" in text
        assert "class Recorder" not in text
        ast.parse(text)
    assert "class Recorder" in (root / "colls/ns/c/tests/unit/test_0.py").read_text()
    after = {p: p.read_bytes() for p in root.rglob("*.py")}

    code = main(
        [
            "migrate",
            "Recorder",
            "--root",
            str(root),
            "--extract-to",
            "{scope}/tests/unit/declone_support.py",
            "--no-cache",
        ]
    )
    assert code == 0
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == after
    assert "nothing to do" in capsys.readouterr().err

    assert main(["rollback", document["run_id"], "--root", str(root)]) == 0
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == before


def test_paths_restrict_the_copies_planned(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _collections(write_tree, tmp_path)
    document = _plan(capsys, root, "--paths", str(root / "colls/ns/b"))
    assert [scope["scope"] for scope in document["scopes"]] == ["colls/ns/b"]
    assert document["kept"] == []
    code, _ = run_json(
        capsys,
        "plan",
        "Recorder",
        "--root",
        str(root),
        "--paths",
        str(root / "nowhere"),
        "--extract-to",
        "x.py",
    )
    assert code == 2


def test_a_single_canonical_does_not_reach_into_another_scope(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _collections(write_tree, tmp_path)
    code, document = run_json(
        capsys,
        "plan",
        "Recorder",
        "--root",
        str(root),
        "--extract-to",
        "colls/ns/a/tests/unit/declone_support.py",
    )
    assert code == 0
    by_scope: dict[str, set[str]] = {}
    for entry in document["files"]:
        by_scope.setdefault(entry["path"].split("/")[2], set()).add(entry["action"])
    assert by_scope == {"a": {"replace"}, "b": {"skip"}, "c": {"skip"}}
    reasons = {e["reason"] for e in document["files"] if e["action"] == "skip"}
    assert all("ships apart from the canonical's (colls/ns/a)" in r for r in reasons)


def test_plan_of_a_finished_migration_is_not_an_error(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {f"tests/test_{n}.py": module_with_copy(USES.format(name="Recorder")) for n in range(2)}
    )
    args = ["--root", str(root), "--extract-to", "tests/support.py", "--no-cache"]
    assert main(["migrate", "Recorder", *args]) == 0
    capsys.readouterr()
    assert main(["plan", "Recorder", *args]) == 0
    assert "nothing to do: Recorder is defined once, in tests/support.py" in (
        capsys.readouterr().err
    )
    assert main(["migrate", "Recorder", *args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == []


def test_extraction_prefers_the_copy_the_family_already_imports(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = HELPER.format(name="Recorder")
    root = repo(
        {
            "tests/test_a.py": module_with_copy(USES.format(name="Recorder")),
            "tests/helpers.py": shared + "\n\nOTHER = 1\n",
            "tests/test_b.py": "from tests.helpers import OTHER\n\n\n"
            + module_with_copy(USES.format(name="Recorder")),
            "tests/test_c.py": "from tests.helpers import OTHER\n\n\n"
            + module_with_copy(USES.format(name="Recorder")),
        }
    )
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", "tests/support.py"
    )
    assert code == 0
    assert document["canonical"]["extracted_from"] == "tests/helpers.py:1:1"


def test_plan_proposes_a_canonical_per_scope(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _collections(write_tree, tmp_path)
    code, document = run_json(capsys, "plan", "Recorder", "--root", str(root))
    assert code == 0
    assert document["proposed"] is True
    assert document["extract_to"] == "{scope}/tests/unit/declone_support.py"
    assert [s["canonical"]["path"] for s in document["scopes"]] == [
        "colls/ns/a/tests/unit/declone_support.py",
        "colls/ns/b/tests/unit/declone_support.py",
    ]
    assert main(["plan", "Recorder", "--root", str(root), "--no-cache"]) == 0
    assert (
        "no canonical given: proposing --extract-to '{scope}/tests/unit/declone_support.py'"
        in capsys.readouterr().err
    )


def test_a_family_whose_copies_all_stay_is_planned_without_a_crash(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {}
    for scope in ("a", "b"):
        files[f"colls/ns/{scope}/MANIFEST.json"] = "{}\n"
        files[f"colls/ns/{scope}/tests/test_0.py"] = module_with_copy(USES.format(name="Recorder"))
    root = write_tree(files, tmp_path / "repo")
    code, document = run_json(capsys, "plan", "Recorder", "--root", str(root))
    assert code == 0
    assert document["scopes"] == []
    assert [note["reason"] for note in document["kept"]] == ["in one file: stays"] * 2
    assert main(["plan", "Recorder", "--root", str(root), "--no-cache"]) == 0
    assert "nothing to migrate: every scope keeps its copies" in capsys.readouterr().err
