"""A canonical in a relative module: ``from ..json import X`` written, and recognised."""

from __future__ import annotations

import ast
import textwrap

import pytest

from declone.rewrite import ImportOrder
from declone.rewrite.bindings import read_module_facts
from declone.rewrite.transform import ClassEdit, EditAction, RewriteStatus, rewrite_source


def src(text: str) -> bytes:
    return textwrap.dedent(text).encode()


def edit(lineno: int, module: str, action: EditAction = EditAction.REPLACE) -> ClassEdit:
    name = "Encoder" if action is EditAction.ALIAS else "JSONEncoder"
    return ClassEdit("JSONEncoder", lineno, action, module, name)


CASES = [
    pytest.param(
        src("""\
            import json

            import pytest


            class JSONEncoder(json.JSONEncoder):
                pass


            def test_encode():
                assert pytest and JSONEncoder
            """),
        edit(6, "..json"),
        ImportOrder(),
        src("""\
            import pytest

            from ..json import JSONEncoder


            def test_encode():
                assert pytest and JSONEncoder
            """),
        id="opens-the-local-folder-section",
    ),
    pytest.param(
        src("""\
            import pytest

            from . import conftest
            from .support import Clock


            class JSONEncoder:
                pass
            """),
        edit(7, ".support"),
        ImportOrder(),
        src("""\
            import pytest

            from . import conftest
            from .support import Clock, JSONEncoder
            """),
        id="joins-the-relative-from-import",
    ),
    pytest.param(
        src("""\
            import pytest


            class JSONEncoder:
                pass
            """),
        edit(4, "."),
        ImportOrder(),
        src("""\
            import pytest

            from . import JSONEncoder
            """),
        id="package-itself",
    ),
    pytest.param(
        src("""\
            import pytest


            class JSONEncoder:
                pass
            """),
        edit(4, "..json", EditAction.ALIAS),
        None,
        src("""\
            import pytest
            from ..json import Encoder as JSONEncoder
            """),
        id="without-an-import-order",
    ),
]


@pytest.mark.parametrize(("before", "change", "order", "after"), CASES)
def test_relative_import_written(
    before: bytes, change: ClassEdit, order: ImportOrder | None, after: bytes
) -> None:
    result = rewrite_source(before, [change], order)
    assert result.status is RewriteStatus.CHANGED, result.reason
    assert result.source.decode() == after.decode()
    assert result.added_imports == (change.import_line,)
    # The second run recognises the relative import it wrote.
    again = rewrite_source(result.source, [change], order)
    assert again.status is RewriteStatus.UNCHANGED
    assert again.reason == "already migrated"


def test_an_existing_relative_import_is_recognised() -> None:
    before = src("""\
        from ..json import Encoder as JSONEncoder

        encoder = JSONEncoder()
        """)
    for order in (None, ImportOrder()):
        result = rewrite_source(before, [edit(3, "..json", EditAction.ALIAS)], order)
        assert result.status is RewriteStatus.UNCHANGED
        assert result.source == before
    # Not the same import: another level, or the absolute form.
    binding = read_module_facts(ast.parse(before)).bindings_of("JSONEncoder")[0]
    assert binding.imports("..json", "Encoder")
    assert not binding.imports(".json", "Encoder")
    assert not binding.imports("json", "Encoder")


@pytest.mark.parametrize("module", [".a.", "a..b", "...a-b", ""])
def test_malformed_relative_modules_are_refused(module: str) -> None:
    before = src("class JSONEncoder:\n    pass\n")
    result = rewrite_source(before, [edit(1, module)])
    assert result.status is RewriteStatus.SKIPPED
    assert "1:1: invalid edit for class 'JSONEncoder'" in result.reason
