"""The rewrite engine: exact before/after source for every action and reference kind."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from declone.rewrite.transform import ClassEdit, EditAction, RewriteStatus, rewrite_source

REPLACE, ALIAS, RESIDUAL = EditAction.REPLACE, EditAction.ALIAS, EditAction.RESIDUAL
DATA = Path(__file__).resolve().parents[1] / "data" / "rewrite"


def edit(
    lineno: int,
    action: EditAction = REPLACE,
    *,
    class_name: str = "FakeConnection",
    name: str = "FakeConnection",
    module: str = "helpers.fakes",
    keep: tuple[str, ...] = (),
    import_as: str | None = None,
) -> ClassEdit:
    return ClassEdit(class_name, lineno, action, module, name, keep, import_as)


def src(text: str) -> bytes:
    return textwrap.dedent(text).encode()


CHANGED_CASES = [
    pytest.param(
        src("""\
            import json


            # Fake connection used by these tests
            class FakeConnection:
                def send(self, data):
                    return json.dumps(data)


            def test_send():
                assert FakeConnection().send(1) == "1"
            """),
        (edit(5),),
        src("""\
            from helpers.fakes import FakeConnection


            def test_send():
                assert FakeConnection().send(1) == "1"
            """),
        id="replace-removes-attached-comment-and-unused-import",
    ),
    pytest.param(
        src("""\
            import json

            # Section: helpers

            class FakeConnection:
                pass
            x = json.dumps(1)
            """),
        (edit(5),),
        src("""\
            import json
            from helpers.fakes import FakeConnection

            # Section: helpers

            x = json.dumps(1)
            """),
        id="replace-keeps-detached-comment-and-used-import",
    ),
    pytest.param(
        src("""\
            import os


            class MockConnection:
                closed = False


            conn = MockConnection()
            """),
        (edit(4, ALIAS, class_name="MockConnection"),),
        src("""\
            import os
            from helpers.fakes import FakeConnection as MockConnection


            conn = MockConnection()
            """),
        id="alias",
    ),
    pytest.param(
        src('''\
            import asyncio
            import json


            class FakeConnection(object, metaclass=type):
                """Records what was sent."""

                timeout = 5

                def send(self, data):
                    return json.dumps(data)

                async def close(self):
                    await asyncio.sleep(0)
            '''),
        (edit(5, RESIDUAL, class_name="FakeConnection", name="Connection", keep=("close",)),),
        src('''\
            import asyncio
            from helpers.fakes import Connection


            class FakeConnection(Connection):
                """Records what was sent."""

                async def close(self):
                    await asyncio.sleep(0)
            '''),
        id="residual-keeps-docstring-and-listed-members",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                def send(self):
                    pass
            """),
        (edit(1, RESIDUAL, keep=()),),
        src("""\
            from helpers.fakes import FakeConnection as _FakeConnection

            class FakeConnection(_FakeConnection):
                pass
            """),
        id="residual-same-name-imports-private-alias",
    ),
    pytest.param(
        src("""\
            class TestHelper:
                x = 1
                def f(self):
                    pass
            """),
        (
            edit(
                1,
                RESIDUAL,
                class_name="TestHelper",
                name="TestHelper",
                keep=("x",),
                import_as="HelperBase",
            ),
        ),
        src("""\
            from helpers.fakes import TestHelper as HelperBase

            class TestHelper(HelperBase):
                x = 1
            """),
        id="residual-honours-import-as",
    ),
    pytest.param(
        src('''\
            """Module docstring."""
            from __future__ import annotations

            import pytest

            conn: FakeConnection | None = None
            hint: "FakeConnection"
            __all__ = ["FakeConnection", "Sub"]


            class FakeConnection:
                pass


            class Sub(FakeConnection):
                pass


            def check(x: "FakeConnection") -> FakeConnection:
                assert isinstance(x, FakeConnection)
                return x
            '''),
        (edit(11),),
        src('''\
            """Module docstring."""
            from __future__ import annotations

            import pytest
            from helpers.fakes import FakeConnection

            conn: FakeConnection | None = None
            hint: "FakeConnection"
            __all__ = ["FakeConnection", "Sub"]


            class Sub(FakeConnection):
                pass


            def check(x: "FakeConnection") -> FakeConnection:
                assert isinstance(x, FakeConnection)
                return x
            '''),
        id="references-before-all-subclass-annotations-isinstance",
    ),
    pytest.param(
        src("""\
            from helpers import other


            class FakeConnection:
                pass


            class MockAgent:
                pass


            def test():
                return FakeConnection, MockAgent
            """),
        (edit(4), edit(8, class_name="MockAgent", name="MockAgent", module="helpers.agents")),
        src("""\
            from helpers import other
            from helpers.agents import MockAgent
            from helpers.fakes import FakeConnection


            def test():
                return FakeConnection, MockAgent
            """),
        id="two-families-in-one-file",
    ),
    pytest.param(
        src("""\
            from helpers.fakes import Other

            class FakeConnection:
                pass
            """),
        (edit(3),),
        src("""\
            from helpers.fakes import FakeConnection, Other
            """),
        id="extends-existing-from-import",
    ),
    pytest.param(
        src("""\
            from unittest.mock import MagicMock, patch


            class FakeConnection:
                mock = MagicMock()


            @patch("x")
            def test(p):
                pass
            """),
        (edit(4),),
        src("""\
            from unittest.mock import patch
            from helpers.fakes import FakeConnection


            @patch("x")
            def test(p):
                pass
            """),
        id="removes-one-name-of-a-from-import",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass
            """),
        (edit(1, import_as="Conn"),),
        src("""\
            from helpers.fakes import FakeConnection as Conn
            """),
        id="replace-with-import-as-when-unreferenced",
    ),
    pytest.param(
        src("""\
            import json
            x = 1


            @decorator
            class FakeConnection:
                pass
            y = 2
            """),
        (edit(6),),
        src("""\
            import json
            from helpers.fakes import FakeConnection

            x = 1


            y = 2
            """),
        id="decorated-class-and-larger-gap-kept",
    ),
    pytest.param(
        src("""\
            x = 1


            class FakeConnection:
                pass
            """),
        (edit(3),),
        src("""\
            from helpers.fakes import FakeConnection

            x = 1
            """),
        id="last-statement-leaves-no-trailing-blank-lines",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass

            class FakeConnection:
                pass
            """),
        (edit(1), edit(4)),
        src("""\
            from helpers.fakes import FakeConnection
            """),
        id="both-definitions-edited",
    ),
]


