"""A package under ``lib/`` that imports its own modules relatively: the canonical found
without ``--python``, kept where it is, and imported the way the package imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.config import PytestConfig
from declone.plan.importability import import_context, import_spelling, learned_roots
from declone.plan.layout import declared_source_roots
from migration_support import run_json

MIXIN = '''\
from ..base import Base


class JSONMixin(Base):
    """Serialises values the way every dialect does."""

    def dump(self, value):
        return self.encode(value)

    def load(self, text):
        return self.decode(text)

    def bind(self, value):
        if value is None:
            return None
        return self.dump(value)
'''

BASE = """\
import json


class Base:
    def encode(self, value):
        return json.dumps(value)

    def decode(self, text):
        return json.loads(text)
"""

SETUP_CFG = """\
[metadata]
name = pkg

[options]
package_dir =
    =lib
"""


def _lib_repo(write_tree: Any, tmp_path: Path) -> Path:
    files = {
        "setup.cfg": SETUP_CFG,
        "lib/pkg/__init__.py": "",
        "lib/pkg/dialects/__init__.py": "",
        "lib/pkg/dialects/base.py": BASE,
    }
    for dialect in "abcd":
        files[f"lib/pkg/dialects/{dialect}/__init__.py"] = ""
        files[f"lib/pkg/dialects/{dialect}/json.py"] = MIXIN
    return write_tree(files, tmp_path / "repo")


def test_the_canonical_stays_and_the_others_import_it_relatively(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _lib_repo(write_tree, tmp_path)
    args = ["--root", str(root), "--canonical", "pkg.dialects.b.json:JSONMixin"]
    code, document = run_json(capsys, "plan", "JSONMixin", *args)
    assert code == 0
    assert document["canonical"]["path"] == "lib/pkg/dialects/b/json.py"
    actions = {e["path"]: e["action"] for e in document["files"]}
    assert actions == {
        "lib/pkg/dialects/a/json.py": "replace",
        "lib/pkg/dialects/b/json.py": "canonical",
        "lib/pkg/dialects/c/json.py": "replace",
        "lib/pkg/dialects/d/json.py": "replace",
    }
    assert main(["migrate", "JSONMixin", *args, "--no-cache"]) == 0
    assert (root / "lib/pkg/dialects/b/json.py").read_text() == MIXIN
    assert (root / "lib/pkg/dialects/a/json.py").read_text() == "from ..b.json import JSONMixin\n"
    imported = subprocess.run(
        [sys.executable, "-c", "import pkg.dialects.a.json as m; print(m.JSONMixin.__module__)"],
        cwd=root / "lib",
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.stdout.strip() == "pkg.dialects.b.json", imported.stderr


def test_declared_source_roots_of_each_backend(write_tree: Any, tmp_path: Path) -> None:
    root = write_tree(
        {
            "a/pyproject.toml": '[tool.setuptools]\npackage-dir = {"" = "lib"}\n',
            "a/lib/x/__init__.py": "",
            "b/setup.py": "from setuptools import setup\nsetup(package_dir={'': 'code'})\n",
            "b/code/y/__init__.py": "",
            "c/pyproject.toml": '[tool.poetry]\npackages = [{include = "z", from = "source"}]\n',
            "c/source/z/__init__.py": "",
            "d/pyproject.toml": "[project]\nname = 'd'\n",
            "d/src/w/__init__.py": "",
            "e/setup.cfg": "[options.packages.find]\nwhere = pkgs\n",
            "e/pkgs/v/__init__.py": "",
            "f/pyproject.toml": '[tool.setuptools]\npackage-dir = {"" = "missing"}\n',
        },
        tmp_path / "repo",
    )
    assert declared_source_roots(root, ["a", "b", "c", "d", "e", "f", ""]) == (
        "a/lib",
        "b/code",
        "c/source",
        "d/src",
        "e/pkgs",
    )


def test_how_a_file_spells_an_import_of_its_package() -> None:
    files = [
        "pkg/__init__.py",
        "pkg/dialects/__init__.py",
        "pkg/dialects/base.py",
        "pkg/dialects/a/__init__.py",
        "pkg/dialects/a/json.py",
        "pkg/dialects/b/__init__.py",
        "pkg/dialects/b/json.py",
        "tests/test_x.py",
    ]
    context = import_context(PytestConfig(), files)

    def spell(target: str, module: str, *, relative: bool = True) -> str:
        path = module.replace(".", "/") + ".py"
        return import_spelling(context, target, module, path, relative=relative)

    assert spell("pkg/dialects/a/json.py", "pkg.dialects.b.json") == "..b.json"
    assert spell("pkg/dialects/a/json.py", "pkg.dialects.base") == "..base"
    assert spell("pkg/dialects/a/json.py", "pkg.dialects.b.json", relative=False) == (
        "pkg.dialects.b.json"
    )
    # Outside the package (a test module under another basedir) stays absolute.
    assert spell("tests/test_x.py", "pkg.dialects.base") == "pkg.dialects.base"


def test_roots_learned_from_the_files_own_imports() -> None:
    files = [
        "colls/ns/a/tests/unit/test_x.py",
        "colls/ns/a/plugins/util.py",
        "other/test_y.py",
    ]
    context = import_context(PytestConfig(), files)
    imports = {
        "colls/ns/a/tests/unit/test_x.py": ["colls.ns.a.plugins.util", "os.path"],
        "other/test_y.py": ["json"],
    }
    assert learned_roots(context, imports) == ("",)
    assert learned_roots(context, {"other/test_y.py": ["json"]}) == ()


def test_a_module_importing_its_own_name_teaches_no_root() -> None:
    # ``import libvirt`` in ``module_utils/libvirt.py`` is the installed binding, not the
    # file itself: its folder is no sys.path entry, and the other file's import still is.
    files = ["c/plugins/module_utils/libvirt.py", "c/plugins/module_utils/virt.py"]
    context = import_context(PytestConfig(), files)
    assert learned_roots(context, {files[0]: ["libvirt"]}) == ()
    assert learned_roots(context, {files[0]: ["libvirt"], files[1]: ["libvirt"]}) == (
        "c/plugins/module_utils",
    )


def test_a_copy_in_a_shipped_package_never_imports_from_outside_it(
    write_tree: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    helper = MIXIN.replace("from ..base import Base\n\n\n", "").replace("(Base)", "")
    root = write_tree(
        {
            "setup.cfg": SETUP_CFG,
            # The root is on sys.path for the tests: only the package rule keeps lib/ apart.
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
            "lib/pkg/__init__.py": "",
            "lib/pkg/testing/__init__.py": "",
            "lib/pkg/testing/fixtures.py": helper,
            "test/test_a.py": helper,
            "test/test_b.py": helper,
        },
        tmp_path / "repo",
    )
    code, document = run_json(
        capsys, "plan", "JSONMixin", "--root", str(root), "--extract-to", "declone_support.py"
    )
    assert code == 0
    entries = {entry["path"]: entry for entry in document["files"]}
    assert entries["lib/pkg/testing/fixtures.py"]["action"] == "skip"
    assert entries["lib/pkg/testing/fixtures.py"]["reason"] == (
        "it ships in the package under lib/, and the canonical declone_support.py lies "
        "outside it, where the installed package cannot import it"
    )
    assert {entries[p]["action"] for p in ("test/test_a.py", "test/test_b.py")} == {"replace"}
