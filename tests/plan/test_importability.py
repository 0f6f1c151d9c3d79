from __future__ import annotations

import pytest

from declone.config import PytestConfig
from declone.plan.importability import (
    basedir_of,
    check_import,
    import_context,
    module_name_for,
    sys_path_for,
)

PACKAGED = [
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/unit/__init__.py",
    "tests/unit/test_a.py",
    "tests/support/__init__.py",
    "tests/support/fake.py",
    "loose/test_b.py",
    "loose/helpers/fake.py",
]


def context(mode: str = "prepend", pythonpath: tuple[str, ...] = (), files: list[str] = PACKAGED):  # type: ignore[no-untyped-def]
    config = PytestConfig(
        import_mode=mode, pythonpath=pythonpath, source="pyproject.toml" if pythonpath else ""
    )
    return import_context(config, files)


def test_basedir_is_the_first_folder_without_init() -> None:
    ctx = context()
    assert basedir_of(ctx, "tests/unit/test_a.py") == ""
    assert basedir_of(ctx, "loose/test_b.py") == "loose"
    assert module_name_for(ctx, "tests/unit/test_a.py") == "tests.unit.test_a"
    assert module_name_for(ctx, "tests/support/__init__.py") == "tests.support"
    assert module_name_for(ctx, "loose/test_b.py") == "test_b"


def test_prepend_puts_the_test_basedir_first_then_conftest_basedirs() -> None:
    ctx = context(pythonpath=("src",))
    assert sys_path_for(ctx, "loose/test_b.py") == ("loose", "src")
    assert sys_path_for(ctx, "tests/unit/test_a.py") == ("", "src")
    assert sys_path_for(context("append", ("src",)), "loose/test_b.py") == ("src", "loose")


def test_importlib_mode_inserts_nothing() -> None:
    assert sys_path_for(context("importlib"), "tests/unit/test_a.py") == ()
    assert sys_path_for(context("importlib", (".",)), "tests/unit/test_a.py") == ("",)


@pytest.mark.parametrize(
    ("mode", "pythonpath", "target", "importable", "via"),
    [
        ("prepend", (), "tests/unit/test_a.py", True, "."),
        ("prepend", (), "loose/test_b.py", False, ""),
        ("prepend", (".",), "loose/test_b.py", True, "."),
        ("importlib", (), "tests/unit/test_a.py", False, ""),
        ("importlib", (".",), "tests/unit/test_a.py", True, "."),
    ],
    ids=[
        "package-root",
        "loose-folder",
        "loose-with-pythonpath",
        "importlib",
        "importlib-pythonpath",
    ],
)
def test_check_import_follows_pytest_rules(
    mode: str, pythonpath: tuple[str, ...], target: str, importable: bool, via: str
) -> None:
    result = check_import(
        context(mode, pythonpath), target, "tests.support.fake", "tests/support/fake.py"
    )
    assert result.importable is importable
    assert result.via == via
    if not importable:
        assert "pythonpath" in result.reason
        assert mode in result.reason


def test_an_earlier_entry_shadows_the_module() -> None:
    # loose/ is first on sys.path for loose/test_b.py and holds a helpers/fake.py of its own.
    files = [*PACKAGED, "helpers/__init__.py", "helpers/fake.py", "loose/helpers/__init__.py"]
    result = check_import(
        context(pythonpath=(".",), files=files),
        "loose/test_b.py",
        "helpers.fake",
        "helpers/fake.py",
    )
    assert not result.importable
    assert "loose/helpers/fake.py" in result.reason


def test_a_module_outside_the_repo_needs_installing() -> None:
    ctx = context()
    missing = check_import(ctx, "tests/unit/test_a.py", "declone.testing.websocket", None)
    assert not missing.importable
    assert "not installed" in missing.reason
    present = check_import(
        ctx, "tests/unit/test_a.py", "declone.testing.websocket", None, installed=True
    )
    assert present.importable
    assert present.via == "installed"
    assert "installed" in present.condition


def test_absolute_imports_are_found_in_every_block_and_only_there() -> None:
    import ast
    import textwrap

    from declone.plan.prepare import absolute_imports

    source = textwrap.dedent(
        """\
        import os, a.b as ab
        from . import sibling
        from .pkg import thing
        from c.d import e
        from c.star import *

        def f():
            import g
            class K:
                from h import i
                def m(self):
                    with open(x) as y:
                        import j

        try:
            import k
        except ImportError:
            import l
        else:
            import m
        finally:
            import n

        if os.name:
            import o
        else:
            import p
        while False:
            import q
        for z in ():
            import r
        match z:
            case 1:
                import s
        value = [__import__("not_a_statement")]
        import os
        """
    )
    found = absolute_imports(ast.parse(source))
    assert len(found) == len(set(found))
    assert set(found) == {
        *("os", "a.b", "c.d", "c.d.e", "c.star", "g", "h", "h.i", "j", "k", "l", "m", "n"),
        *("o", "p", "q", "r", "s"),
    }
