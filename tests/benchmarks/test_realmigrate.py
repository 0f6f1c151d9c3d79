"""The pure parts of the real-code migration benchmark: definitions, added imports, the
repository's linters and the every-family mode."""

from __future__ import annotations

import ast
import dataclasses
import sys
import textwrap
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import linters  # noqa: E402
import realmigrate  # noqa: E402
from linters import Finding, LintTool  # noqa: E402
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
    "collections/two/plugins/modules/ping.py": "def main():\n    pass\n",
    "collections/two/tests/unit/plugins/modules/test_ping.py": "def test():\n    pass\n",
    "collections/two/plugins/module_utils/common.py": "def connect():\n    pass\n",
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


def test_an_ansible_module_imports_only_from_module_utils(repo: Path) -> None:
    module = "collections/two/plugins/modules/ping.py"
    shipped = _check(
        repo, module, ImportRef(0, "collections.two.plugins.module_utils.common", "connect")
    )
    assert shipped.status == "resolved"
    apart = _check(repo, module, ImportRef(0, "collections.two.plugins.helpers", "helper", 4))
    assert apart.status == "ships apart"
    assert apart.describe() == (
        "collections/two/plugins/modules/ping.py:4: from collections.two.plugins.helpers "
        "import helper: an Ansible module imports collections/two/plugins/helpers.py, which "
        "is not under collections/two/plugins/module_utils/ and does not ship with it"
    )
    # Any other file of the collection imports what it likes, tests of modules included.
    other = _check(repo, "collections/two/tests/unit/test_b.py", apart.ref)
    assert other.status == "resolved"
    test = _check(repo, "collections/two/tests/unit/plugins/modules/test_ping.py", apart.ref)
    assert test.status == "resolved"


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


# -- the repository's linters --------------------------------------------------------------

VENV_BIN = Path(sys.executable).parent
#: flake8's own exclude when the settings give none.
FLAKE8_EXCLUDE = (
    ".svn",
    "CVS",
    ".bzr",
    ".hg",
    ".git",
    "__pycache__",
    ".tox",
    ".nox",
    ".eggs",
    "*.egg",
)


@pytest.mark.parametrize(
    ("configs", "expected"),
    [
        pytest.param(
            {"pyproject.toml": "[tool.isort]\nprofile = 'black'\n"},
            {"isort": LintTool("isort", "pyproject.toml [tool.isort]")},
            id="isort-pyproject",
        ),
        pytest.param(
            {"setup.cfg": "[tool:isort]\nline_length = 79\n"},
            {"isort": LintTool("isort", "setup.cfg [tool:isort]")},
            id="isort-setup-cfg",
        ),
        pytest.param(
            # isort reads .isort.cfg first: pyproject's settings do not count.
            {
                ".isort.cfg": "[settings]\nprofile = black\n",
                "pyproject.toml": "[tool.isort]\nskip_glob = ['*']\n",
            },
            {"isort": LintTool("isort", ".isort.cfg [settings]")},
            id="isort-cfg-first",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.isort]\nskip_glob=['*']\n"},
            {
                "isort": LintTool(
                    "isort", "pyproject.toml [tool.isort]", off="its skip_glob skips every file"
                )
            },
            id="isort-skipping-everything",
        ),
        pytest.param(
            {"tox.ini": "[isort]\nskip_glob = docs/*, build/*\n"},
            {"isort": LintTool("isort", "tox.ini [isort]")},
            id="isort-skipping-some",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.ruff]\nline-length = 99\n[tool.black]\n"},
            {"ruff": LintTool("ruff", "pyproject.toml [tool.ruff]", ("F401",))},
            id="ruff-pyproject",
        ),
        pytest.param(
            {"ruff.toml": "", "pyproject.toml": "[project]\nname = 'x'\n"},
            {"ruff": LintTool("ruff", "ruff.toml", ("F401",))},
            id="ruff-toml-defaults",
        ),
        pytest.param(
            {"ruff.toml": "[lint]\nextend-select = ['I001']\n"},
            {"ruff": LintTool("ruff", "ruff.toml", ("F401", "I"))},
            id="ruff-extending-the-defaults-with-the-import-order",
        ),
        pytest.param(
            {".ruff.toml": "select = ['F', 'I']\nignore = ['F401']\n"},
            {"ruff": LintTool("ruff", ".ruff.toml", ("I",))},
            id="ruff-top-level-rules-with-a-more-specific-ignore",
        ),
        pytest.param(
            {"ruff.toml": "[lint]\nselect = ['ALL']\nignore = ['I']\n"},
            {"ruff": LintTool("ruff", "ruff.toml", ("F401",))},
            id="ruff-all-but-the-import-order",
        ),
        pytest.param(
            {"ruff.toml": "[lint]\nselect = ['E']\n"},
            {"ruff": LintTool("ruff", "ruff.toml", off="selects neither F401 nor I")},
            id="ruff-selecting-neither",
        ),
        pytest.param(
            {".flake8": "[flake8]\nignore = E203\nexclude =\n    tests/fixtures\n    tests/pkgs\n"},
            {
                "flake8": LintTool(
                    "flake8",
                    ".flake8 [flake8]",
                    ("F401",),
                    exclude=("tests/fixtures", "tests/pkgs"),
                )
            },
            id="flake8-without-import-order",
        ),
        pytest.param(
            # flake8 reads setup.cfg before .flake8; the import-order settings are there.
            {
                "setup.cfg": "[metadata]\nname = x\n[flake8]\nimport-order-style = google\n"
                "application-import-names = sqlalchemy,test\n",
                ".flake8": "[flake8]\nignore = E203\n",
            },
            {
                "flake8": LintTool(
                    "flake8", "setup.cfg [flake8]", ("F401", "I"), exclude=FLAKE8_EXCLUDE
                )
            },
            id="flake8-import-order",
        ),
        pytest.param(
            {"setup.cfg": "[metadata]\nname = x\n", "tox.ini": "[tox]\nenvlist = py\n"},
            {},
            id="nothing",
        ),
    ],
)
def test_linters_are_found_as_each_tool_finds_its_settings(
    configs: dict[str, str], expected: dict[str, LintTool]
) -> None:
    assert linters.folder_linters(configs) == expected


