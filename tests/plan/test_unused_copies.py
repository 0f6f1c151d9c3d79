"""A copy nothing uses goes with no import in its place (an import nothing reads is what
pyflakes and ruff report as F401); a copy used in its file, or reached through it from
another file, is replaced by the import as always."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from declone.cli import main
from declone.plan.unusedcopies import NOT_IMPORTED
from declone.rewrite import (
    ClassEdit,
    EditAction,
    ImportOrder,
    RewriteStatus,
    class_used_elsewhere,
    rewrite_source,
)
from migration_support import USES, helper, run_json

EXTRACT = "tests/support/rec.py"

UNUSED = f"""\
import os

{helper()}

def test_path():
    assert os.sep
"""

UNUSED_AFTER = """\
import os


def test_path():
    assert os.sep
"""


def edit(add_import: bool) -> ClassEdit:
    return ClassEdit(
        "Recorder", 4, EditAction.REPLACE, "tests.support.rec", "Recorder", (), None, add_import
    )


def test_a_copy_nothing_uses_goes_without_an_import() -> None:
    result = rewrite_source(UNUSED.encode(), [edit(False)], ImportOrder())
    assert result.status is RewriteStatus.CHANGED
    assert result.source.decode() == UNUSED_AFTER
    assert result.added_imports == ()
    again = rewrite_source(result.source, [edit(False)], ImportOrder())
    assert (again.status, again.source) == (RewriteStatus.UNCHANGED, result.source)


@pytest.mark.parametrize(
    "use",
    [
        "def test_send():\n    assert Recorder().sent == []\n",
        '__all__ = ["Recorder"]\n',
        "def make() -> 'Recorder':\n    return None\n",
    ],
    ids=["called", "listed-in-all", "string-annotation"],
)
def test_a_copy_used_in_its_file_keeps_the_import_whatever_the_plan_said(use: str) -> None:
    source = UNUSED + "\n\n" + use
    result = rewrite_source(source.encode(), [edit(False)], ImportOrder())
    assert result.added_imports == ("from tests.support.rec import Recorder",)
    expected = (
        "import os\n\nfrom tests.support.rec import Recorder\n\n\n"
        + UNUSED_AFTER.split("\n\n\n", 1)[1]
        + "\n\n"
        + use
    )
    assert result.source.decode() == expected


def test_class_used_elsewhere_ignores_the_class_itself() -> None:
    own_use = "class A:\n    def clone(self):\n        return A()\n\n\nx = 1\n"
    tree = ast.parse(own_use)
    assert class_used_elsewhere(tree, 1, "A") is False
    assert class_used_elsewhere(ast.parse(own_use + "y = A\n"), 1, "A") is True
    assert class_used_elsewhere(tree, 7, "A") is True  # no class there: nothing is known


def plan(capsys: pytest.CaptureFixture[str], root: Path) -> dict[str, dict[str, Any]]:
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT
    )
    assert code == 0
    return {entry["path"]: entry for entry in document["files"]}


def test_plan_and_migrate_remove_a_copy_nothing_reaches(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    used = f"{helper()}\n\n{USES.format(name='Recorder')}"
    root = repo({"tests/test_a.py": used, "tests/test_b.py": used, "tests/test_c.py": UNUSED})
    files = plan(capsys, root)
    assert files["tests/test_c.py"]["adds_import"] is False
    assert files["tests/test_c.py"]["reason"].endswith(f"; {NOT_IMPORTED}")
    assert {files[p]["adds_import"] for p in ("tests/test_a.py", "tests/test_b.py")} == {True}
    migrate = ["migrate", "Recorder", "--root", str(root), "--extract-to", EXTRACT]
    migrate += ["--no-cache", "--no-import-check"]
    assert main(migrate) == 0
    assert (root / "tests/test_c.py").read_text() == UNUSED_AFTER
    assert (
        (root / "tests/test_a.py")
        .read_text()
        .startswith("from tests.support.rec import Recorder\n")
    )
    migrated = {path: path.read_bytes() for path in root.rglob("*.py")}
    capsys.readouterr()
    assert main(migrate) == 0  # a second run changes nothing
    assert {path: path.read_bytes() for path in root.rglob("*.py")} == migrated


@pytest.mark.parametrize(
    ("other", "text"),
    [
        ("tests/test_d.py", "from tests.test_c import Recorder\n"),
        ("tests/test_d.py", "from tests import test_c\n\nR = test_c.Recorder\n"),
        ("setup.cfg", "[options.entry_points]\nx =\n    r = tests.test_c:Recorder\n"),
    ],
    ids=["imported", "attribute", "entry-point"],
)
def test_a_copy_another_file_reaches_through_its_module_stays(
    repo: Any, capsys: pytest.CaptureFixture[str], other: str, text: str
) -> None:
    used = f"{helper()}\n\n{USES.format(name='Recorder')}"
    root = repo({"tests/test_a.py": used, "tests/test_c.py": UNUSED, other: text})
    files = plan(capsys, root)
    entry = files["tests/test_c.py"]
    assert (entry["action"], entry["tier"], entry["cause"]) == (
        "skip",
        "safe",
        "re-exported, unused in its file",
    )
    assert entry["reason"] == (
        f"nothing in its file uses it, and {other} names it through this module: the "
        "canonical's import here would only re-export it, an import the module never reads "
        "(F401); kept"
    )


def test_a_copy_in_a_module_that_ships_keeps_the_import(
    write_tree: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Users of the package may import the class from its module: it stays importable."""
    used = f"{helper()}\n\nRECORDER = Recorder()\n"
    root = write_tree(
        {
            "pyproject.toml": '[project]\nname = "app"\n',
            "app/__init__.py": "",
            "app/a.py": used,
            "app/b.py": used,
            "app/c.py": f"{helper()}",
        }
    )
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", "app/support.py"
    )
    assert code == 0
    files = {entry["path"]: entry for entry in document["files"]}
    assert (files["app/c.py"]["action"], files["app/c.py"]["adds_import"]) == ("replace", True)


