"""Classes that must stay where they are defined: a metaclass, a base that registers its
subclasses (followed through the repository's imports), a base from a package declone cannot
read, a decorator that may register the class. Such copies are unsafe: skipped by default,
planned with ``--unsafe``."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any

import pytest

from declone.config import PytestConfig
from declone.plan.importability import import_context
from declone.plan.staying import BaseReader, staying_reasons
from migration_support import PYPROJECT, USES, helper, run_json

EXTRACT = "tests/support/rec.py"
SUFFIX = "; --unsafe plans it anyway"

REGISTRY_BASE = """\
class Base:
    registry = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Base.registry.append(cls)
"""

META_BASE = """\
class Registering(type):
    seen = []

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        Registering.seen.append(cls)


class Base(metaclass=Registering):
    pass
"""


def derived(header: str, base: str) -> str:
    """A test module whose copy of the helper derives from ``base``."""
    copy = helper().replace("class Recorder:", f"class Recorder({base}):")
    return f"{header}\n\n{copy}\n\n{USES.format(name='Recorder')}"


def plan_files(
    capsys: pytest.CaptureFixture[str], root: Path, *options: str
) -> dict[str, dict[str, Any]]:
    code, document = run_json(
        capsys, "plan", "Recorder", "--root", str(root), "--extract-to", EXTRACT, *options
    )
    assert code == 0
    return {entry["path"]: entry for entry in document["files"]}


def two_copies(repo: Any, header: str, base: str, **more: str) -> Path:
    root: Path = repo(
        {
            "tests/test_a.py": derived(header, base),
            "tests/test_b.py": derived(header, base),
            **more,
        }
    )
    return root


@pytest.mark.parametrize(
    ("more", "header", "base", "reason", "cause"),
    [
        (
            {"tests/base.py": REGISTRY_BASE},
            "from tests.base import Base",
            "Base",
            "its base `Base` (tests/base.py:1) defines __init_subclass__: each subclass "
            "registers where it is defined",
            "with a base that registers its subclasses",
        ),
        (
            {"tests/models.py": META_BASE},
            "from tests import models",
            "models.Base",
            "its base `models.Base` (tests/models.py:9) has the metaclass `Registering`: it runs "
            "for each subclass where the subclass is defined",
            "with a base that has a metaclass",
        ),
        (
            {
                "tests/base.py": REGISTRY_BASE,
                "tests/models.py": "from .base import Base\n\n\nclass Model(Base):\n    pass\n",
            },
            "from .models import Model",
            "Model",
            "its base `Model` (tests/models.py:4) inherits __init_subclass__ from `Base` "
            "(tests/base.py:1): each subclass registers where it is defined",
            "with a base that registers its subclasses",
        ),
        (
            {},
            "from sqlalchemy.orm import DeclarativeBase",
            "DeclarativeBase",
            "its base `DeclarativeBase` comes from sqlalchemy, which declone cannot read: a "
            "subclass may register where it is defined (list it in [tool.declone] inert-bases "
            "if it does not)",
            "with a base from sqlalchemy",
        ),
        (
            {
                "tests/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
            },
            "from tests.db import Base",
            "Base",
            "its base `Base` comes from sqlalchemy, which declone cannot read: a subclass may "
            "register where it is defined (list it in [tool.declone] inert-bases if it does not)",
            "with a base from sqlalchemy",
        ),
        (
            {"tests/meta.py": "class Meta(type):\n    pass\n"},
            "from tests.meta import Meta",
            "metaclass=Meta",
            "its metaclass `Meta` runs where the class is defined and may register it there",
            "with a metaclass",
        ),
    ],
    ids=[
        "init-subclass-base",
        "metaclass-base",
        "through-relative-imports",
        "third-party-base",
        "made-by-a-third-party-call",
        "own-metaclass",
    ],
)
def test_a_class_that_may_register_where_it_is_defined_is_unsafe(
    repo: Any,
    capsys: pytest.CaptureFixture[str],
    more: dict[str, str],
    header: str,
    base: str,
    reason: str,
    cause: str,
) -> None:
    root = two_copies(repo, header, base, **more)
    files = plan_files(capsys, root)
    for path in ("tests/test_a.py", "tests/test_b.py"):
        entry = files[path]
        assert (entry["action"], entry["tier"]) == ("skip", "unsafe")
        assert (entry["reason"], entry["cause"]) == (reason + SUFFIX, cause)
    # --unsafe plans them anyway, and says why they are unsafe.
    unsafe = plan_files(capsys, root, "--unsafe")
    assert {(e["action"], e["tier"]) for e in unsafe.values()} == {("replace", "unsafe")}
    assert unsafe["tests/test_a.py"]["reason"].endswith(f"(unsafe: {reason})")


@pytest.mark.parametrize(
    ("header", "base"),
    [
        ("", "Exception"),
        ("import abc", "abc.ABC"),
        ("from abc import ABCMeta", "metaclass=ABCMeta"),
        ("import typing", "typing.Dict[str, int]"),
        ("from typing_extensions import Protocol", "Protocol"),
        ("import unittest.mock", "unittest.mock.Mock"),
    ],
    ids=["builtin", "stdlib", "abcmeta", "subscripted", "typing-extensions", "dotted-stdlib"],
)
def test_bases_from_builtins_and_the_standard_library_are_safe(
    repo: Any, capsys: pytest.CaptureFixture[str], header: str, base: str
) -> None:
    root = two_copies(repo, header, base)
    files = plan_files(capsys, root)
    assert {(e["action"], e["tier"]) for e in files.values()} == {("replace", "safe")}


@pytest.mark.parametrize(
    "listed", ["sqlalchemy.orm.DeclarativeBase", "DeclarativeBase"], ids=["dotted", "bare"]
)
def test_a_base_listed_in_inert_bases_is_safe(
    repo: Any, capsys: pytest.CaptureFixture[str], listed: str
) -> None:
    header = "from sqlalchemy.orm import DeclarativeBase"
    root = two_copies(
        repo,
        header,
        "DeclarativeBase",
        **{"pyproject.toml": f'{PYPROJECT}\n[tool.declone]\ninert-bases = ["{listed}"]\n'},
    )
    files = plan_files(capsys, root)
    assert {(e["action"], e["tier"]) for e in files.values()} == {("replace", "safe")}


def test_another_package_of_the_same_name_is_not_listed(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_copies(
        repo,
        "from sqlalchemy.orm import DeclarativeBase",
        "DeclarativeBase",
        **{
            "pyproject.toml": f'{PYPROJECT}\n[tool.declone]\ninert-bases = ["other.DeclarativeBase"]\n'
        },
    )
    files = plan_files(capsys, root)
    assert {e["action"] for e in files.values()} == {"skip"}


def test_a_class_decorator_that_may_register_is_unsafe(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = "import attr\n\n\n@attr.s\n" + helper() + "\n\n" + USES.format(name="Recorder")
    root = repo({"tests/test_a.py": copy, "tests/test_b.py": copy})
    files = plan_files(capsys, root)
    assert files["tests/test_a.py"]["reason"] == (
        "decorated with @attr.s, which may register the class where it is defined" + SUFFIX
    )
    assert files["tests/test_a.py"]["cause"] == "decorated with @attr.s"
    unsafe = plan_files(capsys, root, "--unsafe")
    assert {(e["action"], e["tier"]) for e in unsafe.values()} == {("replace", "unsafe")}


# --- the pure function, on files held in memory ----------------------------------------------


def reasons(files: dict[str, str], path: str, inert: tuple[str, ...] = ()) -> list[str]:
    """``staying_reasons`` of the last class in ``files[path]``."""
    trees = {name: ast.parse(textwrap.dedent(text)) for name, text in files.items()}
    context = import_context(PytestConfig(pythonpath=(".",)), trees)
    tree = trees[path]
    node = [n for n in tree.body if isinstance(n, ast.ClassDef)][-1]
    found = staying_reasons(node, tree, path, BaseReader(context, trees.get, inert))
    return [stay.reason for stay in found]


def test_bases_are_followed_through_packages_re_exports_and_aliases() -> None:
    files = {
        "pkg/__init__.py": "from pkg.core import Plugin as Exported\n",
        "pkg/core.py": "class Plugin:\n    def __init_subclass__(cls):\n        pass\n",
        "app.py": "import pkg\n\nAlias = pkg.Exported\n\nclass Thing(Alias):\n    pass\n",
    }
    assert reasons(files, "app.py") == [
        "its base `Alias` (pkg/core.py:1) defines __init_subclass__: each subclass registers "
        "where it is defined"
    ]
    assert reasons(files, "app.py", ("pkg.core.Plugin",)) == []


def test_a_cycle_of_bases_ends() -> None:
    files = {
        "a.py": "from b import B\n\nclass A(B):\n    pass\n",
        "b.py": "from a import A\n\nclass B(A):\n    pass\n",
    }
    assert reasons(files, "a.py") == []


def test_a_base_that_cannot_be_followed_is_named() -> None:
    files = {"app.py": "from .missing import Base\n\nclass Thing(Base):\n    pass\n"}
    assert reasons(files, "app.py") == [
        "its base `Base` cannot be followed (.missing is no file of the repository): a subclass "
        "may register where it is defined (list it in [tool.declone] inert-bases if it does not)"
    ]


def test_a_module_that_is_not_in_the_repository_is_a_third_party_package() -> None:
    files = {"app.py": "from django.db import models\n\nclass Thing(models.Model):\n    pass\n"}
    assert reasons(files, "app.py") == [
        "its base `models.Model` comes from django, which declone cannot read: a subclass may "
        "register where it is defined (list it in [tool.declone] inert-bases if it does not)"
    ]
    assert reasons(files, "app.py", ("django.db.models.Model",)) == []
