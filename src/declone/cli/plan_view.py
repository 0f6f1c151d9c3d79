"""Terminal views of a plan and of a migration: the per-copy table, diffs, summaries."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from declone.cli import output
from declone.migrate import BatchOutcome, Selection
from declone.plan import Action, FileChange, Plan, PreparedPlan, unified_diff

__all__ = ["plan_table", "print_diffs", "print_migration_summary", "print_plan"]

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


def print_migration_summary(
    prepared: PreparedPlan,
    selection: Selection,
    outcomes: Sequence[BatchOutcome],
    *,
    dry_run: bool,
    run_id: str | None = None,
) -> None:
    """What a migration did (or, with ``dry_run``, would do), on stderr."""
    plan = prepared.plan
    assert plan is not None
    counts = plan.counts()
    shown = ", ".join(f"{count} {action}" for action, count in counts.items() if count)
    verb = "would change" if dry_run else "changed"
    created = [c.path for c in selection.to_write if c.created]
    written: Sequence[str] = [c.path for c in selection.to_write if not c.created]
    if outcomes:
        # What stayed written: not refused by the journal, not rolled back after its batch.
        written = [path for o in outcomes for path in o.written if path not in created]
    output.info(f"{plan.family} -> {plan.canonical.reference}: {shown}")
    extra = f", {'would create' if dry_run else 'created'} {', '.join(created)}" if created else ""
    output.info(f"{len(written)} files {verb}{extra}" + (f" in run {run_id}" if run_id else ""))
    for entry in plan.skipped:
        output.warn(f"{entry.location}: skipped {entry.class_name}: {entry.reason}")
    for change in selection.failed:
        output.warn(f"{change.path}: not migrated: {change.reason}")
    for outcome in outcomes:
        for path, reason in outcome.refused:
            output.warn(f"{path}: not written: {reason}")
        for path in outcome.rolled_back:
            output.warn(f"{path}: rolled back after its batch")
    if selection.deferred:
        output.info(f"{len(selection.deferred)} files left for a later run (--paths / --max-files)")
    commits = [o.commit for o in outcomes if o.commit]
    if commits:
        output.info(f"{len(commits)} commits: {', '.join(c[:10] for c in commits)}")
    if run_id and not dry_run:
        output.info(f"undo with: declone rollback {run_id}")
