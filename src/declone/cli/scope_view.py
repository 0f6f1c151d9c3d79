"""The per-scope summary of a family consolidated scope by scope (``--extract-to
'{scope}/...'``): one row per import scope, what is planned there and where its canonical is."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from declone.cli import output
from declone.cli.output import Column
from declone.plan import PreparedPlans, scope_rows

__all__ = ["print_scope_summary", "scope_table"]


_SCOPE_COLUMNS = (
    Column("scope", "key"),
    Column("copies", "number"),
    Column("planned", "number"),
    Column("skipped", "number"),
    Column("canonical", "text"),
)


def scope_table(prepared: PreparedPlans, width: int) -> Table:
    rows = [
        (
            escape(row.scope or "."),
            str(row.copies),
            str(row.planned),
            str(row.skipped),
            escape(_within(row.canonical, row.scope) or row.note),
        )
        for row in scope_rows(prepared)
    ]
    return output.fitted_table("Scopes", _SCOPE_COLUMNS, rows, width)


def print_scope_summary(prepared: PreparedPlans) -> None:
    """The table on stdout, then one line of totals on stderr."""
    rows = scope_rows(prepared)
    console = output.stdout()
    console.print(scope_table(prepared, console.width))
    planned = [row for row in rows if row.canonical]
    copies = sum(row.copies for row in rows)
    files = sum(row.files for row in rows)
    output.info(
        f"{output.plural(len(rows), 'scope')}, {output.plural(copies, 'copy')}: "
        f"{output.plural(len(planned), 'canonical module')}, "
        f"{output.plural(files, 'file')} would change"
    )


def _within(path: str, scope: str) -> str:
    """``path`` as seen from its scope's folder: the scope column already says where."""
    return path[len(scope) + 1 :] if scope and path.startswith(scope + "/") else path
