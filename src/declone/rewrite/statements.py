"""Statement-level edits of a LibCST body, shared by the class and import removals.

A body is a module's or a block's list of statements; its footer holds the blank and comment
lines after the last one. Each edit takes both and returns both, so that a statement removed
at the end hands its comments to the footer.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

__all__ = ["Body", "Lines", "Operation", "Statement", "import_positions", "remove_statement"]

Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
Body = list[Statement]
Lines = list[cst.EmptyLine]


class Operation:
    """One edit of the statement at ``position``; edits are applied from the last up."""

    def apply(
        self, module: cst.Module, body: Body, footer: Lines, position: int
    ) -> tuple[Body, Lines]:
        raise NotImplementedError


def import_positions(body: Sequence[cst.BaseStatement]) -> list[int]:
    """Body position of each import statement, in source order (as ``ast`` lists them:
    ``import a; import b`` is two imports on one line)."""
    positions: list[int] = []
    for position, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine):
            positions.extend(
                position
                for small in statement.body
                if isinstance(small, cst.Import | cst.ImportFrom)
            )
    return positions


def remove_statement(body: Body, footer: Lines, position: int) -> tuple[Body, Lines]:
    """Delete ``body[position]`` with its attached comments; keep the larger gap."""
    removed = body[position]
    leading = list(removed.leading_lines)
    last_blank = max((i for i, line in enumerate(leading) if line.comment is None), default=-1)
    detached = leading[: last_blank + 1]
    gap_before = _trailing_blanks(detached)
    kept_comments = detached[: len(detached) - len(gap_before)]
    body = list(body)
    del body[position]
    if position < len(body):
        following = list(body[position].leading_lines)
        gap_after = _leading_blanks(following)
        gap = gap_before if len(gap_before) > len(gap_after) else gap_after
        new_leading = [*kept_comments, *gap, *following[len(gap_after) :]]
        body[position] = body[position].with_changes(leading_lines=new_leading)
        return body, footer
    # The last statement: the blank lines above it would now trail the block or the file.
    return body, [*kept_comments, *footer]


def _trailing_blanks(lines: Lines) -> Lines:
    count = 0
    while count < len(lines) and lines[len(lines) - 1 - count].comment is None:
        count += 1
    return lines[len(lines) - count :]


def _leading_blanks(lines: Lines) -> Lines:
    count = 0
    while count < len(lines) and lines[count].comment is None:
        count += 1
    return lines[:count]
