"""A ``testing`` package inside a package folder that a distribution declares (``lib/``,
``src/``) ships with it: production code, as ``sqlalchemy.testing`` and ``numpy.testing``
are. Its test modules and ``conftest.py`` stay test code, and ``test``/``tests`` folders
count everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from declone.config import load_settings
from declone.scan import TestCode, find_test_code
from migration_support import run_json

SETUP_CFG = "[options]\npackage_dir =\n    =lib\n"


def code_of(write_tree: Any, files: dict[str, str]) -> TestCode:
    root = write_tree(files)
    assert isinstance(root, Path)
    return find_test_code(load_settings(root))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("lib/pkg/testing/fixtures.py", False),
        ("lib/pkg/testing/suite/__init__.py", False),
        ("lib/pkg/testing/suite/test_dialect.py", True),
        ("lib/pkg/testing/conftest.py", True),
        ("lib/pkg/testing/tests/helpers.py", True),
        ("lib/pkg/Testing/fixtures.py", False),
        ("lib/testing/fixtures.py", False),
        ("lib/pkg/tests/helpers.py", True),
        ("lib/pkg/test/helpers.py", True),
        ("lib/pkg/test_utils/helpers.py", True),
        ("lib/pkg/engine.py", False),
        ("testing/fixtures.py", True),
        ("test/orm/fixtures.py", True),
        ("tools/testing/fixtures.py", True),
        ("library/pkg/testing/fixtures.py", True),
    ],
    ids=lambda value: str(value),
)
def test_a_testing_package_below_a_declared_folder_ships(
    write_tree: Any, path: str, expected: bool
) -> None:
    code = code_of(write_tree, {"setup.cfg": SETUP_CFG, "lib/pkg/__init__.py": ""})
    assert code.packages == ("lib",)
    assert code.is_test(path) is expected


@pytest.mark.parametrize(
    "metadata",
    [
        {"pyproject.toml": '[tool.setuptools]\npackage-dir = {"" = "src"}\n'},
        {"pyproject.toml": '[tool.setuptools.packages.find]\nwhere = ["src"]\n'},
        {"setup.py": 'from setuptools import setup\nsetup(package_dir={"": "src"})\n'},
        {"pyproject.toml": "[project]\nname = 'pkg'\n", "src/pkg/__init__.py": ""},
    ],
    ids=["package-dir", "packages-find", "setup-py", "src-layout"],
)
def test_each_declaration_of_the_package_folder(write_tree: Any, metadata: dict[str, str]) -> None:
    code = code_of(write_tree, {**metadata, "src/pkg/__init__.py": ""})
    assert code.packages == ("src",)
    assert not code.is_test("src/pkg/testing/fixtures.py")
    assert code.is_test("src/pkg/testing/test_fixtures.py")


def test_without_a_declared_folder_every_testing_folder_is_test_code(write_tree: Any) -> None:
    code = code_of(
        write_tree, {"pyproject.toml": "[project]\nname = 'pkg'\n", "lib/pkg/__init__.py": ""}
    )
    assert code.packages == ()
    assert code.is_test("lib/pkg/testing/fixtures.py")
    assert code.is_test("pkg/testing/fixtures.py")


def test_a_nested_scope_declares_its_own_folder(write_tree: Any, tmp_path: Path) -> None:
    write_tree(
        {
            "setup.cfg": SETUP_CFG,
            "lib/pkg/__init__.py": "",
            "plugins/a/setup.cfg": SETUP_CFG,
            "plugins/a/lib/a/__init__.py": "",
        }
    )
    settings = load_settings(tmp_path)
    assert find_test_code(settings).is_test("plugins/a/lib/a/testing/fixtures.py")
    code = find_test_code(settings, ["", "plugins/a"])
    assert code.packages == ("lib", "plugins/a/lib")
    assert not code.is_test("plugins/a/lib/a/testing/fixtures.py")


JSON_TYPE = '''\
class JSONPathType:
    """A path into a JSON document, bound as a string."""

    def bind_processor(self, dialect):
        def process(value):
            return "{%s}" % ", ".join(map(str, value))

        return process

    def literal_processor(self, dialect):
        def process(value):
            return "'{%s}'" % ", ".join(map(str, value))

        return process
'''


def test_production_code_imports_a_canonical_in_the_shipped_testing_package(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The support library ships: a dialect may import from it (sqlalchemy's dialects import
    ``sqlalchemy.testing``'s helpers the same way)."""
    write_tree(
        {
            "setup.cfg": SETUP_CFG,
            "lib/pkg/__init__.py": "",
            "lib/pkg/dialects/__init__.py": "",
            "lib/pkg/dialects/one.py": JSON_TYPE,
            "lib/pkg/dialects/two.py": JSON_TYPE,
            "lib/pkg/testing/__init__.py": "",
            "lib/pkg/testing/pickleable.py": JSON_TYPE,
        }
    )
    code, document = run_json(
        capsys,
        "plan",
        "JSONPathType",
        "--root",
        str(tmp_path),
        "--canonical",
        "pkg.testing.pickleable:JSONPathType",
    )
    assert code == 0
    assert {e["path"]: (e["action"], e["reason"]) for e in document["files"]} == {
        "lib/pkg/dialects/one.py": ("replace", "identical to the canonical"),
        "lib/pkg/dialects/two.py": ("replace", "identical to the canonical"),
        "lib/pkg/testing/pickleable.py": ("canonical", "the canonical class itself; it stays"),
    }
