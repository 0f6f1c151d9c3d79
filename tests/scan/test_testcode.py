"""Which files are test code: pytest's ``python_files``, ``conftest.py``, ``testpaths``, test
folders and ``[tool.declone] test-paths``; every other file is production code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from declone.config import PytestConfig, load_settings
from declone.scan import TestCode, find_test_code
from declone.scan.testcode import is_test_folder


def code_of(write_tree: Any, files: dict[str, str]) -> TestCode:
    """The test code of a repository made of ``files`` (configuration files only)."""
    root = write_tree(files)
    assert isinstance(root, Path)
    return find_test_code(load_settings(root))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_socket.py", True),
        ("pkg/test_socket.py", True),
        ("pkg/socket_test.py", True),
        ("test_socket.py", True),
        ("pkg/socket.py", False),
        ("pkg/testsocket.py", False),
        ("pkg/tests.py", False),
    ],
    ids=lambda value: str(value),
)
def test_default_python_files(path: str, expected: bool) -> None:
    assert TestCode().is_test(path) is expected


def test_python_files_from_the_pytest_configuration(write_tree: Any) -> None:
    code = code_of(write_tree, {"pytest.ini": "[pytest]\npython_files = check_*.py\n"})
    assert code.is_test("pkg/check_socket.py")
    # The configured patterns replace pytest's defaults, as they do for pytest.
    assert not code.is_test("pkg/test_socket.py")


@pytest.mark.parametrize("path", ["conftest.py", "pkg/conftest.py", "src/app/sub/conftest.py"])
def test_conftest_is_test_code_anywhere(path: str) -> None:
    assert TestCode().is_test(path)


def test_a_module_named_like_conftest_is_not() -> None:
    assert not TestCode().is_test("pkg/conftest_helpers.py")
    assert not TestCode().is_test("pkg/my_conftest.py")


def test_files_below_a_testpaths_entry(write_tree: Any) -> None:
    code = code_of(
        write_tree,
        {"pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["qa", "suites/*/checks"]\n'},
    )
    assert code.is_test("qa/helpers.py")
    assert code.is_test("qa/deep/fakes.py")
    assert code.is_test("suites/web/checks/fakes.py")
    # Only below the entry: a folder that starts alike is another folder.
    assert not code.is_test("qa_tools/helpers.py")
    assert not code.is_test("pkg/qa/helpers.py")
    assert not code.is_test("suites/web/fakes.py")


@pytest.mark.parametrize("entry", [".", "./", "..", "../other"])
def test_a_testpaths_entry_at_or_above_the_root_says_nothing(write_tree: Any, entry: str) -> None:
    code = code_of(write_tree, {"pytest.ini": f"[pytest]\ntestpaths = {entry}\n"})
    assert not code.is_test("pkg/service.py")


@pytest.mark.parametrize(
    "path",
    [
        "tests/helpers.py",
        "pkg/test/helpers.py",
        "pkg/testing/fakes.py",
        "Tests/helpers.py",
        "TESTING/helpers.py",
        "test_utils/fakes.py",
        "pkg/test_support/deep/fakes.py",
        "unit_tests/fakes.py",
        "pkg/integration_tests/fakes.py",
    ],
)
def test_files_below_a_test_folder(path: str) -> None:
    assert TestCode().is_test(path)


@pytest.mark.parametrize(
    "path",
    [
        "pkg/testsuite/helpers.py",
        "pkg/latest/helpers.py",
        "pkg/contest/helpers.py",
        "pkg/tests_data/helpers.py",
        "pkg/attest/helpers.py",
        # A file's own name never counts as a folder.
        "pkg/testing.py",
        "pkg/unit_tests.py",
    ],
)
def test_folders_that_only_look_like_test_folders(path: str) -> None:
    assert not TestCode().is_test(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tests", True),
        ("test", True),
        ("testing", True),
        ("test_helpers", True),
        ("smoke_tests", True),
        ("testsuite", False),
        ("tests_data", False),
        ("mytest", False),
    ],
)
def test_is_test_folder(name: str, expected: bool) -> None:
    assert is_test_folder(name) is expected


def test_test_paths_globs(write_tree: Any) -> None:
    code = code_of(
        write_tree,
        {
            "pyproject.toml": (
                '[tool.declone]\ntest-paths = ["support/**", "**/fakes_*.py", "!support/real.py"]\n'
            )
        },
    )
    assert code.test_paths == ("support/**", "**/fakes_*.py", "!support/real.py")
    assert code.is_test("support/websocket.py")
    assert code.is_test("support/deep/websocket.py")
    assert code.is_test("pkg/fakes_socket.py")
    # gitignore syntax: a negation takes a file back out.
    assert not code.is_test("support/real.py")
    assert not code.is_test("pkg/socket.py")


def test_a_production_file_is_none_of_these(write_tree: Any) -> None:
    code = code_of(
        write_tree,
        {
            "pyproject.toml": (
                '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
                '[tool.declone]\ntest-paths = ["support/**"]\n'
            )
        },
    )
    for path in ("src/app/service.py", "app/websocket.py", "setup.py", "pkg/contest.py"):
        assert not code.is_test(path), path


def test_built_from_the_settings_pytest_configuration(write_tree: Any) -> None:
    code = code_of(
        write_tree, {"tox.ini": "[pytest]\npython_files = spec_*.py\ntestpaths = checks\n"}
    )
    assert code.pytest == PytestConfig(
        python_files=("spec_*.py",), testpaths=("checks",), source="tox.ini"
    )
    assert code.is_test("pkg/spec_socket.py")
    assert code.is_test("checks/fakes.py")
