from __future__ import annotations

import textwrap

import pytest

from declone.rewrite.rename import RenameStatus, remove_aliases, rename_legacy_imports

LEGACY = {"MockConn", "TestConn"}


def rename(source: str) -> tuple[RenameStatus, str, str]:
    result = rename_legacy_imports(
        textwrap.dedent(source).encode(), "tests.support.conn", "Conn", LEGACY
    )
    return result.status, result.source.decode(), result.reason


CASES = [
    (
        "alias-import-and-uses",
        """\
        from tests.support.conn import Conn as MockConn

        def test_x():
            c: MockConn = MockConn()
            assert isinstance(c, MockConn)
        """,
        """\
        from tests.support.conn import Conn

        def test_x():
            c: Conn = Conn()
            assert isinstance(c, Conn)
        """,
    ),
    (
        "module-alias-name-string-annotation-subclass",
        """\
        from tests.support.conn import TestConn, other

        def make() -> "TestConn":
            return TestConn()

        class Sub(TestConn):
            pass
        """,
        """\
        from tests.support.conn import Conn, other

        def make() -> "Conn":
            return Conn()

        class Sub(Conn):
            pass
        """,
    ),
    (
        "use-before-import-and-shadowing-parameter",
        """\
        def factory():
            return MockConn()

        def ignore(MockConn):
            return MockConn

        from tests.support.conn import Conn as MockConn
        """,
        """\
        def factory():
            return Conn()

        def ignore(MockConn):
            return MockConn

        from tests.support.conn import Conn
        """,
    ),
    (
        "canonical-already-imported",
        """\
        from tests.support.conn import Conn
        from tests.support.conn import Conn as MockConn

        print(Conn, MockConn)
        """,
        """\
        from tests.support.conn import Conn

        print(Conn, Conn)
        """,
    ),
]


@pytest.mark.parametrize(
    ("before", "after"), [(b, a) for _, b, a in CASES], ids=[c[0] for c in CASES]
)
def test_rename_rewrites_import_and_every_use(before: str, after: str) -> None:
    status, output, _ = rename(before)
    assert status is RenameStatus.CHANGED
    assert output == textwrap.dedent(after)
    # Idempotent: a second pass has nothing left to do.
    assert rename(output)[0] is RenameStatus.UNCHANGED


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("from tests.support.conn import Conn as MockConn\nConn = 1\nMockConn()\n", "clash"),
        (
            "from tests.support.conn import Conn as MockConn\ndef f():\n    Conn = 2\n    return MockConn()\n",
            "local Conn in f",
        ),
        ("from tests.support.conn import Conn as MockConn\nMockConn = None\n", "bound 2 times"),
        (
            "from tests.support.conn import Conn as MockConn\nx: 'list[MockConn]' = []\n",
            "string annotation",
        ),
    ],
    ids=["global-clash", "local-clash", "rebound", "complex-string-annotation"],
)
def test_rename_refuses_clashes(source: str, reason: str) -> None:
    status, output, why = rename(source)
    assert status is RenameStatus.SKIPPED
    assert reason in why
    assert output == source


@pytest.mark.parametrize(
    "source",
    [
        "from elsewhere import Conn as MockConn\nMockConn()\n",
        "from tests.support.conn import Conn\nConn()\n",
        "from tests.support.conn import Conn as _Conn\nclass MockConn(_Conn):\n    pass\n",
        "def broken(:\n",
    ],
    ids=["other-module", "already-canonical", "residual-base", "unparseable"],
)
def test_rename_leaves_other_files_alone(source: str) -> None:
    status, output, _ = rename(source)
    assert status in (RenameStatus.UNCHANGED, RenameStatus.SKIPPED)
    assert output == source


def test_rename_keeps_crlf_and_bom() -> None:
    source = "\ufefffrom tests.support.conn import Conn as MockConn\r\nMockConn()\r\n".encode()
    result = rename_legacy_imports(source, "tests.support.conn", "Conn", LEGACY)
    assert result.source == "\ufefffrom tests.support.conn import Conn\r\nConn()\r\n".encode()


def test_remove_aliases_drops_only_unused_ones_and_their_all_entries() -> None:
    module = textwrap.dedent(
        """\
        __all__ = ["Conn", "MockConn", "TestConn"]


        class Conn:
            pass


        # Old names.
        MockConn = Conn
        TestConn = Conn
        """
    ).encode()
    partial = remove_aliases(module, "Conn", {"MockConn"})
    assert partial.source.decode() == textwrap.dedent(
        """\
        __all__ = ["Conn", "TestConn"]


        class Conn:
            pass


        # Old names.
        TestConn = Conn
        """
    )
    everything = remove_aliases(partial.source, "Conn", {"TestConn"})
    assert everything.source.decode() == '__all__ = ["Conn"]\n\n\nclass Conn:\n    pass\n'
    assert remove_aliases(everything.source, "Conn", {"TestConn"}).status is RenameStatus.UNCHANGED
    assert remove_aliases(b"def (:\n", "Conn", {"X"}).status is RenameStatus.SKIPPED
