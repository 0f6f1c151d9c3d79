"""Parsing a file around the class statements already seen: found by lines, confirmed by
the parse, and never a different answer from parsing the file as written."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from declone.config import PytestConfig
from declone.scan import classes
from declone.scan.parsing import extract_source
from declone.scan.partialparse import Span, parse_around, remembered_spans, with_placeholders

HELPER = "class Helper:\n    def __init__(self):\n        self.sent = []\n"
DECORATED = "@register(\n    'x',\n)\n# why\n@dataclass\nclass Point:\n    x: int = 0\n"
MULTI_LINE_HEADER = "class Wide(\n    Base,\n):\n    y = 2\n"


def _spans(text: str, known: set[str]) -> list[tuple[str, int]]:
    """Each span's text and first line, for texts in ``known``."""
    found = remembered_spans(text, lambda written: written if written in known else None)
    return [(text[span.start : span.end], span.line) for span in found]


def test_each_remembered_class_statement_is_found_with_its_first_line() -> None:
    text = f"import os\n\n{HELPER}\n\n# about Point\n{DECORATED}\nx = 1\n{MULTI_LINE_HEADER}"
    known = {HELPER, DECORATED, MULTI_LINE_HEADER}
    assert _spans(text, known) == [(HELPER, 3), (DECORATED, 9), (MULTI_LINE_HEADER, 18)]


def test_trailing_blank_and_comment_lines_are_left_to_what_follows() -> None:
    # As the parser ends a class: at its last statement, whatever comments come below.
    after = "    # trailing, indented\n\n# before f\n\ndef f():\n    pass\n"
    text = HELPER + after
    assert _spans(text, {HELPER}) == [(HELPER, 1)]
    spans = remembered_spans(text, lambda written: written)
    assert with_placeholders(text, spans) == "class _: pass\n\n\n" + after


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("class A: pass", ["class A: pass"], id="at-the-end-without-a-newline"),
        pytest.param(HELPER.replace("\n", "\r\n"), [HELPER.replace("\n", "\r\n")], id="crlf"),
        pytest.param(HELPER.replace("\n", "\r"), [], id="lone-cr"),
        pytest.param("@decorator\ndef f():\n    pass\n", [], id="a-decorated-function"),
        pytest.param("def f():\n    class A: pass\n", [], id="nested"),
        pytest.param("classy = 1\n", [], id="a-name-that-starts-with-class"),
    ],
)
def test_only_column_0_class_statements_are_candidates(text: str, expected: list[str]) -> None:
    every = set(expected) | {text, "class A: pass\n"}
    assert [found for found, _ in _spans(text, every)] == expected


def test_unknown_texts_are_left_and_the_lookup_is_asked_once_per_candidate() -> None:
    text = f"{HELPER}\n{DECORATED}\n{MULTI_LINE_HEADER}"
    asked: list[str] = []

    def remembered(written: str) -> str | None:
        asked.append(written)
        return None

    assert remembered_spans(text, remembered) == []
    assert asked == [HELPER, DECORATED, MULTI_LINE_HEADER]  # the decorators' class line once


def test_placeholders_keep_every_other_line_where_it_was() -> None:
    text = f"import os\n{HELPER}x = 1\n{DECORATED}"
    spans = remembered_spans(text, lambda written: written)
    assert with_placeholders(text, spans) == (
        "import os\nclass _: pass\n\n\nx = 1\nclass _: pass\n\n\n\n\n\n\n"
    )


def test_the_tree_is_the_file_s_with_placeholders_in_the_remembered_places() -> None:
    text = f"import os\n{HELPER}x = 1\n{DECORATED}"
    spans = remembered_spans(text, lambda written: "facts" if written == HELPER else None)
    parsed = parse_around("t.py", text, spans)
    assert parsed is not None
    tree, placed = parsed
    assert placed == {2: "facts"}
    assert [type(s).__name__ for s in tree.body] == ["Import", "ClassDef", "Assign", "ClassDef"]
    assert [(s.lineno, getattr(s, "name", None)) for s in tree.body] == [
        (1, None),
        (2, "_"),
        (5, None),
        (11, "Point"),
    ]


@pytest.mark.parametrize(
    ("before", "after", "as_written"),
    [
        pytest.param('s = """\n', '"""\n', "a string", id="inside-a-string"),
        pytest.param("x = 1; \\\n", "", "an error", id="after-a-semicolon-and-a-backslash"),
        pytest.param("x = (\n", ")\n", "an error", id="inside-brackets"),
        pytest.param("@decorator\n\n", "", "decorated", id="below-a-decorator"),
        pytest.param("if x:\n    pass\nelse:\n", "", "an error", id="where-a-block-is-due"),
    ],
)
def test_a_class_text_that_is_no_statement_here_is_refused(
    before: str, after: str, as_written: str
) -> None:
    text = before + HELPER + after
    spans = [Span(len(before), len(before) + len(HELPER), before.count("\n") + 1, "facts")]
    assert parse_around("t.py", text, spans) is None
    if as_written == "an error":
        with pytest.raises(SyntaxError):
            ast.parse(text)
    else:  # the text is no class statement of its own there
        statement = ast.parse(text).body[0]
        assert isinstance(statement, ast.ClassDef if as_written == "decorated" else ast.Assign)


def test_a_match_guard_cannot_take_the_placeholder_as_its_condition() -> None:
    # ``case x if 1: pass`` would parse: a placeholder that is a simple or an ``if``
    # statement could hide that the class cannot stand there.
    text = "match y:\n    case x \\\n" + HELPER
    spans = [Span(text.index("class"), len(text), 3, "facts")]
    assert parse_around("t.py", text, spans) is None
    with pytest.raises(SyntaxError):
        ast.parse(text)


# Pieces of a file: class statements that may be remembered, and what may stand around them.
_CLASSES = [HELPER, DECORATED, MULTI_LINE_HEADER, "class Tiny: pass\n", "class Tiny: pass"]
_AROUND = [
    "\n",
    "# a comment\n",
    "import os\n",
    "x = 1; \\\n",
    "y = (\n",
    ")\n",
    's = """\n',
    'class Holder:\n    TEXT = """\n',  # a class whose text holds what comes next
    '"""\n',
    "def f():\n",
    "    z = 1\n",
    "if x:\n    pass\n",
    "else:\n    pass\n",
    "@decorator\n",
    "    # indented\n",
    "\\\n",
    "match y:\n    case x \\\n",
]


def _extract_with(text: str, remembered: list[str]) -> tuple[object, ...]:
    classes.MEMO.clear()
    for number, written in enumerate(remembered):
        extract_source(f"r{number}.py", written, PytestConfig())
    record = extract_source("tests/test_t.py", text, PytestConfig())
    return (record.classes, record.problem, record.commented, record.parsed_by_fallback)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_CLASSES + _AROUND), max_size=10))
def test_remembered_classes_never_change_what_a_file_gives(pieces: list[str]) -> None:
    text = "".join(pieces)
    as_written = _extract_with(text, [])
    assert _extract_with(text, _CLASSES) == as_written
