"""A copy defined under a module-level ``if``, ``try`` or ``with``: never the source of an
extracted canonical, and kept where it is, since an import at the top of its file would run
outside the block."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.config import load_settings
from declone.plan.extraction import ExtractionError, build_extracted_module
from declone.plan.staying import Stay, block_stay
from declone.scan import scan_repository
from migration_support import HELPER, commit_all, run_json

TEST = "\n\ndef test_send():\n    assert Recorder().sent == []\n"

CONDITIONAL = (
    "import sys\n\nif sys.version_info >= (3, 8):\n\n"
    + textwrap.indent(HELPER.format(name="Recorder"), "    ")
    + TEST
)

TOP_LEVEL = HELPER.format(name="Recorder") + TEST

KEPT = (
    "defined under an `if` at line 3: kept, since an import at the top of the file would be "
    "outside it"
)


@pytest.fixture
def conditional_repo(repo: Any) -> Path:
    """The conditional copy sorts first: it was the extraction's source before."""
    root = repo(
        {
            "tests/test_a.py": CONDITIONAL,
            "tests/test_b.py": TOP_LEVEL,
            "tests/test_c.py": TOP_LEVEL,
        }
    )
    assert isinstance(root, Path)
    return root


@pytest.mark.parametrize("unsafe", [[], ["--unsafe"]], ids=["safe", "unsafe"])
def test_the_conditional_copy_is_kept_and_never_the_source(
    conditional_repo: Path, unsafe: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, document = run_json(
        capsys,
        "plan",
        "Recorder",
        "--root",
        str(conditional_repo),
        "--extract-to",
        "tests/support.py",
        *unsafe,
    )
    assert code == 0
    assert document["canonical"]["extracted_from"] == "tests/test_b.py:1:1"
    entries = {entry["path"]: entry for entry in document["files"]}
    kept = entries["tests/test_a.py"]
    assert (kept["action"], kept["reason"], kept["cause"], kept["tier"]) == (
        "skip",
        KEPT,
        "defined under an `if`",
        "safe",
    )
    assert entries["tests/test_b.py"]["action"] == "replace"
    assert entries["tests/test_c.py"]["action"] == "replace"


def test_migration_keeps_the_conditional_copy_byte_for_byte(
    conditional_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_all(conditional_repo)
    args = ["--root", str(conditional_repo), "--extract-to", "tests/support.py", "--no-cache"]
    assert main(["migrate", "Recorder", *args]) == 0
    assert KEPT in capsys.readouterr().err
    tests = conditional_repo / "tests"
    assert (tests / "test_a.py").read_text() == CONDITIONAL
    migrated = "from tests.support import Recorder\n" + TEST
    assert (tests / "test_b.py").read_text() == migrated
    assert (tests / "test_c.py").read_text() == migrated
    module = (tests / "support.py").read_text()
    assert "\nclass Recorder:\n" in module
    assert "Extracted by declone from ``tests/test_b.py`` (line 1)." in module


@pytest.mark.parametrize(
    ("source", "lineno", "expected"),
    [
        pytest.param(
            "if X:\n    pass\nelse:\n    class A:\n        pass\n",
            4,
            Stay(
                "defined under an `if` at line 1: kept, since an import at the top of the "
                "file would be outside it",
                "defined under an `if`",
            ),
            id="else",
        ),
        pytest.param(
            "import x\n\ntry:\n    from y import A\nexcept ImportError:\n    class A:\n"
            "        pass\n",
            6,
            Stay(
                "defined under a `try` at line 3: kept, since an import at the top of the "
                "file would be outside it",
                "defined under a `try`",
            ),
            id="try-except",
        ),
        pytest.param(
            "with ctx():\n    class A:\n        pass\n",
            2,
            Stay(
                "defined under a `with` at line 1: kept, since an import at the top of the "
                "file would be outside it",
                "defined under a `with`",
            ),
            id="with",
        ),
        pytest.param(
            "for n in range(2):\n    class A:\n        pass\n",
            2,
            Stay(
                "defined under a `for` at line 1: kept, since an import at the top of the "
                "file would be outside it",
                "defined under a `for`",
            ),
            id="for",
        ),
        pytest.param("class A:\n    pass\n", 1, None, id="top-level"),
        pytest.param("def f():\n    class A:\n        pass\n", 2, None, id="in-a-function"),
    ],
)
def test_the_block_that_holds_a_class(source: str, lineno: int, expected: Stay | None) -> None:
    assert block_stay(ast.parse(source), lineno) == expected


def test_extraction_from_a_conditional_copy_says_why(conditional_repo: Path) -> None:
    index, _ = scan_repository(load_settings(conditional_repo).with_overrides(use_cache=False))
    (family,) = index.families
    (copy,) = [c for c in family.copies if c.path == "tests/test_a.py"]
    with pytest.raises(ExtractionError) as raised:
        build_extracted_module(
            family,
            copy,
            CONDITIONAL,
            path="tests/support.py",
            module="tests.support",
            class_name="Recorder",
            source_module="tests.test_a",
            needs_test_false=False,
        )
    assert str(raised.value) == (
        "tests/test_a.py:5:5: Recorder is defined under an `if` at line 3, and an extracted "
        "canonical is taken from a copy at module level; choose another --variant"
    )
