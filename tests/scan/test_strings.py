from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declone.scan.strings import StringClass, find_classes_in_strings


def found(text: str) -> list[tuple[str, int]]:
    tree = ast.parse(text)
    return [(hit.name, hit.lineno) for hit in find_classes_in_strings("t.py", text, tree)]


CASES = [
    pytest.param(
        '''\
        def make():
            """Build a double.

            Example::

                class FakeConnection(Base):
                    pass
            """
        ''',
        [("FakeConnection", 6)],
        id="docstring-example",
    ),
    pytest.param(
        """\
        TEMPLATE = '''
        import pytest

        class TestWebSocketConnection:
            def __init__(self):
                self.messages = []
        '''
        """,
        [("TestWebSocketConnection", 4)],
        id="triple-quoted-template",
    ),
    pytest.param(
        '''\
        def render(base):
            return f"""
        class Generated({base}):
            value = {1 + 1}
        class Second:
            pass"""
        ''',
        [("Generated", 3), ("Second", 5)],
        id="f-string",
    ),
    pytest.param(
        '''\
        SOURCE = b"""
        class NotText:
            pass
        """
        ''',
        [],
        id="bytes-not-counted",
    ),
    pytest.param(
        '''\
        DOC = """
        A subclass Helper, and the class Base
        >>> class Doctest:
        ...     pass
        # class Commented:
        """
        ONE_LINE = "class Inline: pass"
        ESCAPED = "\\nclass Escaped:"
        ''',
        [],
        id="class-not-at-a-line-start",
    ),
    pytest.param(
        """\
        OUTER = '''
        x = "class A"
        code = \"\"\"
        class Inner:
            pass
        \"\"\"
        '''
        SINGLE = ('first line '
        "class Between"
        '''
        class Third:
        ''')
        """,
        [("Inner", 4), ("Third", 11)],
        id="nested-quotes",
    ),
    pytest.param(
        '''\
        class Live:
            """A live class; its own line is not in a string."""

            class Nested:
                source = """
                class InString:
                """
        # class Commented:
        ''',
        [("InString", 6)],
        id="live-and-commented-classes-not-counted",
    ),
    pytest.param(
        '''\
        @register("""
        class InDecorator:
        """)
        class Live(Base, doc="""
        class InKeyword:
        """):
            def method(self, default="""
        class InDefault:
        """):
                return [x for x in ["""
        class InComprehension:
        """]]
        @register("""
        class OnlyInDecorator:
        """)
        def plain():
            pass
        ''',
        [
            ("InDecorator", 2),
            ("InKeyword", 5),
            ("InDefault", 8),
            ("InComprehension", 11),
            ("OnlyInDecorator", 14),
        ],
        id="decorators-keywords-defaults-comprehensions",
    ),
    pytest.param(
        'X = """\r\nclass CrLf:\r\n"""\r\nclass Live:\r\n    pass\r\n',
        [("CrLf", 2)],
        id="crlf",
    ),
    pytest.param(
        'X = """\n\tclass Tabbed:\n\f class FormFeed:\n"""\n',
        [("Tabbed", 2), ("FormFeed", 3)],
        id="tabs-and-form-feed",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_classes_in_strings(source: str, expected: list[tuple[str, int]]) -> None:
    assert found(textwrap.dedent(source)) == expected


def test_hits_carry_the_path_and_come_in_line_order() -> None:
    text = 'A = """\nclass B:\n"""\nC = """\nclass D:\n"""\n'
    assert find_classes_in_strings("pkg/m.py", text, ast.parse(text)) == (
        StringClass("B", "pkg/m.py", 2),
        StringClass("D", "pkg/m.py", 5),
    )


def test_a_file_without_class_lines_is_not_walked() -> None:
    class Unwalkable(ast.Module):
        @property
        def body(self) -> list[ast.stmt]:  # type: ignore[override]
            raise AssertionError("walked")

    assert find_classes_in_strings("t.py", "x = 'class A'\n", Unwalkable()) == ()


# The tokenizer's string tokens say where literals are: the reference to check against.

_CLASS_AT_LINE_START = re.compile(r"[ \t\f]*class[ \t]+([^\W\d]\w*)")


def _reference(text: str) -> list[tuple[str, int]]:
    """The lines after a text literal's first line and up to its last that start with
    ``class NAME``, by the tokenizer's string tokens (bytes excluded)."""
    lines = re.split(r"\r\n|\r|\n", text)
    rows: set[int] = set()
    fstring_starts: list[tokenize.TokenInfo] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == getattr(tokenize, "FSTRING_START", None):
            fstring_starts.append(token)
            continue
        if token.type == getattr(tokenize, "FSTRING_END", None):
            first = fstring_starts.pop().start[0]
        elif token.type == tokenize.STRING and "b" not in _string_prefix(token.string):
            first = token.start[0]
        else:
            continue
        rows.update(range(first + 1, token.end[0] + 1))
    hits = []
    for row in sorted(rows):
        match = _CLASS_AT_LINE_START.match(lines[row - 1])
        if match:
            hits.append((match.group(1), row))
    return hits


def _string_prefix(token: str) -> str:
    return token[: min(i for i in (token.find("'"), token.find('"')) if i >= 0)].lower()


statements = st.sampled_from(
    [
        'X = """\nclass InString:\n    pass\n"""',
        "Y = b'''\nclass InBytes:\n'''",
        "Z = f'''{1}\nclass InF{2}:\n'''",
        'W = ("a"\n     """\n  class Joined:\n""")',
        'def f():\n    """Doc.\n\n        class Example:\n    """\n    return 1',
        "class Live:\n    value = '''\n    class InLive:\n    '''",
        "class Plain:\n    pass",
        '@deco("""\nclass InDeco:\n""")\ndef g():\n    pass',
        "V = 'class NotAtStart'",
        "# class Commented:",
        "",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(statements, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_agrees_with_the_tokenizer(pieces: list[str], newline: str) -> None:
    text = newline.join(piece.replace("\n", newline) for piece in [*pieces, ""])
    assert found(text) == _reference(text)
