from __future__ import annotations

import ast
import keyword
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declone.model import CommentedCopy
from declone.scan.commented import find_commented_classes


def found(text: str) -> list[tuple[str, int, int]]:
    return [(c.name, c.lineno, c.end_lineno) for c in find_commented_classes("t.py", text)]


def dedented(text: str) -> str:
    return textwrap.dedent(text)


CASES = [
    pytest.param(
        """\
        x = 1
        # class TestWebSocketConnection:
        #     def __init__(self):
        #         self.messages = []
        #
        #     def close(self):
        #         pass
        y = 2
        """,
        [("TestWebSocketConnection", 2, 7)],
        id="hash-space",
    ),
    pytest.param(
        """\
        #class Connection:
        #    def close(self):
        #        pass
        x = 1
        """,
        [("Connection", 1, 3)],
        id="hash-no-space",
    ),
    pytest.param(
        """\
        ##  class Connection:
        ##      timeout = 5
        ##
        ##      def close(self):
        ##          pass
        """,
        [("Connection", 1, 5)],
        id="double-hash-two-spaces",
    ),
    pytest.param(
        """\
        import pytest

        # REMOVED_SYNTAX_ERROR: class TestWebSocketConnection:
        # REMOVED_SYNTAX_ERROR:     \"\"\"Real WebSocket connection for testing.\"\"\"
        # REMOVED_SYNTAX_ERROR:
        # REMOVED_SYNTAX_ERROR:     def __init__(self):
        # REMOVED_SYNTAX_ERROR:         self.messages_sent = []
        # REMOVED_SYNTAX_ERROR:         self.is_connected = True
        # REMOVED_SYNTAX_ERROR:
        # REMOVED_SYNTAX_ERROR:     async def send_json(self, message: dict):
        # REMOVED_SYNTAX_ERROR:         if not self.is_connected:
        # REMOVED_SYNTAX_ERROR:             raise RuntimeError("WebSocket is closed")
        # REMOVED_SYNTAX_ERROR:         self.messages_sent.append(message)

        # REMOVED_SYNTAX_ERROR: def test_send():
        # REMOVED_SYNTAX_ERROR:     pass
        """,
        [("TestWebSocketConnection", 3, 13)],
        id="removed-syntax-error",
    ),
    pytest.param(
        # The form such a tool really leaves: each line's indentation before the ``#``, and
        # only the first statement of the body in the block.
        """\
        # REMOVED_SYNTAX_ERROR: class TestWebSocketConnection:
            # REMOVED_SYNTAX_ERROR: \"\"\"Real WebSocket connection for testing.\"\"\"

        # REMOVED_SYNTAX_ERROR: def __init__(self):
            # REMOVED_SYNTAX_ERROR: self.messages_sent = []
        """,
        [("TestWebSocketConnection", 1, 2)],
        id="removed-syntax-error-indented-before-the-hash",
    ),
    pytest.param(
        """\
        # TODO: class MockAgent:
        # TODO:     name = "agent"
        # TODO:     def run(self):
        # TODO:         return self.name
        """,
        [("MockAgent", 1, 4)],
        id="marker-word",
    ),
    pytest.param(
        """\
        #> class MockAgent:
        #>     def run(self):
        #>         return 1
        #>
        """,
        [("MockAgent", 1, 3)],
        id="hash-angle",
    ),
    pytest.param(
        """\
        class Suite:
            def test_one(self):
                # class Inner:
                #     value = 1
                #
                #     def get(self):
                #         return self.value
                assert True
        #    class Helper:
        #        def get(self):
        #            return 2
        """,
        [("Inner", 3, 7), ("Helper", 9, 11)],
        id="method-level",
    ),
    pytest.param(
        """\
        ##  class Connection:
        ##      timeout = 5
        ##      retries = 3
        #       def close(self):
        #           pass
        """,
        [("Connection", 1, 3)],
        id="prefix-changes-halfway",
    ),
    pytest.param(
        """\
        # TODO: class Connection:
        # TODO:     timeout = 5
        # FIXME:    retries = 3
        """,
        [("Connection", 1, 2)],
        id="marker-changes-halfway",
    ),
    pytest.param(
        """\
        # class Connection:
        #     def close(self)
        #         pass
        # class Other(:
        #     pass
        # class Bare:
        x = 1
        """,
        [],
        id="does-not-parse",
    ),
    pytest.param(
        """\
        # the class below is for tests
        # class names are hard
        # Note: class attributes live on the class
        ## class of 2024: the graduates
        #> class A is a subclass of B
        x = 1  # class Inline:
        """,
        [],
        id="prose",
    ),
    pytest.param(
        "x = 1\r\n# class Connection:\r\n#     def close(self):\r\n#         pass\r\ny = 2\r\n",
        [("Connection", 2, 4)],
        id="crlf",
    ),
    pytest.param(
        "x = 1\r# class Connection:\r#     pass\ry = 2\r",
        [("Connection", 2, 3)],
        id="cr",
    ),
    pytest.param(
        "#\tclass Connection:\n#\t\tdef close(self):\n#\t\t\tpass\n"
        "\t# class Nested:\n\t# \tvalue = 1\n",
        [("Connection", 1, 3), ("Nested", 4, 5)],
        id="tabs",
    ),
    pytest.param(
        """\
        # class Plain:
        #     value = 1

        ## class Doubled:
        ##     value = 2

        # REMOVED_SYNTAX_ERROR: class Removed:
        # REMOVED_SYNTAX_ERROR:     value = 3
        class Live:
            pass
        #> class Quoted:
        #>     value = 4
        """,
        [("Plain", 1, 2), ("Doubled", 4, 5), ("Removed", 7, 8), ("Quoted", 11, 12)],
        id="plain-and-prefixed",
    ),
    pytest.param(
        """\
        # TODO: class Connection:
        # TODO:     timeout = 5
        # TODO:
        #
        # TODO:     def close(self):
        # TODO:         pass
        # TODO:
        """,
        [("Connection", 1, 6)],
        id="bare-prefix-and-empty-comment-are-blank",
    ),
    pytest.param(
        """\
        #class Connection:
        #    timeout = 5
        # Connection above is kept for reference
        """,
        [("Connection", 1, 2)],
        id="ends-before-a-line-indented-less-than-the-body",
    ),
    pytest.param(
        """\
        # class Outer:
        #     class Inner:
        #         pass
        #     value = 1
        """,
        [("Outer", 1, 4)],
        id="nested-class-reported-once",
    ),
    pytest.param(
        "# class Connection: pass\n",
        [("Connection", 1, 1)],
        id="one-line",
    ),
    pytest.param(
        # A form feed ends a line for str.splitlines, not for the parser: lines are the parser's.
        "x = 1\f# class A:\n# class B:\n#     pass\n\f# class C:\n#     pass\n",
        [("B", 2, 3), ("C", 4, 5)],
        id="form-feed",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_commented_classes(source: str, expected: list[tuple[str, int, int]]) -> None:
    assert found(dedented(source)) == expected


def test_copies_carry_the_path() -> None:
    assert list(find_commented_classes("a/b.py", "#> class A:\n#>     pass\n")) == [
        CommentedCopy("A", "a/b.py", 1, 2)
    ]


# The rule, line by line and without a regular expression, to check the search against.

_INDENT = " \t\f"


def _reference_commented(text: str) -> list[tuple[str, int, int]]:
    """A line is a commented ``class`` line when, after its indentation, it is a prefix (a
    ``#``; any run of ``#``, ``>``, spaces and tabs; at most one word of letters, digits and
    underscores with a colon and spaces or tabs after it) then ``class``, spaces or tabs and
    a name. The lines after it carry the prefix when, after their indentation, they start
    with it; the bare prefix or a lone ``#`` is a blank line. The block is the class line and
    the lines after it that carry the prefix, each without it (indentation kept, before and
    after). The class in it is its first line and the lines up to, not including, the first
    non-blank one indented no deeper than the class line (before any body) or less deep than
    the first body line, less trailing blank lines. It is a commented-out copy if that parses
    as a class statement; the search goes on after it, or after the class line if it is not.
    """
    lines = re.split(r"\r\n|\r|\n", text)  # the parser's lines
    copies = []
    index = 0
    while index < len(lines):
        head = _class_line(lines[index])
        if head is None:
            index += 1
            continue
        indentation, prefix, name = head
        block = [indentation + lines[index].lstrip(_INDENT)[len(prefix) :]]
        for line in lines[index + 1 :]:
            rest = line.lstrip(_INDENT)
            if rest.startswith(prefix):
                block.append(line[: len(line) - len(rest)] + rest[len(prefix) :])
            elif rest.rstrip() in (prefix.rstrip(), "#"):
                block.append("")
            else:
                break
        length = _class_lines(block)
        try:
            tree = ast.parse(textwrap.dedent("\n".join(block[:length])))
        except SyntaxError:
            tree = None
        if tree is not None and isinstance(tree.body[0], ast.ClassDef):
            copies.append((name, index + 1, index + length))
            index += length
        else:
            index += 1
    return copies


def _class_line(line: str) -> tuple[str, str, str] | None:
    """``(indentation, prefix, name)`` of a commented ``class`` line."""
    rest = line.lstrip(_INDENT)
    if not rest.startswith("#"):
        return None
    position = 1
    while position < len(rest) and rest[position] in "#> \t":
        position += 1
    word_end = position
    while word_end < len(rest) and (rest[word_end].isalnum() or rest[word_end] == "_"):
        word_end += 1
    if word_end > position and rest[word_end : word_end + 1] == ":":
        after_marker = word_end + 1
        while after_marker < len(rest) and rest[after_marker] in " \t":
            after_marker += 1
        name = _class_and_name(rest[after_marker:])
        if name:
            return line[: len(line) - len(rest)], rest[:after_marker], name
    name = _class_and_name(rest[position:])
    return (line[: len(line) - len(rest)], rest[:position], name) if name else None


def _class_and_name(text: str) -> str:
    """The name in ``text`` if it starts with ``class``, spaces or tabs and a name."""
    if not text.startswith("class") or text[5:6] not in (" ", "\t"):
        return ""
    after = text[5:].lstrip(" \t")
    length = 0
    while length < len(after) and (after[length].isalnum() or after[length] == "_"):
        length += 1
    return after[:length]


def _class_lines(block: list[str]) -> int:
    def depth(code: str) -> int:
        return len(code) - len(code.lstrip())

    class_depth, body_depth, length = depth(block[0]), None, 1
    for number, code in enumerate(block[1:], start=2):
        if not code.strip():
            continue
        if body_depth is None and depth(code) <= class_depth:
            break
        if body_depth is not None and depth(code) < body_depth:
            break
        body_depth = depth(code) if body_depth is None else body_depth
        length = number
    return length


comment_pieces = st.sampled_from(
    [
        "#",
        "# ",
        "##",
        "#>",
        "# TODO: ",
        ">",
        " ",
        "\t",
        "\f",
        "class",
        " A",
        "Bé",
        ":",
        "class A:",
        "class Bé(A):",
        " pass",
        "    pass",
        "x = 1",
        "\n",
        "\n",
        "\r\n",
        "\r",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(comment_pieces, max_size=20))
def test_commented_class_search_agrees_with_line_by_line(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert found(text) == _reference_commented(text)


# Any class, behind any prefix, embedded in live code: found exactly, with its lines.

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name)
)
members = st.sampled_from(
    [
        ["x = 1"],
        ['"""A docstring."""'],
        ["def method(self, value=2):", "{i}return value"],
        ["async def fetch(self):", "{i}await self.method()", "{i}return None"],
        ["class Inner:", "{i}pass"],
        ["if True:", "{i}y = 2", "else:", "{i}y = 3"],
        ["@property", "def name(self):", "{i}return 'x'"],
        [""],
    ]
)


@st.composite
def class_sources(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A class statement as lines (no indentation of its own), and its name."""
    name = draw(names)
    unit = draw(st.sampled_from(["    ", "  ", "\t"]))
    bases = draw(st.sampled_from(["", "(Base)", "(Base, metaclass=Meta)"]))
    body: list[str] = []
    for member in draw(st.lists(members, min_size=1, max_size=5)):
        body.extend(unit + line.format(i=unit) if line else "" for line in member)
    if not body[-1].strip():
        body.append(unit + "z = 0")  # a class's last line is never blank
    return name, [f"class {name}{bases}:", *body]


prefixes = st.builds(
    lambda lead, run, marker, gap: lead + "#" + run + (marker + ":" + gap if marker else ""),
    st.sampled_from(["", "    ", "\t"]),
    st.text(alphabet="#> \t", max_size=3),
    st.one_of(st.just(""), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)),
    st.text(alphabet=" \t", max_size=2),
)
live_lines = st.lists(st.sampled_from(["x = 1", "", "def f():", "    return 2", "y = [1,"]))


@settings(max_examples=300, deadline=None)
@given(
    class_sources(),
    prefixes,
    st.sampled_from(["", "    ", "\t"]),
    st.sampled_from(["full", "bare", "hash"]),
    live_lines,
    live_lines,
    st.sampled_from(["\n", "\r\n"]),
)
def test_any_class_behind_any_prefix_is_found_with_its_lines(
    source: tuple[str, list[str]],
    prefix: str,
    indentation: str,
    blank: str,
    before: list[str],
    after: list[str],
    newline: str,
) -> None:
    name, lines = source
    lead = prefix[: len(prefix) - len(prefix.lstrip(" \t"))]
    blank_line = {"full": prefix, "bare": prefix.rstrip(), "hash": lead + "#"}[blank]
    commented = [prefix + indentation + line if line else blank_line for line in lines]
    text = newline.join([*before, *commented, *after, ""])
    first = len(before) + 1
    assert found(text) == [(name, first, first + len(lines) - 1)]
