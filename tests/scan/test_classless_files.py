"""Files without the word ``class`` are checked for syntax without a syntax tree.

Such a file can hold neither a class statement nor a commented-out one, so all a scan learns
from it is whether it parses; the symbol table builder tells that at a fraction of the cost
of ``ast.parse``. These tests hold the shortcut to the parse's verdict: every file gets the
record it would get from the parse, whatever the word does to the path it takes.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from declone.config import PytestConfig
from declone.model import FileProblem, FileRecord
from declone.scan.parsing import extract_file, extract_source

DEFAULT = PytestConfig()

# Appended to a text, this puts the word in it without changing whether (or where) it
# parses: the text then takes the path of a full parse.
_THE_WORD = "\n# a class\n"


def _as_parsed(path: str, text: str) -> FileRecord:  # not for nesting: a frame deeper
    """The record of ``text`` made through a full parse of it."""
    record = extract_source(path, text + _THE_WORD, DEFAULT)
    assert not record.classes
    assert not record.commented
    return record


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("import os\n\n\ndef f(x):\n    return os.path.join(x, 'y')\n", id="plain"),
        pytest.param("", id="empty"),
        pytest.param("x = 1\r\ny = [\r\n    2,\r\n]\r\n", id="crlf"),
        # Rejected by both, read by LibCST's parser, as before.
        pytest.param("\ufeffx = 1\n", id="bom-in-text"),
        # Accepted by the parser, rejected by the symbol table: no problem either way.
        pytest.param("nonlocal x\n", id="nonlocal-at-module-level"),
        pytest.param("def f(a, a):\n    pass\n", id="duplicate-parameter"),
        pytest.param("from __future__ import braces\n", id="future-braces"),
        pytest.param("def f():\n    from os import *\n", id="star-import-in-function"),
        pytest.param("x: int = 1\nglobal x\n", id="annotated-global"),
        pytest.param("return 1\nyield 2\nawait x\n", id="outside-function"),
    ],
)
def test_a_file_without_classes_that_parses_has_no_problem(text: str) -> None:
    record = extract_source("pkg/mod.py", text, DEFAULT)
    assert record.problem is None
    assert record.classes == ()
    assert record == _as_parsed("pkg/mod.py", text)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        pytest.param("def f(:\n    pass\n", 1, "syntax error: invalid syntax", id="syntax"),
        pytest.param("x = 1\nif x:\ny = 2\n", 3, "syntax error: expected an indented block after 'if' statement on line 2", id="indentation"),
        pytest.param("f(**a, *b)\n", 1, "syntax error: iterable argument unpacking follows keyword argument unpacking", id="unpacking"),
        pytest.param("x = (" * 250 + "1" + ")" * 250 + "\n", 1, "syntax error: too many nested parentheses", id="parentheses"),
    ],
)  # fmt: skip
def test_a_file_without_classes_that_does_not_parse_has_the_parsers_problem(
    text: str, line: int, reason: str
) -> None:
    record = extract_source("pkg/mod.py", text, DEFAULT)
    assert record.problem == FileProblem(
        "pkg/mod.py", line, f"{reason}; fix it or exclude the file"
    )
    assert record == _as_parsed("pkg/mod.py", text)


_DEEP: dict[str, Callable[[int], str]] = {
    "sum": lambda depth: "x = " + "+".join(["1"] * depth),
    "attributes": lambda depth: "x = a" + ".b" * depth,
    "calls": lambda depth: "x = f" + "()" * depth,
    "negations": lambda depth: "x = " + "-" * depth + "1",
    "lambdas": lambda depth: "x = " + "lambda: " * depth + "1",
    "powers": lambda depth: "x = " + "**".join(["2"] * depth),
}


@pytest.mark.parametrize("shape", sorted(_DEEP))
def test_nesting_near_the_recursion_limit_gets_the_parsers_verdict(shape: str) -> None:
    """Around the depth where the parse gives up, the shortcut never accepts a file that
    the parse would report as too deeply nested: the two limits are close, not equal. (The
    limit depends on how deep the caller's stack is: it is found here, not assumed, and
    both paths are called from this frame.)"""
    verdicts = {}
    for depth in range(1, 4000, 40):
        text = _DEEP[shape](depth) + "\n"
        verdicts[depth] = extract_source("deep.py", text + _THE_WORD, DEFAULT).problem is None
    deepest = max(depth for depth, parsed in verdicts.items() if parsed)
    assert not verdicts[deepest + 40]  # the parse does give up in the range
    for depth in range(deepest - 10, deepest + 50):
        text = _DEEP[shape](depth) + "\n"
        full = extract_source("deep.py", text + _THE_WORD, DEFAULT)
        shortcut = extract_source("deep.py", text, DEFAULT)
        assert (shortcut.problem, shortcut.parsed_by_fallback) == (
            full.problem,
            full.parsed_by_fallback,
        ), depth


def test_a_commented_out_class_still_takes_the_full_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = b"x = 1\n# class Old:\n#     def f(self):\n#         return 1\n"
    record = extract_file("old.py", data, DEFAULT)
    assert [(c.name, c.lineno, c.end_lineno) for c in record.commented] == [("Old", 2, 4)]


def test_a_classless_file_keeps_its_digest_and_backup_flag() -> None:
    record = extract_file("old.py.bak", b"x = 1\n", DEFAULT, is_backup=True)
    assert record.is_backup
    assert record.problem is None
    assert record.digest
    assert record.classes == ()
    assert record.commented == ()