def test_the_linters_of_a_tiny_tree_are_read_from_its_files(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "pyproject.toml": "[tool.isort]\nskip_glob = ['*']\n",
            "setup.cfg": "[flake8]\napplication_import_names = pkg\nextend-exclude = build\n",
            "collections/one/galaxy.yml": "",
            "collections/one/ruff.toml": "[lint]\nselect = ['I']\n",
            "README.md": "[tool.ruff]\n",
        }
    )
    assert linters.folder_linters(linters.read_configs(root)) == {
        "isort": LintTool(
            "isort", "pyproject.toml [tool.isort]", off="its skip_glob skips every file"
        ),
        "flake8": LintTool(
            "flake8", "setup.cfg [flake8]", ("F401", "I"), exclude=(*FLAKE8_EXCLUDE, "build")
        ),
    }
    assert linters.folder_linters(linters.read_configs(root / "collections/one")) == {
        "ruff": LintTool("ruff", "ruff.toml", ("I",))
    }


def test_skip_glob_switches_isort_off_only_when_it_matches_every_file() -> None:
    assert linters.skips_every_file({"skip_glob": ["*"]})
    assert linters.skips_every_file({"skip-glob": "**"})
    assert not linters.skips_every_file({"skip_glob": ["docs/*", "*.pyi"]})
    assert not linters.skips_every_file({"skip": "*"})


def test_each_tool_runs_from_the_nearest_folder_that_configures_it() -> None:
    found = {
        "": {
            "isort": LintTool("isort", "pyproject.toml [tool.isort]"),
            "flake8": LintTool("flake8", "setup.cfg [flake8]", ("F401",)),
        },
        "collections/one": {"flake8": LintTool("flake8", ".flake8 [flake8]", ("F401", "I"))},
    }
    scope_of = {
        "pkg/a.py": "",
        "collections/one/tests/b.py": "collections/one",
        "collections/two/tests/c.py": "collections/two",
    }
    runs = linters.find_lint_runs(scope_of, scope_of, lambda folder: found.get(folder, {}))
    assert [(run.tool.name, run.folder, run.paths) for run in runs] == [
        ("isort", "", ("collections/one/tests/b.py", "collections/two/tests/c.py", "pkg/a.py")),
        ("flake8", "", ("collections/two/tests/c.py", "pkg/a.py")),
        ("flake8", "collections/one", ("collections/one/tests/b.py",)),
    ]


