"""The per-scope summary of a family consolidated scope by scope (``--extract-to
'{scope}/...'``): one row per import scope, what is planned there and where its canonical is."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from declone.cli import output
from declone.plan import PreparedPlans, scope_rows

__all__ = ["print_scope_summary", "scope_table"]


def scope_table(prepared: PreparedPlans) -> Table:
    table = Table(title="Scopes", title_justify="left", header_style="bold")
    table.add_column("scope", overflow="fold")
    table.add_column("copies", justify="right")
    table.add_column("planned", justify="right")
    table.add_column("skipped", justify="right")
    table.add_column("canonical", overflow="fold")
    for row in scope_rows(prepared):
        table.add_row(
            escape(row.scope or "."),
            str(row.copies),
            str(row.planned),
            str(row.skipped),
            escape(_within(row.canonical, row.scope) or row.note),
        )
    return table


def print_scope_summary(prepared: PreparedPlans) -> None:
    """The table on stdout, then one line of totals on stderr."""
    rows = scope_rows(prepared)
    output.stdout().print(scope_table(prepared))
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
