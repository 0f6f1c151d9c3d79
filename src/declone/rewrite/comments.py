"""Comments a removed copy would take with it: those its canonical does not have.

A copy that is replaced by an import loses its comments. :func:`comments_only_in_copy` lists
the ones worth a look: a comment whose text (without ``#``, whitespace collapsed) is also a
comment of the canonical is not lost, and empty comments and tool directives (``# noqa``, ``# type: ignore``,
``# pragma: no cover``, ``# fmt: off``, ``# pylint: ...``) say nothing to a reader.

Pure: two class sources in, ``(line, text)`` pairs out; never raises for bad input (a
source that does not tokenize yields the comments before the error).
"""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
from typing import NamedTuple

__all__ = ["CopyComment", "comments_only_in_copy"]

_DIRECTIVE = re.compile(
    r"^(noqa\b|type:\s*ignore\b|pragma:|fmt:|isort:|pylint:|mypy:|pyright:|ruff:|nosec\b)",
    re.IGNORECASE,
)


class CopyComment(NamedTuple):
    #: Line in the copy's file.
    line: int
    #: The comment as written: ``# duplicated on purpose``.
    text: str


def comments_only_in_copy(
    copy_source: str, canonical_source: str, *, start_line: int = 1
) -> tuple[CopyComment, ...]:
    """The comments of ``copy_source`` (a class whose first line is line ``start_line`` of
    its file) that ``canonical_source`` does not have, in source order."""
    known = {_normalised(text) for _, text in _comments(canonical_source)}
    return tuple(
        CopyComment(start_line + offset - 1, text)
        for offset, text in _comments(copy_source)
        if _worth_listing(_normalised(text), known)
    )


def _worth_listing(text: str, known: set[str]) -> bool:
    return bool(text) and text not in known and not _DIRECTIVE.match(text)


def _normalised(comment: str) -> str:
    return " ".join(comment.lstrip("#").split())


def _comments(source: str) -> list[tuple[int, str]]:
    """``(line within source, comment)`` for every comment token, in order."""
    found: list[tuple[int, str]] = []
    # A nested class's source is indented; tokenize wants it at the margin.
    tokens = tokenize.generate_tokens(io.StringIO(textwrap.dedent(source)).readline)
    try:
        for token in tokens:
            if token.type == tokenize.COMMENT:
                found.append((token.start[0], token.string.rstrip()))
    except (tokenize.TokenError, SyntaxError):
        pass
    return found