FLAKE8_OUTPUT = """\
tests/test_a.py:3:1: F401 'os' imported but unused
tests/test_a.py:9:1: I100 Import statements are in the wrong order. 'import b' should be before 'import c'
    import c
    ^
"""
RUFF_OUTPUT = """\
tests/test_a.py:1:8: F401 [*] `sys` imported but unused
Found 1 error.
[*] 1 fixable with the `--fix` option.
"""


def test_flake8_and_ruff_lines_are_findings_from_the_root() -> None:
    found = linters.message_findings("flake8", FLAKE8_OUTPUT, "collections/one")
    assert [str(finding) for finding in found] == [
        "collections/one/tests/test_a.py:3: flake8 F401 'os' imported but unused",
        "collections/one/tests/test_a.py:9: flake8 I100 Import statements are in the wrong "
        "order. 'import b' should be before 'import c'",
    ]
    ruff = linters.message_findings("ruff", RUFF_OUTPUT)
    assert [(f.path, f.code, f.message, f.line) for f in ruff] == [
        ("tests/test_a.py", "F401", "`sys` imported but unused", 1)
    ]


def test_a_sorter_diff_is_one_finding_per_line_it_moves(tmp_path: Path) -> None:
    output = (
        f"--- {tmp_path}/tests/test_a.py:before\t2024-01-01 00:00:00.000000\n"
        f"+++ {tmp_path}/tests/test_a.py:after\t2024-01-01 00:00:00.000000\n"
        "@@ -3,4 +3,4 @@\n"
        " import json\n"
        "+import os\n"
        " import sys\n"
        "-import os\n"
        " \n"
    )
    found = linters.diff_findings("isort", "I", output, "sub", tmp_path)
    assert [str(finding) for finding in found] == [
        "sub/tests/test_a.py:4: isort I + import os",
        "sub/tests/test_a.py:5: isort I - import os",
    ]


def test_new_findings_are_those_after_that_were_not_before_as_often() -> None:
    unused = Finding("flake8", "a.py", "F401", "'os' imported but unused", 3)
    moved = Finding("flake8", "a.py", "F401", "'os' imported but unused", 1)
    order = Finding("flake8", "a.py", "I100", "'import b' should be before 'import c'", 9)
    assert linters.new_findings([unused], [moved]) == []
    assert linters.new_findings([unused], [moved, order, unused]) == [order, unused]
    assert linters.new_findings([unused, order], []) == []


RUFF_AND_ISORT = "[tool.isort]\nprofile = 'black'\n[tool.ruff.lint]\nextend-select = ['I']\n"


def test_real_isort_and_ruff_find_what_a_rewrite_unsorted(write_tree) -> None:  # type: ignore[no-untyped-def]
    sorted_text = "import json\nimport sys\n\nprint(json, sys)\n"
    before = (
        write_tree(
            {
                "before/pyproject.toml": RUFF_AND_ISORT,
                "before/pkg/a.py": sorted_text,
            }
        )
        / "before"
    )
    after = (
        write_tree(
            {
                "after/pyproject.toml": RUFF_AND_ISORT,
                "after/pkg/a.py": "import sys\nimport json\nimport os\n\nprint(json, sys)\n",
            }
        )
        / "after"
    )
    tools = linters.folder_linters(linters.read_configs(after))
    runs = linters.find_lint_runs(["pkg/a.py"], {"pkg/a.py": ""}, lambda folder: tools)
    results = {
        (run.tool.name, tree.name): linters.run_tool(VENV_BIN, tree, run)
        for run in runs
        for tree in (before, after)
    }
    assert all(result.error == "" for result in results.values())
    assert results[("isort", "before")].findings == ()
    assert results[("ruff", "before")].findings == ()
    isort = [str(f) for f in results[("isort", "after")].findings]
    assert isort == ["pkg/a.py:1: isort I - import sys", "pkg/a.py:4: isort I + import sys"]
    ruff = [(f.code, f.message, f.line) for f in results[("ruff", "after")].findings]
    assert ruff == [
        ("I001", "- import sys", 1),
        ("I001", "+ import sys", 4),
        ("F401", "`os` imported but unused", 3),
    ]


