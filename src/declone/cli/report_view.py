"""``declone report`` at a terminal: rich tables of families, runs and measurements."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from declone.report import FamilyStatus, ReportData, RunView
from declone.wording import plural

__all__ = ["print_report"]

_STATUS_STYLE = {
    FamilyStatus.OPEN: "red",
    FamilyStatus.PLANNED: "yellow",
    FamilyStatus.MIGRATED: "blue",
    FamilyStatus.GUARDED: "green",
}

_VERIFICATION_STYLE = {"passed": "green", "regressed": "red", "rolled back": "yellow"}


def _table(title: str, *columns: str, numeric: tuple[int, ...] = ()) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for position, column in enumerate(columns):
        table.add_column(column, justify="right" if position in numeric else "left")
    return table


def _optional(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def print_report(data: ReportData, console: Console, *, max_families: int | None = None) -> None:
    h = data.headline
    console.print(
        f"{_counted(h.families, 'family')}, {_counted(h.live_copies, 'live copy')}, "
        f"{_counted(h.duplicated_lines, 'duplicated line')}, "
        f"{_counted(h.warning_sources, 'helper')} "
        f"{'makes' if h.warning_sources == 1 else 'make'} pytest warn"
    )
    if h.collection_after is not None:
        console.print(
            f"copies {_optional(h.copies_before, '{:,}')} -> {_optional(h.copies_after, '{:,}')}, "
            f"warnings {_optional(h.warnings_before, '{:,}')} -> "
            f"{_optional(h.warnings_after, '{:,}')}, collection time "
            f"{_optional(h.collection_before, '{:.2f}s')} -> "
            f"{_optional(h.collection_after, '{:.2f}s')}, tests "
            f"{_optional(h.tests_before, '{:,}')} -> {_optional(h.tests_after, '{:,}')}"
        )
    families = data.families if max_families is None else data.families[:max_families]
    if families:
        table = _table(
            "Families",
            "family",
            "status",
            "copies",
            "variants",
            "lines",
            "warnings",
            "canonical",
            numeric=(2, 3, 4, 5),
        )
        table.columns[0].no_wrap = True  # a family's name is what the reader looks for
        for family in families:
            style = _STATUS_STYLE[family.status]
            warnings = (
                family.measured_warnings
                if family.measured_warnings is not None
                else family.warning_sources
            )
            table.add_row(
                escape(family.name),
                f"[{style}]{family.status.value}[/]",
                str(family.copies),
                str(len(family.variants)),
                f"{family.duplicated_lines:,}",
                str(warnings),
                escape(family.canonical),
            )
        console.print(table)
        if len(families) < len(data.families):
            more = plural(len(data.families) - len(families), "more family", "more families")
            console.print(f"… {more} (--all)")
    else:
        console.print("No duplicated class families.")
    if data.runs:
        _print_runs(data.runs, console)
    for problem in data.journal_problems:
        console.print(f"[yellow]journal:[/] {escape(problem)}")
    if data.history:
        table = _table(
            "Measurement history",
            "measured",
            "commit",
            "collection",
            "tests",
            "errors",
            "warnings",
            "copies",
            numeric=(2, 3, 4, 5, 6),
        )
        for point in reversed(data.history):
            table.add_row(
                escape(point.created_at),
                escape(point.label),
                f"{point.collection_seconds:.2f}s",
                str(point.tests),
                str(point.errors),
                str(point.warnings),
                _optional(point.copies, "{:,}"),
            )
        console.print(table)


def _verification(run: RunView) -> str:
    verification = run.verification
    text = escape(verification.status)
    if verification.checks:
        text += f" ({verification.tests_before} -> {verification.tests_after} tests)"
    return f"[{_VERIFICATION_STYLE.get(verification.status, 'dim')}]{text}[/]"


def _print_runs(runs: Sequence[RunView], console: Console) -> None:
    table = _table(
        "Migration runs",
        "run",
        "family",
        "canonical",
        "files",
        "actions",
        "skipped",
        "rolled back",
        "verification",
        numeric=(3, 5, 6),
    )
    for run in runs:
        table.add_row(
            f"{escape(run.id)}\n[dim]{escape(run.created_at)}[/]",
            escape(run.family),
            escape(run.canonical),
            str(len(run.files)),
            escape(", ".join(f"{a} {n}" for a, n in run.actions.items())),
            str(len(run.skipped)),
            str(len(run.rolled_back)),
            _verification(run),
        )
    console.print(table)
    for run in runs:
        for outcome in run.notable:
            console.print(
                f"  {escape(run.id)}: {escape(outcome.path)} {outcome.status}"
                + (f": {escape(outcome.reason)}" if outcome.reason else "")
            )
        for regression in run.verification.regressions:
            console.print(
                f"  {escape(run.id)}: regression {escape(regression.test)} "
                f"{escape(regression.before or 'absent')} -> {escape(regression.after or 'absent')}"
                + (f": {escape(regression.message)}" if regression.message else "")
            )
        for path, reason in run.verification.refused:
            console.print(f"  {escape(run.id)}: {escape(path)} not rolled back: {escape(reason)}")


def _counted(count: int, noun: str) -> str:
    """``count`` in bold with its noun, singular for one, thousands separated."""
    number, _, words = plural(count, noun).partition(" ")
    return f"[bold]{int(number):,}[/] {words}"
