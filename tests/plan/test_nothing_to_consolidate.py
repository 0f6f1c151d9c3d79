"""A family whose copies an import cannot replace (each is defined inside a function or a
class, or under a module-level ``if``): ``plan`` and ``migrate`` say so and exit 0, with or
without a canonical; an explicit ``--variant`` without such a copy is refused with the
variants that have one."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from migration_support import HELPER, run_json

NESTED_MESSAGE = (
    "nothing to do: every copy of Recorder is defined inside a function or a class, "
    "where no import can replace it"
)


def in_function(extra: str = "") -> str:
    """A test module that defines the helper inside its test."""
    body = textwrap.indent(HELPER.format(name="Recorder") + extra, "    ")
    return (
        f"def test_send():\n{body}\n    r = Recorder()\n    r.send(1)\n    assert r.sent == [1]\n"
    )


def under_if() -> str:
    body = textwrap.indent(HELPER.format(name="Recorder"), "    ")
    return f"import sys\n\nif sys.platform != 'win32':\n\n{body}\n\ndef test_send():\n    assert Recorder().sent == []\n"


def files_of(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*.py")}


@pytest.fixture
def nested_repo(repo: Any) -> Path:
    root = repo({f"tests/test_{n}.py": in_function() for n in "abc"})
    assert isinstance(root, Path)
    return root


def test_plan_without_a_canonical_says_nothing_to_do(
    nested_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "Recorder", "--root", str(nested_repo), "--no-cache"]) == 0
    captured = capsys.readouterr()
    assert captured.err == NESTED_MESSAGE + "\n"
    assert captured.out == ""


def test_plan_json_holds_the_message_and_the_copies(
    nested_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document = run_json(capsys, "plan", "Recorder", "--root", str(nested_repo))
    assert code == 0
    assert document["nothing_to_do"] == NESTED_MESSAGE
    assert document["canonical"] is None
    assert document["files"] == []
    assert set(document["summary"].values()) == {0}
    assert document["copies"] == [
        {
            "path": f"tests/test_{n}.py",
            "line": 2,
            "class": "Recorder",
            "qualname": "test_send.<locals>.Recorder",
        }
        for n in "abc"
    ]


@pytest.mark.parametrize(
    "canonical",
    [
        ["--extract-to", "tests/support.py"],
        ["--extract-to", "tests/support.py", "--variant", "dominant"],
        ["--canonical", "tests.support:Recorder"],
    ],
    ids=["extract", "dominant-variant", "existing"],
)
def test_a_given_canonical_changes_nothing(
    repo: Any, canonical: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/support.py": "class Recorder:\n    pass\n" if "--canonical" in canonical else "",
            **{f"tests/test_{n}.py": in_function() for n in "abc"},
        }
    )
    assert main(["plan", "Recorder", "--root", str(root), "--no-cache", *canonical]) == 0
    assert capsys.readouterr().err == NESTED_MESSAGE + "\n"


def test_migrate_writes_nothing_and_exits_0(
    nested_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_of(nested_repo)
    args = ["--root", str(nested_repo), "--extract-to", "tests/support.py", "--allow-dirty"]
    code, document = run_json(capsys, "migrate", "Recorder", *args)
    assert code == 0
    assert document["command"] == "migrate"
    assert document["nothing_to_do"] == NESTED_MESSAGE
    assert document["run_id"] is None
    assert document["changed"] == []
    assert main(["migrate", "Recorder", *args, "--no-cache"]) == 0
    assert capsys.readouterr().err == NESTED_MESSAGE + "\n"
    assert files_of(nested_repo) == before
    assert not (nested_repo / ".declone" / "runs").exists()


def test_copies_in_functions_and_under_an_if_say_so(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo({"tests/test_a.py": in_function(), "tests/test_c.py": under_if()})
    code, document = run_json(capsys, "plan", "Recorder", "--root", str(root))
    assert code == 0
    assert document["nothing_to_do"] == (
        "nothing to do: every copy of Recorder is defined inside a function or a class, or "
        "under a module-level `if`, `try` or `with`, where no import can replace it"
    )


def test_copies_all_under_an_if_say_so(repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo({f"tests/test_{n}.py": under_if() for n in "ab"})
    code, document = run_json(capsys, "plan", "Recorder", "--root", str(root))
    assert code == 0
    assert document["nothing_to_do"] == (
        "nothing to do: every copy of Recorder is defined under a module-level `if`, `try` "
        "or `with`, where no import can replace it"
    )


def test_the_family_id_as_given_is_named(
    nested_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, scan = run_json(capsys, "scan", str(nested_repo))
    family = scan["families"][0]["id"]
    assert main(["plan", family, "--root", str(nested_repo), "--no-cache"]) == 0
    assert capsys.readouterr().err == (
        f"nothing to do: every copy of {family} is defined inside a function or a class, "
        "where no import can replace it\n"
    )


@pytest.fixture
def two_variants(repo: Any) -> Path:
    """The dominant variant only in functions; a variant that adds a method, at module level."""
    extra = "\n    def clear(self):\n        self.sent = []\n"
    root = repo(
        {
            **{f"tests/test_{n}.py": in_function() for n in "abc"},
            **{f"tests/test_top_{n}.py": HELPER.format(name="Recorder") + extra for n in "de"},
        }
    )
    assert isinstance(root, Path)
    return root


def _variants(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[str, str]:
    """The ids of the dominant variant and of the other one."""
    _, scan = run_json(capsys, "scan", str(root))
    (family,) = scan["families"]
    dominant = family["dominant_variant"]
    (other,) = [v["id"] for v in family["variants"] if v["id"] != dominant]
    return dominant, other


def test_an_explicit_variant_without_a_top_level_copy_names_those_with_one(
    two_variants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dominant, other = _variants(capsys, two_variants)
    args = ["--root", str(two_variants), "--extract-to", "tests/support.py", "--no-cache"]
    assert main(["plan", "Recorder", *args, "--variant", dominant]) == 2
    assert capsys.readouterr().err == (
        f"error: --variant {dominant}: variant {dominant} has no copy at module level to "
        "extract (each is inside a function or a class, or under an `if`, `try` or `with`); "
        f"the variants that have one: {other}\n"
    )
    # The dominant one by default: the most common variant that has a copy at module level.
    code, document = run_json(capsys, "plan", "Recorder", *args)
    assert code == 0
    assert document["canonical"]["extracted_from"] == "tests/test_top_d.py:1:1"
    assert {e["path"]: e["action"] for e in document["files"]} == {
        "tests/test_a.py": "skip",
        "tests/test_b.py": "skip",
        "tests/test_c.py": "skip",
        "tests/test_top_d.py": "replace",
        "tests/test_top_e.py": "replace",
    }


def test_migrate_json_of_a_finished_migration_says_nothing_to_do(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo({f"tests/test_{n}.py": HELPER.format(name="Recorder") for n in "ab"})
    args = ["--root", str(root), "--extract-to", "tests/support.py", "--allow-dirty"]
    code, _ = run_json(capsys, "migrate", "Recorder", *args)
    assert code == 0
    code, document = run_json(capsys, "plan", "Recorder", *args[:4])
    assert code == 0
    assert document["nothing_to_do"] == (
        "nothing to do: Recorder is defined once, in tests/support.py"
    )
    code, document = run_json(capsys, "migrate", "Recorder", *args)
    assert (code, document["nothing_to_do"]) == (
        0,
        "nothing to do: Recorder is defined once, in tests/support.py",
    )
    assert json.loads(json.dumps(document))["changed"] == []


def test_a_scope_whose_copies_are_all_nested_keeps_them(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Scope by scope: the scope with copies at module level is planned, the other keeps its
    copies with the reason."""
    metadata = '[project]\nname = "x"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n'
    write_tree(
        {
            "a/pyproject.toml": metadata,
            "b/pyproject.toml": metadata,
            **{f"a/tests/test_{n}.py": HELPER.format(name="Recorder") for n in "12"},
            **{f"b/tests/test_{n}.py": in_function() for n in "12"},
        }
    )
    for given in ([], ["--extract-to", "{scope}/tests/support.py"]):
        code, document = run_json(capsys, "plan", "Recorder", "--root", str(tmp_path), *given)
        assert code == 0
        assert [scope["scope"] for scope in document["scopes"]] == ["a"]
        assert {e["path"]: e["action"] for e in document["scopes"][0]["files"]} == {
            "a/tests/test_1.py": "replace",
            "a/tests/test_2.py": "replace",
        }
        assert [(k["scope"], k["reason"]) for k in document["kept"]] == [
            ("b", "every copy defined inside a function or a class: stays")
        ]


def test_finalize_says_nothing_to_do_without_an_error(
    nested_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_of(nested_repo)
    capsys.readouterr()
    code = main(["finalize", "Recorder", "--root", str(nested_repo), "--no-cache"])
    assert code == 0
    err = capsys.readouterr().err
    assert err == NESTED_MESSAGE + "\n"
    assert files_of(nested_repo) == before


def test_paths_that_keep_only_nested_copies_are_named_in_the_message(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        {
            "tests/nested/test_a.py": in_function(),
            "tests/nested/test_b.py": in_function(),
            **{f"tests/top/test_{n}.py": HELPER.format(name="Recorder") for n in "cd"},
        }
    )
    args = ["Recorder", "--root", str(root), "--paths", "tests/nested"]
    code, document = run_json(capsys, "plan", *args)
    assert code == 0
    assert document["nothing_to_do"] == (
        "nothing to do: every copy of Recorder under tests/nested is defined inside a "
        "function or a class, where no import can replace it"
    )
    # Without --paths the module-level copies are planned: "every copy" would not be true.
    code, document = run_json(capsys, "plan", "Recorder", "--root", str(root))
    assert code == 0
    assert "nothing_to_do" not in document