def test_ruff_runs_only_the_rules_its_settings_select(write_tree) -> None:  # type: ignore[no-untyped-def]
    unsorted = "import sys\nimport json\nimport os\n\nprint(json, sys)\n"
    root = write_tree({"pyproject.toml": "[tool.ruff]\nline-length = 99\n", "pkg/a.py": unsorted})
    tools = linters.folder_linters(linters.read_configs(root))
    [run] = linters.find_lint_runs(["pkg/a.py"], {"pkg/a.py": ""}, lambda folder: tools)
    result = linters.run_tool(VENV_BIN, root, run)
    assert result.error == ""
    assert [(f.code, f.line) for f in result.findings] == [("F401", 3)]


def test_lint_runs_are_compared_per_tool_over_their_folders() -> None:
    flake8 = LintTool("flake8", ".flake8 [flake8]", ("F401", "I"))
    off = LintTool("isort", "pyproject.toml [tool.isort]", off="its skip_glob skips every file")
    one = linters.LintRun(flake8, "c/one", ("c/one/a.py",))
    two = linters.LintRun(flake8, "c/two", ("c/two/b.py",))
    sorter = linters.LintRun(off, "", ("c/one/a.py", "c/two/b.py"))
    unused = Finding("flake8", "c/one/a.py", "F401", "'os' imported but unused", 3)
    order = Finding("flake8", "c/two/b.py", "I100", "'import b' should be before 'import c'", 2)
    before = {one: linters.ToolRun((unused,)), two: linters.ToolRun(())}
    after = {one: linters.ToolRun(()), two: linters.ToolRun((order,), "flake8 exited 2: boom")}
    comparisons = realmigrate.compare_lint([one, two, sorter], before, after)
    assert [c.to_json() for c in comparisons] == [
        {
            "tool": "flake8",
            "configured": ["c/one: .flake8 [flake8]", "c/two: .flake8 [flake8]"],
            "switched_off": [],
            "files": 2,
            "before": 1,
            "after": 1,
            "new": ["c/two/b.py:2: flake8 I100 'import b' should be before 'import c'"],
            "gone": 1,
            "errors": ["c/two (after): flake8 exited 2: boom"],
        },
        {
            "tool": "isort",
            "configured": [],
            "switched_off": [".: pyproject.toml [tool.isort]: its skip_glob skips every file"],
            "files": 0,
            "before": 0,
            "after": 0,
            "new": [],
            "gone": 0,
            "errors": [],
        },
    ]


# -- every family --------------------------------------------------------------------------


def test_the_duplicate_families_of_a_scan_by_their_ids() -> None:
    document = {
        "families": [
            {"kind": "duplicate", "name": "Dummy", "id": "Dummy@78ede027"},
            {"kind": "same_name", "name": "ActionModule"},
            {"kind": "duplicate", "name": "Old"},
        ]
    }
    assert realmigrate.duplicate_family_ids(document) == ["Dummy@78ede027", "Old"]


def _entry(
    action: str, tier: str = "safe", cause: str | None = None, reason: str = ""
) -> dict[str, str | None]:
    return {"action": action, "tier": tier, "cause": cause, "reason": reason}


def test_a_one_scope_proposal_is_its_canonical_path() -> None:
    document = {
        "proposed": True,
        "canonical": {"path": "tests/declone_support.py"},
        "summary": {"replace": 10, "alias": 0, "residual": 1, "skip": 3},
        "files": [_entry("replace"), _entry("skip", cause="defined in a function")],
    }
    assert realmigrate.proposal_from(document) == realmigrate.Proposal(
        ("--extract-to", "tests/declone_support.py"), 11
    )


def test_a_copy_the_proposal_keeps_in_place_is_its_canonical_reference() -> None:
    canonical = {"path": "salt/exceptions.py", "origin": "existing"}
    document = {
        "proposed": True,
        "canonical": {**canonical, "reference": "salt.exceptions:SaltCloudException"},
        "summary": {"replace": 1, "canonical": 1},
        "files": [_entry("replace"), _entry("canonical")],
    }
    assert realmigrate.proposal_from(document) == realmigrate.Proposal(
        ("--canonical", "salt.exceptions:SaltCloudException"), 1
    )


