"""The pure parts of the real-code migration benchmark: definitions and added imports."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import realmigrate  # noqa: E402
from realmigrate import ImportRef  # noqa: E402

from declone.scan import find_scopes  # noqa: E402

#: Two collections, each its own import scope, beside a root-level package.
TREE = {
    "pyproject.toml": "",
    "pkg/__init__.py": "",
    "pkg/shared.py": "class Shared:\n    pass\n",
    "collections/one/galaxy.yml": "",
    "collections/one/tests/unit/support.py": "class FailJson(Exception):\n    pass\n",
    "collections/one/tests/unit/test_a.py": textwrap.dedent(
        """\
        import sys
        from collections.one.tests.unit.support import FailJson

        class FailJson(Exception):
            pass

        if sys.version_info >= (3,):
            class FailJson(Exception):
                pass
        try:
            import json
        except ImportError:
            class FailJson(Exception):
                pass

        def make():
            class FailJson(Exception):
                pass
            return FailJson

        class Outer:
            class FailJson(Exception):
                pass
        """
    ),
    "collections/one/tests/unit/broken.py": "class FailJson(:\n",
    "collections/one/tests/unit/mentions.py": "NAME = 'FailJson'\n",
    "collections/two/MANIFEST.json": "{}",
    "collections/two/tests/unit/test_b.py": "class FailJson(Exception):\n    pass\n",
    "collections/two/tests/unit/star.py": "from os.path import *\n",
    "collections/two/plugins/__init__.py": "VERSION = 1\n",
    "collections/two/plugins/helpers.py": "def helper():\n    pass\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name, text in TREE.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def _sources(root: Path) -> dict[str, bytes]:
    return realmigrate.read_sources(root)


def _scopes(root: Path) -> dict[str, str]:
    return find_scopes(root, sorted(_sources(root)))


def test_module_classes_are_the_ones_the_module_defines_as_it_runs() -> None:
    tree = ast.parse(TREE["collections/one/tests/unit/test_a.py"])
    found = sorted((node.name, node.lineno) for node in realmigrate.module_classes(tree))
    # Top level, under ``if`` and under ``except``: not in a function, not in a class body.
    assert found == [("FailJson", 4), ("FailJson", 8), ("FailJson", 13), ("Outer", 21)]


def test_definitions_are_counted_per_scope_and_broken_files_count_none(repo: Path) -> None:
    counts = realmigrate.count_definitions(_sources(repo), ["FailJson", "Shared"], _scopes(repo))
    assert counts == {
        "FailJson": {"collections/one": 4, "collections/two": 1},
        "Shared": {"": 1},
    }


def test_definitions_after_a_migration(repo: Path) -> None:
    sources = _sources(repo)
    sources["collections/one/tests/unit/test_a.py"] = (
        b"from collections.one.tests.unit.support import FailJson\n"
    )
    counts = realmigrate.count_definitions(sources, ["FailJson"], _scopes(repo))
    definitions = realmigrate.Definitions(
        "FailJson", {"collections/one": 4, "collections/two": 1}, counts["FailJson"]
    )
    assert definitions.crowded_after == ()
    assert definitions.to_json() == {
        "name": "FailJson",
        "scopes": 2,
        "before": 5,
        "after": 2,
        "max_per_scope_before": 4,
        "max_per_scope_after": 1,
        "crowded_after": {},
    }


def test_added_imports_are_the_names_the_file_did_not_import() -> None:
    before = realmigrate.import_refs(ast.parse("import os\nfrom a import b\n"))
    after = realmigrate.import_refs(
        ast.parse(
            "from __future__ import annotations\nimport os\nfrom a import b, c\n"
            "def f():\n    from .d import e\n"
        )
    )
    added = realmigrate.added_imports(before, after)
    assert [(str(ref), ref.line) for ref in added] == [
        ("from a import c", 3),
        ("from .d import e", 5),
    ]


@pytest.mark.parametrize(
    ("importer", "ref", "target"),
    [
        pytest.param(
            "collections/one/tests/unit/test_a.py",
            ImportRef(0, "collections.one.tests.unit.support", "FailJson"),
            "collections/one/tests/unit/support.py",
            id="absolute-from-root",
        ),
        pytest.param(
            "collections/one/tests/unit/test_a.py",
            ImportRef(0, "tests.unit.support", "FailJson"),
            "collections/one/tests/unit/support.py",
            id="absolute-under-an-ancestor",
        ),
        pytest.param(
            "collections/one/tests/unit/test_a.py",
            ImportRef(1, "support", "FailJson"),
            "collections/one/tests/unit/support.py",
            id="relative",
        ),
        pytest.param(
            "collections/one/tests/unit/test_a.py",
            ImportRef(1, "", "support"),
            "collections/one/tests/unit/support.py",
            id="relative-submodule",
        ),
        pytest.param(
            "collections/two/tests/unit/test_b.py",
            ImportRef(3, "plugins", "VERSION"),
            "collections/two/plugins/__init__.py",
            id="relative-package",
        ),
        pytest.param(
            "collections/two/tests/unit/test_b.py",
            ImportRef(0, "pkg.shared", None),
            "pkg/shared.py",
            id="import-statement",
        ),
        pytest.param(
            "collections/two/tests/unit/test_b.py",
            ImportRef(0, "collections.two.plugins", "helpers"),
            "collections/two/plugins/helpers.py",
            id="from-package-import-module",
        ),
        pytest.param(
            "collections/one/tests/unit/test_a.py",
            ImportRef(0, "json", None),
            None,
            id="standard-library",
        ),
        pytest.param(
            "collections/one/tests/unit/test_a.py",
            ImportRef(6, "too.far", "x"),
            None,
            id="relative-above-the-root",
        ),
    ],
)
def test_imports_resolve_to_repository_files(
    repo: Path, importer: str, ref: ImportRef, target: str | None
) -> None:
    assert realmigrate.resolve_import(_sources(repo), importer, ref) == target


def _check(repo: Path, importer: str, ref: ImportRef) -> realmigrate.ImportCheck:
    return realmigrate.check_import(_sources(repo), _scopes(repo), importer, ref)


def test_an_import_of_the_own_scope_resolves(repo: Path) -> None:
    check = _check(
        repo,
        "collections/one/tests/unit/test_a.py",
        ImportRef(0, "collections.one.tests.unit.support", "FailJson", 2),
    )
    assert check.status == "resolved"
    assert (check.importer_scope, check.target_scope) == ("collections/one", "collections/one")


def test_an_import_into_another_collection_crosses_scopes(repo: Path) -> None:
    check = _check(
        repo,
        "collections/two/tests/unit/test_b.py",
        ImportRef(0, "collections.one.tests.unit.support", "FailJson", 3),
    )
    assert check.status == "crossing"
    assert check.describe() == (
        "collections/two/tests/unit/test_b.py:3: "
        "from collections.one.tests.unit.support import FailJson: resolves to "
        "collections/one/tests/unit/support.py, in scope collections/one, not the "
        "importer's collections/two"
    )


def test_a_root_module_is_another_scope_than_a_collection(repo: Path) -> None:
    check = _check(
        repo, "collections/two/tests/unit/test_b.py", ImportRef(0, "pkg.shared", "Shared")
    )
    assert (check.status, check.target_scope) == ("crossing", "")


def test_an_import_of_a_name_the_module_lacks_is_reported(repo: Path) -> None:
    check = _check(
        repo,
        "collections/one/tests/unit/test_a.py",
        ImportRef(0, "collections.one.tests.unit.support", "ExitJson", 7),
    )
    assert check.status == "name missing"
    assert check.describe() == (
        "collections/one/tests/unit/test_a.py:7: "
        "from collections.one.tests.unit.support import ExitJson: "
        "collections/one/tests/unit/support.py does not define ExitJson"
    )


def test_a_star_import_in_the_target_leaves_the_name_possible(repo: Path) -> None:
    check = _check(
        repo,
        "collections/two/tests/unit/test_b.py",
        ImportRef(1, "star", "join"),
    )
    assert check.status == "resolved"


def test_an_unresolved_import_is_reported(repo: Path) -> None:
    check = _check(
        repo,
        "collections/one/tests/unit/test_a.py",
        ImportRef(0, "collections.one.tests.unit.declone_support", "FailJson", 2),
    )
    assert check.status == "unresolved"
    assert check.describe().endswith("resolves to no file of the repository")


def test_module_names_from_the_root_and_from_a_pythonpath_folder() -> None:
    assert realmigrate.module_name("a/b/c.py") == "a.b.c"
    assert realmigrate.module_name("a/b/__init__.py") == "a.b"
    assert realmigrate.module_name("src/pkg/mod.py", ("src",)) == "pkg.mod"


def test_collection_records_ids_and_errors_whatever_the_addopts(tmp_path: Path) -> None:
    files = {
        # Verbose output and no -q: the ids still come from the plugin, not the output.
        "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-vvv"\n',
        "tests/test_ok.py": "import pytest\n\n@pytest.mark.parametrize('x', ['a b', 'c'])\n"
        "def test_one(x):\n    pass\n\nclass TestX:\n    def test_two(self):\n        pass\n",
        "tests/test_broken.py": "import module_that_is_not_installed\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    setup = realmigrate.SETUPS["pyramid"]
    collection = realmigrate.collect(Path(sys.executable), tmp_path, "tests", setup)
    assert collection.ids == (
        "tests/test_ok.py::TestX::test_two",
        "tests/test_ok.py::test_one[a b]",
        "tests/test_ok.py::test_one[c]",
    )
    assert (collection.errors, collection.exit_code, collection.clean) == (1, 2, False)
    assert collection.tail == "collection errors in tests/test_broken.py"
    (tmp_path / "tests/test_broken.py").unlink()
    clean = realmigrate.collect(Path(sys.executable), tmp_path, "tests", setup)
    assert (len(clean.ids), clean.errors, clean.clean) == (3, 0, True)


def test_a_pytest_that_does_not_start_counts_one_error() -> None:
    collection = realmigrate.collection_from(None, 4, "ERROR: usage: ...\nbad option\n", 0.1)
    assert (collection.ids, collection.errors, collection.tail) == (
        (),
        1,
        "ERROR: usage: ...\nbad option",
    )


def test_pytest_config_is_searched_up_to_the_root_only(tmp_path: Path) -> None:
    (tmp_path / "c/tests/unit").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert realmigrate.pytest_config(tmp_path, "c/tests/unit") is None
    (tmp_path / "c/tox.ini").write_text("[pytest]\naddopts = -q\n", encoding="utf-8")
    assert realmigrate.pytest_config(tmp_path, "c/tests/unit") == tmp_path / "c/tox.ini"
