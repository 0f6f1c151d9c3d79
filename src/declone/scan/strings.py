"""Class statements written inside string literals: a docstring's example, a code template, a
test's source string. They are text, not classes; a search of the files for ``class NAME``
finds them all the same, and this says which of its hits they are.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

__all__ = ["StringClass", "find_classes_in_strings"]

# ``class NAME``; it starts a line when only indentation stands before it. The literal ``class``
# leads the pattern, so the search skips through the text quickly.
_CLASS_NAME = re.compile(r"class[ \t]+(?P<name>[^\W\d]\w*)")
_INDENT = " \t\f"


@dataclass(frozen=True)
class StringClass:
    """``class NAME`` at the start of a line inside a string literal, at line ``lineno``."""

    name: str
    path: str
    lineno: int


def find_classes_in_strings(path: str, text: str, tree: ast.Module) -> tuple[StringClass, ...]:
    """Every line of ``text`` that starts with ``class NAME`` inside a string literal.

    ``tree`` is ``text`` parsed. Text literals count, docstrings and f-strings included;
    bytes do not. Whether a line is inside a literal is the tree's word: the lines that start
    with ``class NAME`` are listed first, and only the nodes whose lines hold one are visited,
    so a file with no such line costs one search of its text.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = _class_line_starts(text)
    if not starts:
        return ()
    linenos = sorted(starts)
    found: list[StringClass] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        span = _span(node)
        if span is not None:
            first, last = span
            held = linenos[bisect_left(linenos, first) : bisect_right(linenos, last)]
            if not held:
                continue
            if isinstance(node, ast.Constant | ast.JoinedStr):
                if isinstance(node, ast.JoinedStr) or isinstance(node.value, str):
                    # Not its first line: the opening quote stands before the line's start.
                    found.extend(
                        StringClass(starts[lineno], path, lineno)
                        for lineno in held
                        if lineno != node.lineno
                    )
                continue  # bytes are not text; an f-string's parts are its own
        stack.extend(ast.iter_child_nodes(node))
    return tuple(sorted(found, key=lambda hit: hit.lineno))


def _class_line_starts(text: str) -> dict[int, str]:
    """The lines of ``text`` that start with ``class NAME``: the name by line number."""
    starts: dict[int, str] = {}
    lineno, counted_to = 1, 0
    for match in _CLASS_NAME.finditer(text):
        start = match.start()
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip(_INDENT):
            continue
        lineno += text.count("\n", counted_to, start)
        counted_to = start
        starts[lineno] = match.group("name")
    return starts


def _span(node: ast.AST) -> tuple[int, int] | None:
    """The lines ``node`` and everything under it stand on; ``None`` for nodes without a
    position (``arguments``, ``comprehension``...): their children have one."""
    lineno = getattr(node, "lineno", None)
    end_lineno = getattr(node, "end_lineno", None)
    if lineno is None or end_lineno is None:
        return None
    decorators = getattr(node, "decorator_list", None)
    if decorators:  # they stand above the ``def`` or ``class`` line, where ``lineno`` is
        lineno = min(lineno, decorators[0].lineno)
    return lineno, end_lineno
