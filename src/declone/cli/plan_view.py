"""Terminal views of a plan and of a migration: the per-copy table, diffs, summaries."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence

from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from declone.cli import output
from declone.cli.output import Column
from declone.migrate import BatchOutcome, Selection
from declone.plan import Action, FileChange, Plan, Tier, unified_diff

__all__ = [
    "nothing_to_migrate",
    "plan_table",
    "print_diffs",
    "print_migration_summary",
    "print_plan",
]

_STYLES = {
    Action.REPLACE: "green",
    Action.ALIAS: "green",
    Action.RESIDUAL: "cyan",
    Action.SKIP: "yellow",
    Action.CANONICAL: "bold",
    Action.DONE: "dim",
}


_PLAN_COLUMNS = (
    Column("location", "key"),
    Column("class", "word", detail=""),
    Column("action", "word"),
    Column("tier", "word"),
    Column("reason", "text", detail=""),
)


def plan_table(plan: Plan, width: int) -> Table:
    """One row per copy, ``path:line`` first; at 80 columns the class and the reason go on a
    line under it."""
    rows = [
        (
            escape(f"{entry.path}:{entry.lineno}"),
            escape(entry.class_name),
            f"[{_STYLES[entry.action]}]{entry.action.value}[/]",
            f"[red]{entry.tier.value}[/]" if entry.tier is Tier.UNSAFE else entry.tier.value,
            escape(entry.reason),
        )
        for entry in plan.entries
    ]
    title = f"Plan for {escape(plan.family)} -> {escape(plan.canonical.reference)}"
    return output.fitted_table(title, _PLAN_COLUMNS, rows, width)


def print_plan(plan: Plan, writes_module: bool) -> None:
    """The table, then on stderr the module migrate writes (if any), the conditions and a
    summary; when no copy would change, why."""
    console = output.stdout()
    console.print(plan_table(plan, console.width))
    canonical = plan.canonical
    if writes_module and canonical.path is not None and plan.changes:
        output.info(f"migrate writes the canonical module {canonical.path} ({canonical.module})")
    for condition in plan.conditions:
        output.warn(condition)
    if plan.held_back:
        output.info(
            f"{output.plural(len(plan.held_back), 'copy')} skipped as unsafe: --unsafe plans "
            f"{'it' if len(plan.held_back) == 1 else 'them'} anyway"
        )
    summary = f"{output.plural(len(plan.entries), 'copy')}: {_action_counts(plan)}"
    if plan.changes:
        output.info(f"{summary}; {output.plural(len(plan.files), 'file')} would change")
    else:
        output.info(summary)
        output.info(nothing_to_migrate(plan))


def _action_counts(plan: Plan) -> str:
    return ", ".join(f"{count} {action}" for action, count in plan.counts().items() if count)


def nothing_to_migrate(plan: Plan) -> str:
    """Why no copy of ``plan`` would change a file, in one line; the skipped copies grouped by
    cause, the commonest first: ``nothing to migrate: every copy is skipped (3 defined in a
    function, 1 decorated with @attr.s)``."""
    skipped = plan.skipped
    causes = Counter(entry.cause or entry.reason for entry in skipped)
    grouped = ", ".join(
        f"{count} {cause}" for cause, count in sorted(causes.items(), key=lambda i: (-i[1], i[0]))
    )
    if skipped and len(skipped) == len(plan.entries):
        who = "its only copy is" if len(skipped) == 1 else "every copy is"
        return f"nothing to migrate: {who} skipped ({grouped})"
    counts = plan.counts()
    parts = []
    if counts[Action.DONE]:
        parts.append(f"{output.plural(counts[Action.DONE], 'copy')} already migrated")
    if counts[Action.CANONICAL]:
        verb = "is" if counts[Action.CANONICAL] == 1 else "are"
        parts.append(f"{output.plural(counts[Action.CANONICAL], 'copy')} {verb} the canonical")
    if skipped:
        parts.append(f"{output.plural(len(skipped), 'copy')} skipped ({grouped})")
    return "nothing to migrate: " + (", ".join(parts) or "the family has no copy")


def print_diffs(changes: Sequence[FileChange]) -> bool:
    """Unified diffs on stdout, coloured when stdout is a terminal; False when there was
    none to print (the caller says why)."""
    console = output.stdout()
    text = "".join(unified_diff(change) for change in changes)
    if not text:
        return False
    if console.is_terminal:
        # Data, not a view: the terminal wraps a long line, nothing is cut.
        console.print(
            Syntax(text, "diff", theme="ansi_dark", background_color="default"), soft_wrap=True
        )
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    for change in changes:
        if not change.changed and change.reason:
            output.warn(f"{change.path}: {change.status.value}: {change.reason}")
    return True


def print_migration_summary(
    plans: Sequence[Plan],
    selection: Selection,
    outcomes: Sequence[BatchOutcome],
    *,
    dry_run: bool,
    run_id: str | None = None,
) -> None:
    """What a migration did (or, with ``dry_run``, would do), on stderr: one line per plan
    (one per import scope with ``{scope}``), then the files and what was left."""
    verb = "would change" if dry_run else "changed"
    created = [c.path for c in selection.to_write if c.created]
    written: Sequence[str] = [c.path for c in selection.to_write if not c.created]
    if outcomes:
        # What stayed written: not refused by the journal, not rolled back after its batch.
        written = [path for o in outcomes for path in o.written if path not in created]
    for plan in plans:
        output.info(f"{plan.family} -> {plan.canonical.reference}: {_action_counts(plan)}")
    extra = ""
    if created:
        shown = ", ".join(created) if len(created) <= 3 else output.plural(len(created), "module")
        extra = f", {'would create' if dry_run else 'created'} {shown}"
    if any(plan.changes for plan in plans):
        output.info(
            f"{output.plural(len(written), 'file')} {verb}{extra}"
            + (f" in run {run_id}" if run_id else "")
        )
    for plan in plans:
        if not plan.changes:
            output.info(nothing_to_migrate(plan))
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
        left = output.plural(len(selection.deferred), "file")
        output.info(f"{left} left for a later run (--max-files)")
    commits = [o.commit for o in outcomes if o.commit]
    if commits:
        output.info(
            f"{output.plural(len(commits), 'commit')}: {', '.join(c[:10] for c in commits)}"
        )
    if run_id and not dry_run:
        output.info(f"undo with: declone rollback {run_id}")
