"""``declone report`` at a terminal: rich tables of families, runs and measurements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.console import Console
from rich.markup import escape

from declone.cli import output
from declone.cli.output import Column
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

_FAMILY_COLUMNS = (
    Column("family", "key"),
    Column("status", "word"),
    Column("copies", "number"),
    Column("var", "number"),
    Column("lines", "number"),
    Column("warn", "number"),
    Column("canonical", "text", detail="canonical"),
)
_FAMILY_LEGEND = (
    ("var", "variants"),
    ("lines", "duplicated lines"),
    ("warn", "PytestCollectionWarnings"),
)
#: A run's id is what ``declone rollback`` takes: shown whole, whatever the width.
_RUN_COLUMNS = (
    Column("run", "key"),
    Column("family", "key", hosts_detail=True),
    Column("files", "number"),
    Column("actions", "text"),
    Column("skip", "number", detail="{} skipped"),
    Column("rolled back", "number", detail="{} rolled back"),
    Column("verification", "text", detail=""),
    # The family's canonical, which the families table shows too.
    Column("canonical", "text", drops=True),
)
_HISTORY_COLUMNS = (
    Column("measured", "key"),
    Column("commit", "word"),
    Column("collection", "number"),
    Column("tests", "number"),
    Column("errors", "number", detail="errors"),
    Column("warnings", "number"),
    Column("copies", "number"),
)


def _optional(value: float | None, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def print_report(data: ReportData, console: Console, *, max_families: int | None = None) -> None:
    h = data.headline
    output.paragraph(
        console,
        f"{_counted(h.families, 'family')}, {_counted(h.live_copies, 'live copy')}, "
        f"{_counted(h.duplicated_lines, 'duplicated line')}, "
        f"{_counted(h.warning_sources, 'helper')} "
        f"{'makes' if h.warning_sources == 1 else 'make'} pytest warn",
    )
    if h.collection_after is not None:
        output.paragraph(
            console,
            f"copies {_optional(h.copies_before, '{:,}')} -> {_optional(h.copies_after, '{:,}')}, "
            f"warnings {_optional(h.warnings_before, '{:,}')} -> "
            f"{_optional(h.warnings_after, '{:,}')}, collection time "
            f"{h.collection_text}, tests "
            f"{_optional(h.tests_before, '{:,}')} -> {_optional(h.tests_after, '{:,}')}",
        )
    families = data.families if max_families is None else data.families[:max_families]
    if families:
        rows = [
            (
                escape(family.name),
                f"[{_STATUS_STYLE[family.status]}]{family.status.value}[/]",
                str(family.copies),
                str(len(family.variants)),
                f"{family.duplicated_lines:,}",
                str(
                    family.measured_warnings
                    if family.measured_warnings is not None
                    else family.warning_sources
                ),
                escape(family.canonical),
            )
            for family in families
        ]
        console.print(output.fitted_table("Families", _FAMILY_COLUMNS, rows, console.width))
        output.legend(console, _FAMILY_LEGEND)
        if len(families) < len(data.families):
            console.print(output.more(len(data.families) - len(families), "families", hint="--all"))
    else:
        console.print("No duplicated class families.")
    if data.runs:
        _print_runs(data.runs, console)
    for problem in data.journal_problems:
        console.print(f"[yellow]journal:[/] {escape(problem)}")
    if data.history:
        rows = [
            (
                escape(_when(point.created_at)),
                escape(point.label),
                point.collection_text,
                str(point.tests),
                str(point.errors),
                str(point.warnings),
                _optional(point.copies, "{:,}"),
            )
            for point in reversed(data.history)
        ]
        console.print(
            output.fitted_table("Measurement history", _HISTORY_COLUMNS, rows, console.width)
        )


def _verification(run: RunView) -> str:
    verification = run.verification
    text = escape(verification.status)
    if verification.checks:
        text += f" ({verification.tests_before} -> {verification.tests_after} tests)"
    return f"[{_VERIFICATION_STYLE.get(verification.status, 'dim')}]{text}[/]"


def _print_runs(runs: Sequence[RunView], console: Console) -> None:
    rows = [
        (
            f"{escape(run.id)}\n[dim]{escape(_when(run.created_at))}[/]",
            escape(run.family),
            str(len(run.files)),
            escape(_actions(run.actions)),
            str(len(run.skipped) or ""),
            str(len(run.rolled_back) or ""),
            _verification(run),
            escape(_canonical(run)),
        )
        for run in runs
    ]
    console.print(output.fitted_table("Migration runs", _RUN_COLUMNS, rows, console.width))
    for run in runs:
        for outcome in run.notable:
            output.print_wrapped(
                console,
                f"{run.id}: {outcome.path} {outcome.status}"
                + (f": {outcome.reason}" if outcome.reason else ""),
            )
        for regression in run.verification.regressions:
            output.print_wrapped(
                console,
                f"{run.id}: regression {regression.test} "
                f"{regression.before or 'absent'} -> {regression.after or 'absent'}"
                + (f": {regression.message}" if regression.message else ""),
            )
        for path, reason in run.verification.refused:
            output.print_wrapped(console, f"{run.id}: {path} not rolled back: {reason}")


#: The edits a run made to the copies, in this order, before any other kind.
_COPY_ACTIONS = ("replace", "alias", "residual")
#: Edits the canonical column tells (``extracted``, ``registered``) rather than the actions.
_CANONICAL_ACTIONS = {"extract": "extracted", "register": "registered"}


def _actions(actions: dict[str, int]) -> str:
    """``8 replace, 1 alias, 2 residual``: files per kind of edit, the copies' edits first."""
    verbs = [v for v in _COPY_ACTIONS if v in actions]
    verbs += sorted(v for v in actions if v not in _COPY_ACTIONS and v not in _CANONICAL_ACTIONS)
    return ", ".join(f"{actions[verb]} {verb}" for verb in verbs)


def _canonical(run: RunView) -> str:
    """``tests.support.ws:Conn``, and on a line of its own ``(extracted, registered)``."""
    done = [word for verb, word in _CANONICAL_ACTIONS.items() if verb in run.actions]
    return run.canonical + (f"\n({', '.join(done)})" if done else "")


def _when(stamp: str) -> str:
    """An ISO time to the minute: ``2026-12-07 02:22Z`` (UTC) or ``2026-12-07 03:22+01:00``."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    offset = moment.strftime("%z")
    zone = "Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def _counted(count: int, noun: str) -> str:
    """``count`` in bold with its noun, singular for one, thousands separated."""
    number, _, words = plural(count, noun).partition(" ")
    return f"[bold]{int(number):,}[/] {words}"
