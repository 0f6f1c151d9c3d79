"""Parse a file without the top-level class statements whose exact text was parsed before.

Copies are what declone looks for: in a repository of pasted helpers most class statements
have been read, character for character, in an earlier file. Their facts are remembered by
that text, so parsing them again is wasted work, and in such a repository they are half of
all lines. Here each remembered class statement is replaced by a placeholder of as many
lines, ``class _: pass``, and the rest of the file is parsed as usual.

Why the result is the file's own parse, moved around: a remembered text is a whole class
statement (a parse showed it), found here by its lines alone, from a line at column 0 that
begins with ``class`` or ``@`` to the next line at column 0 that begins with code. The text
before the placeholder is the file's own, so if the parse of the whole puts a top-level
class statement at the placeholder's line, the file's tokens up to there end a statement
just as they do with the class in its place. A class statement then ends where its own
text ends (it parses alone), nothing after it can belong to it (``else`` and ``except``
continue other statements), and what follows is parsed as it would be after the class. So
the file parses if and only if this text does, with the same statements. When the check
fails (the class was inside a string, after a backslash, after a ``;``...) or the parse
raises, the caller parses the file as written.

The placeholder is itself a class statement so that it is valid exactly where a class
statement is: a simple statement such as ``pass`` would also be valid after ``x = 1; \\``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from typing import Generic, NamedTuple, TypeVar

__all__ = ["Span", "parse_around", "remembered_spans", "with_placeholders"]

_Value = TypeVar("_Value")

# A line at column 0 that begins a class statement, with ``class`` or its first decorator.
_CLASS_OR_DECORATOR = re.compile(r"\n(?=class\s|@)")
_CLASS_OR_DECORATOR_FIRST = re.compile(r"class\s|@")
_CLASS_KEYWORD = re.compile(r"class\s")
# A line at column 0 that begins code: not blank, not a comment, not indented, and not a
# closing bracket (``):`` ends many a class header that spans lines).
_CODE_AT_COLUMN_0 = re.compile(r"\n(?=[^\s#)\]}])")
_PLACEHOLDER = "class _: pass"


class Span(NamedTuple, Generic[_Value]):
    """A remembered class statement's text: ``text[start:end]``, first line ``line``."""

    start: int
    end: int
    line: int
    value: _Value


def remembered_spans(text: str, remembered: Callable[[str], _Value | None]) -> list[Span[_Value]]:
    """The top-level class statements of ``text`` whose text ``remembered`` knows, in order.

    ``remembered`` must only know texts that a parse showed to be one whole class statement.
    Lines are counted as ``\\n`` ends them, so a text with a lone ``\\r`` has none.
    """
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return []
    starts = [match.end() for match in _CLASS_OR_DECORATOR.finditer(text)]
    if _CLASS_OR_DECORATOR_FIRST.match(text):
        starts.insert(0, 0)
    spans: list[Span[_Value]] = []
    done = 0  # where the last candidate ended: its decorators and its class line are in it
    line, counted = 1, 0
    for start in starts:
        if start < done:
            continue
        end = _class_statement_end(text, start)
        if end is None:
            continue
        done = end
        value = remembered(text[start:end])
        if value is not None:
            line += text.count("\n", counted, start)
            counted = start
            spans.append(Span(start, end, line, value))
    return spans


def _class_statement_end(text: str, start: int) -> int | None:
    """Where the class statement beginning at ``start`` ends, judged by its lines: before the
    next line at column 0 that begins code and the blank lines and comments above it.
    ``None`` when the decorators at ``start`` decorate something else."""
    position = start
    while text.startswith("@", position):
        position = _next_code_line(text, position)
    if not _CLASS_KEYWORD.match(text, position):
        return None
    class_line = position
    end = _next_code_line(text, class_line)
    while True:  # the trailing blank and comment lines belong to what follows
        last_line = text.rfind("\n", class_line, end - 1) + 1
        if last_line <= class_line:
            return end
        code = text[last_line:end].strip()
        if code and not code.startswith("#"):
            return end
        end = last_line


def _next_code_line(text: str, position: int) -> int:
    found = _CODE_AT_COLUMN_0.search(text, position)
    return found.end() if found is not None else len(text)


def with_placeholders(text: str, spans: Sequence[Span[_Value]]) -> str:
    """``text`` with each span replaced by a placeholder on as many lines."""
    pieces: list[str] = []
    previous = 0
    for span in spans:
        pieces.append(text[previous : span.start])
        pieces.append(_PLACEHOLDER + "\n" * text.count("\n", span.start, span.end))
        previous = span.end
    pieces.append(text[previous:])
    return "".join(pieces)


def parse_around(
    path: str, text: str, spans: Sequence[Span[_Value]]
) -> tuple[ast.Module, dict[int, _Value]] | None:
    """``text`` parsed with a placeholder for each span, and the spans' values by their first
    line (where their placeholder stands in the tree's body); ``None`` when that text does
    not parse or a placeholder is not a top-level statement of its own."""
    try:
        tree = ast.parse(with_placeholders(text, spans), filename=path)
    except (SyntaxError, ValueError):
        return None  # the caller's parse of the text as written says what is wrong
    placed = {span.line: span.value for span in spans}
    # A class statement at a placeholder's line is the placeholder (the line is its text). A
    # decorator above it would decorate the class it stands for, whose facts know of none.
    confirmed = sum(
        1
        for statement in tree.body
        if statement.__class__ is ast.ClassDef
        and statement.lineno in placed
        and not statement.decorator_list
    )
    return (tree, placed) if confirmed == len(placed) else None