def test_a_proposal_over_scopes_is_its_template() -> None:
    document = {
        "proposed": True,
        "extract_to": "{scope}/tests/unit/declone_support.py",
        "summary": {"replace": 4},
        "scopes": [{"scope": "c/one", "files": []}],
    }
    assert realmigrate.proposal_from(document).arguments == (
        "--extract-to",
        "{scope}/tests/unit/declone_support.py",
    )
    scattered = {**document, "extract_to": "c/one/tests/x.py, c/two/y.py"}
    assert realmigrate.proposal_from(scattered) == realmigrate.Proposal(
        None, 4, "the proposal is no one --extract-to: 'c/one/tests/x.py, c/two/y.py'"
    )


def test_a_plan_that_changes_no_file_says_why_every_copy_stays() -> None:
    document = {
        "proposed": True,
        "extract_to": "",
        "summary": {"replace": 0, "skip": 3},
        "scopes": [
            {
                "files": [
                    _entry("skip", "unsafe", "with a base that registers its subclasses"),
                    _entry("skip", cause="defined in a function"),
                    _entry("skip", cause="defined in a function"),
                ]
            }
        ],
        "kept": [{"scope": "docs/a", "reason": "in one file: stays", "copies": []}],
    }
    assert realmigrate.proposal_from(document) == realmigrate.Proposal(
        None,
        0,
        "every copy stays: defined in a function; in one file: stays; "
        "with a base that registers its subclasses (unsafe)",
    )
    assert realmigrate.proposal_from({"summary": {}, "files": []}).reason == (
        "nothing to do: no copy left to migrate"
    )
    nested = {
        "family": "Address",
        "summary": {},
        "files": [],
        "nothing_to_do": "nothing to do: every copy of Address is defined inside a function "
        "or a class, where no import can replace it",
    }
    assert realmigrate.proposal_from(nested) == realmigrate.Proposal(
        None,
        0,
        "nothing to do: every copy of CLASS is defined inside a function or a class, where "
        "no import can replace it",
    )


@pytest.mark.parametrize(
    ("message", "class_name", "group"),
    [
        pytest.param(
            "examples/inheritance/concrete.py:29:1: Company uses Base (another class of the "
            "module, line 25), intpk (a module-level value computed at import time, line 21), "
            "Person (another class of the module, line 42) from its module, which an extracted "
            "module cannot take along; move it first or choose another variant",
            "Company",
            "uses what an extracted module cannot take along: a module-level value computed "
            "at import time, another class of the module",
            id="take-along",
        ),
        pytest.param(
            "examples/vertical/dictlike-polymorphic.py:154:5: Animal is not a module-level "
            "class here; scan again",
            "Animal",
            "CLASS is not a module-level class here; scan again",
            id="class-name",
        ),
        pytest.param(
            "docs/a.py:3: `Foo` in line 12 of 40",
            "Bar",
            "`...` in line N of N",
            id="names-and-numbers",
        ),
        pytest.param(
            "variant 78ede027 has no module-level copy to extract; choose another --variant",
            "Foo",
            "variant ID has no module-level copy to extract; choose another --variant",
            id="variant-id",
        ),
    ],
)
def test_reasons_group_without_what_is_particular_to_a_family(
    message: str, class_name: str, group: str
) -> None:
    assert realmigrate.reason_group(message, class_name) == group


def _outcome(
    exit_code: int, run_id: str | None = None, written: tuple[str, ...] = (), error: str = ""
) -> realmigrate.MigrationOutcome:
    return realmigrate.MigrationOutcome(
        "Dummy@1", exit_code, 1.0, error, run_id, written, (), {}, 1, 0, 0, (), written=written
    )


def test_a_second_run_writes_nothing() -> None:
    done = _outcome(0, "run-1", ("a.py",))
    partial = _outcome(1, "run-1", ("a.py",))
    check = realmigrate.second_run_writes_nothing
    assert check(done, _outcome(0))
    assert not check(done, _outcome(0, "run-2", ("b.py",)))
    assert not check(done, _outcome(1, "run-2"))
    # The file the first run could not write is tried again, and again not written.
    assert check(partial, _outcome(1, "run-2"))
    assert not check(partial, _outcome(1, "run-2", ("b.py",)))
    assert not check(partial, _outcome(1, None, (), "Traceback ..."))


