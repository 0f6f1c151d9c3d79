"""Class definitions commented out line by line: reported apart, never counted as live copies."""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterator

from declone.model import CommentedCopy

__all__ = ["find_commented_classes"]

_COMMENTED_CLASS = re.compile(r"^[ \t]*#[ \t]?(?P<indent>[ \t]*)class[ \t]+(?P<name>\w+)\b")
# Found in every line that ``_COMMENTED_CLASS`` matches: one search of the whole text rules
# out most files, instead of one match per line.
_MAYBE_COMMENTED_CLASS = re.compile(r"#[ \t]*class[ \t]+\w")


def find_commented_classes(path: str, text: str) -> Iterator[CommentedCopy]:
    """Class definitions commented out line by line (``# class X:`` followed by ``#   ...``).

    A commented block counts only when, uncommented, it parses as a class with a body: prose
    that mentions "class" does not.
    """
    if _MAYBE_COMMENTED_CLASS.search(text) is None:
        return
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _COMMENTED_CLASS.match(lines[index])
        if match is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].lstrip().startswith("#"):
            end += 1
        block = [_uncomment(line) for line in lines[index:end]]
        parsed_end = _parseable_prefix(block)
        if parsed_end:
            yield CommentedCopy(match.group("name"), path, index + 1, index + parsed_end)
            index += parsed_end
        else:
            index += 1


def _uncomment(line: str) -> str:
    stripped = line.lstrip()[1:]
    return stripped[1:] if stripped.startswith(" ") else stripped


def _parseable_prefix(block: list[str]) -> int:
    """Length of the leading part of ``block`` that is a class statement; 0 if it is not code.

    The class ends where a non-blank line is indented no deeper than the ``class`` line, so a
    long commented block costs one parse, not one per line.
    """
    indent = len(block[0]) - len(block[0].lstrip())
    length = 1
    while length < len(block):
        line = block[length]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        length += 1
    while length > 1 and not block[length - 1].strip():
        length -= 1
    source = textwrap.dedent("\n".join(block[:length]))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return 0
    return length if tree.body and isinstance(tree.body[0], ast.ClassDef) else 0