CHANGED_CASES += [
    pytest.param(
        src("""\
            import os, json
            from pkg.mod import (
                a,
                b,
            )
            from . import sibling
            from pkg.star import *
            import re; x = 1


            class FakeConnection:
                y: int = 0
                z: str
                p = 1; q = 2
                w = [json, b, sibling, re, os]

                class Inner:
                    pass


            print(a, os)
            """),
        (edit(11, RESIDUAL, keep=("y", "q", "Inner")),),
        src("""\
            import os
            from pkg.mod import (
                a,
            )
            from . import sibling
            from pkg.star import *
            from helpers.fakes import FakeConnection as _FakeConnection

            x = 1


            class FakeConnection(_FakeConnection):
                y: int = 0
                p = 1; q = 2

                class Inner:
                    pass


            print(a, os)
            """),
        id="residual-drops-import-names-keeps-relative-and-star",
    ),
    pytest.param(
        src("""\
            import json

            class FakeConnection: x = json
            """),
        (edit(3, RESIDUAL),),
        src("""\
            from helpers.fakes import FakeConnection as _FakeConnection

            class FakeConnection(_FakeConnection): x = json
            """),
        id="residual-one-line-body-kept-as-is",
    ),
]


@pytest.mark.parametrize(("before", "edits", "after"), CHANGED_CASES)
def test_changed(before: bytes, edits: tuple[ClassEdit, ...], after: bytes) -> None:
    result = rewrite_source(before, edits)
    assert result.reason == ""
    assert result.status is RewriteStatus.CHANGED
    assert result.source.decode() == after.decode()
    assert result.applied == tuple(edits)
    again = rewrite_source(result.source, edits)
    assert again.status is RewriteStatus.UNCHANGED
    assert again.source == result.source


