"""The pure parts of verify and test selection: outcomes, imports, selection, blame."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from declone.cli.options import parse_jobs
from declone.measure.pytestrun import ItemOutcome, Outcome
from declone.measure.testselection import (
    files_responsible,
    imported_modules,
    is_test_file,
    module_names,
    scan_imports,
    select_targets,
)
from declone.measure.verify import (
    OutcomeChange,
    Verification,
    VerifyOutcome,
    VerifyStatus,
    compare_outcomes,
    verification_document,
)


def outcomes(**by_id: Outcome) -> dict[str, ItemOutcome]:
    return {
        nodeid: ItemOutcome(nodeid, outcome, 0.1, "boom" if outcome is Outcome.FAILED else "")
        for nodeid, outcome in by_id.items()
    }


def verification(
    changes: tuple[OutcomeChange, ...], files: tuple[str, ...] = ("a.py", "b.py")
) -> Verification:
    return Verification("run", files, ("t.py",), "python", {}, {}, changes)


# -- comparing outcomes ---------------------------------------------------------------------


def test_identical_outcomes_have_no_change() -> None:
    same = outcomes(a=Outcome.PASSED, b=Outcome.SKIPPED, c=Outcome.FAILED)
    assert compare_outcomes(same, dict(same)) == ()


@pytest.mark.parametrize(
    ("before", "after", "regression"),
    [
        (Outcome.PASSED, Outcome.FAILED, True),
        (Outcome.PASSED, Outcome.ERROR, True),
        (Outcome.PASSED, Outcome.SKIPPED, True),
        (Outcome.PASSED, Outcome.XFAILED, True),
        (Outcome.PASSED, None, True),
        (Outcome.SKIPPED, None, True),
        (Outcome.FAILED, None, True),
        (Outcome.FAILED, Outcome.PASSED, False),
        (Outcome.FAILED, Outcome.ERROR, False),
        (Outcome.SKIPPED, Outcome.PASSED, False),
        (Outcome.XPASSED, Outcome.XFAILED, False),
        (None, Outcome.FAILED, False),
        (None, Outcome.PASSED, False),
    ],
    ids=lambda value: str(value),
)
def test_regression_is_passed_then_not_passed_or_gone(
    before: Outcome | None, after: Outcome | None, regression: bool
) -> None:
    changes = compare_outcomes(
        outcomes(t=before) if before else {}, outcomes(t=after) if after else {}
    )
    assert changes == (
        OutcomeChange("t", before, after, "boom" if after is Outcome.FAILED else ""),
    )
    assert changes[0].regression is regression


def test_changes_are_sorted_by_id() -> None:
    changes = compare_outcomes(
        outcomes(b=Outcome.PASSED, a=Outcome.PASSED), outcomes(c=Outcome.PASSED)
    )
    assert [change.nodeid for change in changes] == ["a", "b", "c"]


# -- module names and imports ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("src/pkg/ws.py", {"src.pkg.ws", "pkg.ws", "ws"}),
        ("pkg/__init__.py", {"pkg"}),
        ("ws.py", {"ws"}),
        ("__init__.py", set()),
        ("data/ws.json", set()),
    ],
)
def test_module_names_are_every_dotted_suffix(path: str, names: set[str]) -> None:
    assert module_names(path) == names


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        ("import a.b.c\n", "t.py", {"a", "a.b", "a.b.c"}),
        ("from a.b import c, d as e\n", "t.py", {"a", "a.b", "a.b.c", "a.b.d"}),
        ("from . import ws\n", "tests/sub/t.py", {"tests", "tests.sub", "tests.sub.ws"}),
        (
            "from ..helpers import ws\n",
            "tests/sub/t.py",
            {"tests", "tests.helpers", "tests.helpers.ws"},
        ),
        ("from .ws import *\n", "tests/t.py", {"tests", "tests.ws"}),
        ("from ...x import y\n", "t.py", set()),
        ("try:\n    import a\nexcept ImportError:\n    import b\n", "t.py", {"a", "b"}),
        ("if True:\n    import a\nelse:\n    import b\n", "t.py", {"a", "b"}),
        ("with x:\n    import a\n", "t.py", {"a"}),
        ("def f():\n    import hidden\n", "t.py", set()),
        ("class C:\n    import hidden\n", "t.py", set()),
        ("def broken(:\n", "t.py", set()),
        ("x = '\\d'\nimport a\n", "t.py", {"a"}),
    ],
    ids=[
        "import",
        "from-import",
        "relative",
        "relative-parent",
        "star",
        "beyond-root",
        "try",
        "if",
        "with",
        "in-function",
        "in-class",
        "syntax-error",
        "invalid-escape",
    ],
)
def test_imported_modules_reads_module_level_imports(
    source: str, path: str, expected: set[str]
) -> None:
    assert imported_modules(source.encode(), path) == expected


def test_test_files_follow_pytest_default_names() -> None:
    assert is_test_file("tests/test_chat.py")
    assert is_test_file("chat_test.py")
    assert not is_test_file("tests/conftest.py")
    assert not is_test_file("tests/helpers.py")


def test_scan_imports_reads_only_test_files_and_conftests_that_mention_a_module(
    tmp_path: Path,
) -> None:
    files = {
        "helpers/ws.py": "X = 1\n",
        "tests/test_a.py": "from helpers.ws import X\n",
        "tests/test_b.py": "import os\n",
        "tests/conftest.py": "import helpers.ws\n",
        "tests/util.py": "import helpers.ws\n",
        ".venv/lib/test_x.py": "import helpers.ws\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    imports = scan_imports(tmp_path, ["helpers/ws.py"])
    assert set(imports) == {"tests/test_a.py", "tests/conftest.py"}
    assert "helpers.ws" in imports["tests/test_a.py"]
    assert scan_imports(tmp_path, ["notes.txt"]) == {}


# -- selection and blame --------------------------------------------------------------------

IMPORTS = {
    "tests/test_chat.py": frozenset({"helpers", "helpers.ws", "helpers.ws.FakeSocket"}),
    "tests/test_math.py": frozenset({"math"}),
    "tests/api/conftest.py": frozenset({"helpers", "helpers.client"}),
    "tests/api/test_api.py": frozenset({"requests"}),
}


def test_selects_touched_tests_and_direct_importers() -> None:
    touched = ["helpers/ws.py", "tests/test_local.py", "README.md"]
    assert select_targets(touched, IMPORTS) == ("tests/test_chat.py", "tests/test_local.py")


def test_a_conftest_importing_a_touched_module_selects_its_folder() -> None:
    assert select_targets(["helpers/client.py"], IMPORTS) == ("tests/api",)


def test_a_touched_conftest_selects_its_folder_and_swallows_files_inside() -> None:
    touched = ["tests/conftest.py", "tests/test_local.py"]
    guard = ("tests/critical/test_guard.py::test_one", "other/test_x.py")
    assert select_targets(touched, {}, guard) == ("other/test_x.py", "tests")
    assert select_targets(["conftest.py", "tests/test_a.py"], {}) == (".",)


def test_guard_tests_always_run() -> None:
    guard = ("tests/critical", "tests/critical/test_guard.py")
    assert select_targets([], {}, guard) == ("tests/critical",)
    assert select_targets(["notes.txt"], {}, ("tests/test_math.py",)) == ("tests/test_math.py",)


def test_a_touched_test_file_is_responsible_for_its_own_tests() -> None:
    touched = ["tests/test_chat.py", "helpers/ws.py"]
    assert files_responsible("tests/test_chat.py::test_a[1]", touched, IMPORTS) == (
        "tests/test_chat.py",
    )


def test_an_untouched_test_blames_the_touched_modules_it_or_its_conftests_import() -> None:
    touched = ["helpers/ws.py", "helpers/client.py", "tests/conftest.py"]
    assert files_responsible("tests/test_chat.py::test_a", touched, IMPORTS) == (
        "helpers/ws.py",
        "tests/conftest.py",
    )
    assert files_responsible("tests/api/test_api.py::test_b", touched, IMPORTS) == (
        "helpers/client.py",
        "tests/conftest.py",
    )
    assert files_responsible("tests/test_math.py::test_c", ["helpers/ws.py"], IMPORTS) == ()


def test_rollback_targets_the_responsible_files_or_every_file_when_unknown() -> None:
    pinned = OutcomeChange("t1", Outcome.PASSED, Outcome.FAILED, files=("a.py",))
    unpinned = OutcomeChange("t2", Outcome.PASSED, None)
    harmless = OutcomeChange("t3", Outcome.FAILED, Outcome.PASSED)
    assert verification((pinned, harmless)).files_to_roll_back == ("a.py",)
    assert verification((pinned, unpinned)).files_to_roll_back == ("a.py", "b.py")
    assert verification((harmless,)).ok
    assert verification((harmless,)).files_to_roll_back == ()


def test_status_and_record_of_several_checks() -> None:
    passed = VerifyOutcome(verification(()))
    regressed = VerifyOutcome(
        verification((OutcomeChange("t", Outcome.PASSED, Outcome.FAILED, "boom", ("a.py",)),))
    )
    healed = VerifyOutcome(regressed.verification, ("a.py",), (), verification(()))
    assert [o.status for o in (passed, regressed, healed)] == [
        VerifyStatus.PASSED,
        VerifyStatus.REGRESSED,
        VerifyStatus.ROLLED_BACK,
    ]
    assert verification_document("run", [passed, healed])["status"] == "rolled back"
    assert verification_document("run", [healed, regressed])["status"] == "regressed"
    document = verification_document("run", [healed])
    check = document["checks"][0]
    assert check["changes"] == [
        {
            "test": "t",
            "before": "passed",
            "after": "failed",
            "regression": True,
            "message": "boom",
            "files": ["a.py"],
        }
    ]
    assert check["rolled_back"] == ["a.py"]
    assert check["reverification"]["regressions"] == 0
    assert verification_document("run", [])["status"] == "passed"


@pytest.mark.parametrize(("text", "jobs"), [("auto", "auto"), ("1", 1), ("8", 8)])
def test_jobs_accepts_a_count_or_auto(text: str, jobs: object) -> None:
    assert parse_jobs(text) == jobs


@pytest.mark.parametrize("text", ["0", "-2", "many"])
def test_jobs_refuses_anything_else(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_jobs(text)
