"""Terminal views of a plan and of a migration: the per-copy table, diffs, summaries."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from declone import output
from declone.migration import FileChange, unified_diff
from declone.plan import Action, Plan

__all__ = ["plan_table", "print_diffs", "print_plan"]

_STYLES = {
    Action.REPLACE: "green",
    Action.ALIAS: "green",
    Action.RESIDUAL: "cyan",
    Action.SKIP: "yellow",
    Action.CANONICAL: "bold",
    Action.DONE: "dim",
}


def plan_table(plan: Plan) -> Table:
    canonical = plan.canonical
    table = Table(
        title=f"Plan for {plan.family} -> {canonical.reference}",
        title_justify="left",
        header_style="bold",
    )
    table.add_column("file")
    table.add_column("line", justify="right")
    table.add_column("class")
    table.add_column("action")
    table.add_column("reason")
    for entry in plan.entries:
        style = _STYLES[entry.action]
        table.add_row(
            escape(entry.path),
            str(entry.lineno),
            escape(entry.class_name),
            f"[{style}]{entry.action.value}[/]",
            escape(entry.reason),
        )
    return table


def print_plan(plan: Plan, writes_module: bool) -> None:
    output.stdout().print(plan_table(plan))
    canonical = plan.canonical
    if writes_module and canonical.path is not None:
        output.info(f"migrate writes the canonical module {canonical.path} ({canonical.module})")
    for condition in plan.conditions:
        output.warn(condition)
    counts = plan.counts()
    shown = ", ".join(f"{count} {action}" for action, count in counts.items() if count)
    output.info(f"{len(plan.entries)} copies: {shown}; {len(plan.files)} files would change")


def print_diffs(changes: Sequence[FileChange]) -> None:
    """Unified diffs on stdout, coloured when stdout is a terminal."""
    console = output.stdout()
    text = "".join(unified_diff(change) for change in changes)
    if not text:
        return
    if console.is_terminal:
        console.print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    for change in changes:
        if not change.changed and change.reason:
            output.warn(f"{change.path}: {change.status.value}: {change.reason}")