SKIPPED_CASES = [
    pytest.param(
        src("""\
            def test():
                class FakeConnection:
                    pass
            """),
        (edit(2),),
        "not at module level",
        id="class-in-function",
    ),
    pytest.param(
        src("""\
            import sys
            if sys.version_info > (3,):
                class FakeConnection:
                    pass
            """),
        (edit(3),),
        "not at module level",
        id="class-in-if-block",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass

            FakeConnection = wrap(FakeConnection)
            """),
        (edit(1),),
        "also bound at line 4",
        id="name-rebound-by-assignment",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass

            class FakeConnection:
                pass
            """),
        (edit(1),),
        "also bound at line 4",
        id="second-definition-not-edited",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass

            def reset():
                global FakeConnection
                FakeConnection = None
            """),
        (edit(1),),
        "declared global at line 5",
        id="global-declaration",
    ),
    pytest.param(
        src("""\
            import sys

            class FakeConnection:
                pass

            cls = getattr(sys.modules[__name__], "FakeConnection")
            """),
        (edit(3),),
        "looked up by a string at line 6",
        id="getattr-by-string",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass

            cls = globals()["FakeConnection"]
            """),
        (edit(1),),
        "looked up by a string at line 4",
        id="globals-subscript",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass

            cls = eval(name)
            """),
        (edit(1),),
        "eval/exec at line 4",
        id="eval",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass

            conn = FakeConnection()
            """),
        (edit(1, import_as="Conn"),),
        "used elsewhere in the module",
        id="import-as-would-unbind-uses",
    ),
    pytest.param(
        src("""\
            Base = object

            class FakeConnection:
                pass
            """),
        (edit(3, RESIDUAL, name="Base"),),
        "Base is already bound at line 1",
        id="residual-base-name-taken",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass
            """),
        (edit(1, RESIDUAL, import_as="FakeConnection"),),
        "would shadow the residual class",
        id="residual-import-as-own-name",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass
            """),
        (edit(1, module="not a module"),),
        "invalid edit",
        id="invalid-module-name",
    ),
    pytest.param(
        src("""\
            class Other:
                pass
            """),
        (edit(1),),
        "class FakeConnection not found",
        id="class-missing",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass

            class FakeConnection:
                pass
            """),
        (edit(9),),
        "defined at lines 1, 4, none at line 9",
        id="ambiguous-line",
    ),
    pytest.param(
        src("""\
            class FakeConnection:
                pass
            """),
        (edit(1), edit(1, ALIAS, name="Other")),
        "two different edits",
        id="conflicting-edits",
    ),
    pytest.param(
        b"class FakeConnection(:\n    pass\n",
        (edit(1),),
        "1:22: syntax error",
        id="syntax-error",
    ),
    pytest.param(
        b"# -*- coding: klingon -*-\nclass FakeConnection:\n    pass\n",
        (edit(2),),
        "syntax error",
        id="unknown-encoding",
    ),
    pytest.param(
        b"class FakeConnection:\n    x = '\xff'\n",
        (edit(1),),
        "syntax error",
        id="invalid-utf8",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\x00",
        (edit(1),),
        "1:1: ",
        id="null-byte",
    ),
]


SKIPPED_CASES += [
    pytest.param(
        b"class FakeConnection:\n    pass\n\nfor FakeConnection in []:\n    pass\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-for-target",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\nwith open('x') as FakeConnection:\n    pass\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-with-target",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\ntry:\n    pass\nexcept Exception as FakeConnection:\n    pass\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-except-name",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\nimport other as FakeConnection\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-import-as",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\nif (FakeConnection := 1):\n    pass\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-walrus",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\nmatch 1:\n    case FakeConnection:\n        pass\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-match-capture",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\nmatch []:\n    case [*FakeConnection]:\n        pass\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-match-star",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\nmatch {}:\n    case {**FakeConnection}:\n        pass\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-match-mapping-rest",
    ),
    pytest.param(
        b"class FakeConnection:\n    pass\n\nasync def FakeConnection():\n    pass\n\nf = lambda: [i for i in range(3)], {i for i in ()}, {i: i for i in ()}, (i for i in ())\n",
        (edit(1),),
        "also bound at line",
        id="rebound-by-function-named-alike",
    ),
]


@pytest.mark.parametrize(("before", "edits", "reason"), SKIPPED_CASES)
def test_skipped(before: bytes, edits: tuple[ClassEdit, ...], reason: str) -> None:
    result = rewrite_source(before, edits)
    assert result.status is RewriteStatus.SKIPPED
    assert reason in result.reason
    assert result.source == before


UNCHANGED_CASES = [
    pytest.param(src("x = 1\n"), (), id="no-edits"),
    pytest.param(
        src("""\
            from helpers.fakes import FakeConnection

            conn = FakeConnection()
            """),
        (edit(3),),
        id="already-replaced",
    ),
    pytest.param(
        src('''\
            from helpers.fakes import FakeConnection as _FakeConnection

            class FakeConnection(_FakeConnection):
                """Doc."""
                def kept(self):
                    pass
            '''),
        (edit(3, RESIDUAL, keep=("kept",)),),
        id="already-residual",
    ),
]


@pytest.mark.parametrize(("before", "edits"), UNCHANGED_CASES)
def test_unchanged(before: bytes, edits: tuple[ClassEdit, ...]) -> None:
    result = rewrite_source(before, edits)
    assert result.status is RewriteStatus.UNCHANGED
    assert result.source == before


def test_line_number_may_shift_when_the_name_is_defined_once() -> None:
    before = src("import os\n\n\nclass FakeConnection:\n    pass\n")
    result = rewrite_source(before, [edit(1)])
    assert result.status is RewriteStatus.CHANGED


def test_result_lists_added_and_removed_imports() -> None:
    before = src("""\
        import json
        from helpers.fakes import FakeConnection as _FakeConnection


        class FakeConnection:
            def f(self):
                return json
        """)
    result = rewrite_source(before, [edit(5, RESIDUAL)])
    assert result.added_imports == ()
    assert result.removed_imports == ("import json",)
    replaced = rewrite_source(src("class FakeConnection:\n    pass\n"), [edit(1, ALIAS, name="X")])
    assert replaced.added_imports == ("from helpers.fakes import X as FakeConnection",)


def golden_cases() -> list[Path]:
    return sorted(DATA.glob("*.py"))


def split_golden(data: bytes) -> tuple[bytes, bytes | None]:
    """Input, then a ``# output`` line, then the expected output; no marker: unchanged."""
    for marker in (b"# output\r\n", b"# output\n"):
        if marker in data:
            before, _, after = data.partition(marker)
            return before, after
    return data, None


def golden_edits(before: bytes) -> list[ClassEdit]:
    """Each golden input names its edit on a comment line:
    ``# edit: ACTION Class@line module:Name[kept,members]``."""
    edits = []
    for line in before.splitlines():
        _, marker, spec = line.decode("latin-1").partition("# edit: ")
        if not marker:
            continue
        action, target, canonical = spec.split()
        class_name, _, lineno = target.partition("@")
        module, _, name = canonical.partition(":")
        name, _, members = name.partition("[")
        keep = tuple(filter(None, members.rstrip("]").split(",")))
        edits.append(ClassEdit(class_name, int(lineno), EditAction(action), module, name, keep))
    return edits


@pytest.mark.parametrize("path", golden_cases(), ids=lambda path: path.stem)
def test_golden(path: Path) -> None:
    before, after = split_golden(path.read_bytes())
    result = rewrite_source(before, golden_edits(before))
    if after is None:
        assert result.status is not RewriteStatus.CHANGED
        assert result.source == before
        return
    assert result.status is RewriteStatus.CHANGED, result.reason
    assert result.source == after
    assert rewrite_source(result.source, golden_edits(before)).status is RewriteStatus.UNCHANGED


def test_golden_files_are_present() -> None:
    assert {path.stem for path in golden_cases()} >= {"crlf", "bom", "tabs", "latin1"}