def test_a_copy_in_a_package_init_that_a_module_of_the_package_imports_stays(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    used = f"{helper()}\n\n{USES.format(name='Recorder')}"
    unused_init = helper()
    root = repo(
        {
            "tests/test_a.py": used,
            "tests/cfg/__init__.py": unused_init,
            "tests/cfg/test_x.py": "from . import Recorder\n",
            "tests/other/__init__.py": unused_init,
            "tests/other/test_y.py": used,  # a copy of its own, not the package's
        }
    )
    files = plan(capsys, root)
    assert files["tests/cfg/__init__.py"]["action"] == "skip"
    assert (
        "tests/cfg/test_x.py names it through this module"
        in (files["tests/cfg/__init__.py"]["reason"])
    )
    assert files["tests/other/__init__.py"]["adds_import"] is False


def test_the_files_that_may_reach_a_copy_are_read_once_and_only_those_naming_it(
    repo: Any,
) -> None:
    """Each scope's plan of a family asks which files may reach a copy: the repository is
    read on the first question only, and only files naming one of the family's classes are
    kept (no other can reach it)."""
    import dataclasses

    from declone.config import load_settings
    from declone.plan.prepare import _files_naming
    from declone.scan import scan_repository

    root = repo(
        {
            "tests/test_a.py": helper(),
            "tests/test_b.py": "from tests.test_a import Recorder\n",
            "tests/test_c.py": "X = 1\n",
            "setup.cfg": "[options.entry_points]\nx = tests.test_a:Recorder\n",
        }
    )
    settings = dataclasses.replace(load_settings(root), use_cache=False)
    index, _ = scan_repository(settings)
    read = _files_naming(settings, index, ("Recorder", "OtherName"))
    first = read()
    assert sorted(path for path, _ in first) == ["setup.cfg", "tests/test_a.py", "tests/test_b.py"]
    (root / "tests/test_b.py").write_text("changed = True\n")
    assert read() is first  # not read again