def test_run_problems_name_what_was_not_done_as_planned() -> None:
    document = {
        "not_migrated": [{"path": "a.py", "reason": "changed since it was read"}],
        "batches": [
            {
                "number": 2,
                "files": ["b.py", "c.py"],
                "rolled_back": ["b.py", "c.py"],
                "refused": [],
                "import_check": {
                    "modules": [
                        {
                            "path": "b.py",
                            "module": "pkg.b",
                            "result": "no longer imports",
                            "error": "ImportError: cannot import name 'X'",
                        },
                        {"path": "c.py", "module": "pkg.c", "result": "imports", "error": None},
                    ]
                },
            }
        ],
    }
    assert realmigrate.run_problems(document) == (
        "a.py: not written: changed since it was read",
        "batch 2 rolled back (2 files: b.py, c.py)",
        "b.py: module pkg.b no longer imports: ImportError: cannot import name 'X'",
    )


def test_a_crash_is_said_by_its_exception_and_innermost_frame() -> None:
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "<frozen runpy>", line 198, in _run_module_as_main\n'
        '  File "/work/main/src/declone/cli/plan.py", line 88, in run\n'
        "    document = plan_document(planned[0])\n"
        "                             ~~~~~~~^^^\n"
        "IndexError: list index out of range\n"
    )
    assert realmigrate.error_text(stderr) == (
        "IndexError: list index out of range (at declone/cli/plan.py:88, in run)"
    )
    assert realmigrate.error_text("warning: x\nerror: a.py:1:1: bad\n") == "a.py:1:1: bad"


def test_lint_failures_say_each_file_once_with_what_was_added() -> None:
    run = linters.LintRun(LintTool("isort", ".isort.cfg [settings]"), "c", ("c/u.py",))
    added = [
        Finding("isort", "c/u.py", "I", "- from c.support import \\", 3),
        Finding("isort", "c/u.py", "I", "+ from c.support import (", 5),
    ]
    after = {run: linters.ToolRun(tuple(added))}
    before = {run: linters.ToolRun((), "isort exited 2: bad settings")}
    comparisons = realmigrate.compare_lint([run], before, after)
    assert realmigrate.lint_failures(comparisons) == [
        "isort did not run: c (before): isort exited 2: bad settings",
        "isort: c/u.py: findings the migrations added: line 3: I - from c.support import \\; "
        "line 5: I + from c.support import (",
    ]


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        ("tests/pkgs/app/models.py", True),
        ("tests/test_pkgs.py", False),
        ("src/pkg/__pycache__/x.py", True),
        ("src/pkg/build.egg/x.py", True),
        ("tests/fixtures_other/a.py", False),
    ],
)
def test_flake8_skips_files_below_an_excluded_folder(path: str, excluded: bool) -> None:
    patterns = ("tests/fixtures", "./tests/pkgs/", "__pycache__", "*.egg")
    assert linters.flake8_excludes(path, patterns) is excluded


def test_an_absolute_import_resolves_under_a_declared_source_folder() -> None:
    sources = {"lib/pkg/__init__.py": b"", "lib/pkg/entities.py": b"class Entity:\n    pass\n"}
    ref = ImportRef(0, "pkg.entities", "Entity")
    assert realmigrate.resolve_import(sources, "declone_support.py", ref) is None
    found = realmigrate.resolve_import(sources, "declone_support.py", ref, ("lib",))
    assert found == "lib/pkg/entities.py"


def _ran(family: str) -> realmigrate.MigrationOutcome:
    return realmigrate.MigrationOutcome(family, 0, 0.0, "", "run", (), (), {}, 1, 0, 0, ())


def test_the_definitions_limit_holds_for_the_named_migrations_only(repo: Path) -> None:
    # FailJson is defined four times in collections/one, and so is a family the every-family
    # mode migrated under that name: only the named migration's target is a failure.
    setup = realmigrate.Setup(
        realmigrate.SETUPS["ansible"].project,
        (realmigrate.Migration("FailJson", ()),),
        (),
        None,
        max_definitions_per_scope=1,
    )
    sources = _sources(repo)
    named = realmigrate.ProjectReport(setup)
    named.migrations = [_ran("FailJson")]
    realmigrate._check_migrated(named, repo, sources, sources)
    assert named.failures == ["collections/one: 4 definitions of FailJson left, more than 1"]
    every = realmigrate.ProjectReport(dataclasses.replace(setup, migrations=()))
    every.migrations = [_ran("FailJson@0123abcd")]
    realmigrate._check_migrated(every, repo, sources, sources)
    assert every.failures == []
    assert [d.name for d in every.definitions] == ["FailJson"]
