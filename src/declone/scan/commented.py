"""Class definitions commented out line by line: reported apart, never counted as live copies.

Code is disabled with a prefix that is the same on every line: ``# class X:``, ``#class X:``,
``##  class X:``, ``#> class X:``, ``# TODO: class X:``, ``# REMOVED_SYNTAX_ERROR: class X:``.
The prefix is learned from the ``class`` line and removed from the lines after it that carry
it; the block counts only when what is left parses as a class statement with a body.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator

from declone.model import CommentedCopy

__all__ = ["find_commented_classes"]

# A commented ``class`` line from its ``#`` on: the prefix is a ``#``, any run of ``#``, ``>``,
# spaces and tabs, and at most one marker word with its colon (``TODO:``). The leading ``#``
# is a literal, so one search of the whole text rules out most files quickly.
_CLASS_LINE = re.compile(r"(?P<prefix>#[#> \t]*+(?:\w++:[ \t]*+)?)class[ \t]+(?P<name>\w+)")
# Whitespace that may stand before the ``#``: the line's own indentation, not part of the prefix.
_INDENT = " \t\f"


def find_commented_classes(path: str, text: str) -> Iterator[CommentedCopy]:
    """Class definitions commented out line by line, under the same prefix on every line.

    A commented block counts only when, uncommented, it parses as a class with a body: prose
    that mentions "class" does not. Lines are numbered as the parser numbers them.
    """
    if _CLASS_LINE.search(text) is None:
        return
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    lineno, counted_to, resume = 1, 0, 1
    for match in _CLASS_LINE.finditer(text):
        start = match.start()
        lineno += text.count("\n", counted_to, start)
        counted_to = start
        line_start = text.rfind("\n", 0, start) + 1
        if lineno < resume or text[line_start:start].strip(_INDENT):
            continue  # inside a block already reported, or code before the ``#``
        length = _class_length(lines, lineno - 1, match.group("prefix"))
        if length:
            yield CommentedCopy(match.group("name"), path, lineno, lineno + length - 1)
            resume = lineno + length


def _class_length(lines: list[str], index: int, prefix: str) -> int:
    """How many lines from ``lines[index]`` (a commented ``class`` line) make the class; 0 when,
    uncommented, they are not a class statement.

    The block runs while the lines carry ``prefix`` after their indentation (or are blank
    comments); the class in it ends at the first line indented less than its body, so a long
    commented block costs one parse.
    """
    bare = prefix.rstrip()
    block = [_uncommented(lines[index], prefix, bare) or ""]
    class_indent = _indent(block[0])
    body_indent = None
    length = 1
    for position in range(index + 1, len(lines)):
        code = _uncommented(lines[position], prefix, bare)
        if code is None:
            break
        block.append(code)
        if not code.strip():
            continue
        indent = _indent(code)
        if body_indent is None:
            if indent <= class_indent:
                break
            body_indent = indent
        elif indent < body_indent:
            break
        length = len(block)
    source = textwrap.dedent("\n".join(block[:length]))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return 0
    return length if tree.body and isinstance(tree.body[0], ast.ClassDef) else 0


def _uncommented(line: str, prefix: str, bare: str) -> str | None:
    """``line`` without ``prefix``, keeping the indentation before and after it; ``""`` for
    the bare prefix or an empty comment (a blank line); ``None`` if it does not carry it."""
    rest = line.lstrip(_INDENT)
    if rest.startswith(prefix):
        return line[: len(line) - len(rest)] + rest[len(prefix) :]
    if rest.rstrip() in (bare, "#"):
        return ""
    return None


def _indent(code: str) -> int:
    return len(code) - len(code.lstrip())
