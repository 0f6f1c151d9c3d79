"""``declone report --markdown``: a report short enough for a pull-request comment.

The headline figures, the last migration's before/after, and the families table capped at a
few rows. Text from the repository goes into table cells, so the characters that would end a
cell or start markup there (``|``, backticks, ``<``) are neutralised.
"""

from __future__ import annotations

from declone.report.data import FamilyView, ReportData
from declone.wording import plural

__all__ = ["DEFAULT_MAX_FAMILIES", "render_markdown"]

DEFAULT_MAX_FAMILIES = 15


def _cell(text: str) -> str:
    """Plain text that stays one table cell and renders literally on GitHub."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("`", "\\`")
        .replace("*", "\\*")
        .replace("_", "\\_")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _bold(count: int, noun: str, many: str | None = None) -> str:
    """``**1,234** files``: the count in bold, thousands separated, the noun in its number."""
    words = plural(count, noun, many).partition(" ")[2]
    return f"**{count:,}** {words}"


def _change(before: str, after: str) -> str:
    return after if before == after else f"{before} → {after}"


def _warnings(family: FamilyView) -> str:
    if family.measured_warnings is not None:
        return str(family.measured_warnings)
    return str(family.warning_sources)


def render_markdown(data: ReportData, *, max_families: int = DEFAULT_MAX_FAMILIES) -> str:
    h = data.headline
    lines = ["## declone report", ""]
    lines.append(
        f"{_bold(h.families, 'duplicated class family', 'duplicated class families')} · "
        f"{_bold(h.live_copies, 'live copy', 'live copies')} · "
        f"{_bold(h.duplicated_lines, 'duplicated line')} · "
        f"{_bold(h.warning_sources, 'class', 'classes')} "
        f"{'makes' if h.warning_sources == 1 else 'make'} pytest warn"
    )
    lines.append("")
    if h.collection_after is not None:
        change = h.collection_change
        before = change.before.median_text() if change else _seconds(h.collection_before)
        after = change.after.median_text() if change else _seconds(h.collection_after)
        lines += [
            "| | before | after |",
            "|---|---:|---:|",
            f"| duplicate families | {_count(h.families_before)} | {_count(h.families_after)} |",
            f"| live copies | {_count(h.copies_before)} | {_count(h.copies_after)} |",
            f"| pytest warnings | {_count(h.warnings_before)} | {_count(h.warnings_after)} |",
            f"| collection time | {before} | {after} |",
            f"| tests collected | {_count(h.tests_before)} | {_count(h.tests_after)} |",
            "",
        ]
        if change is not None:
            lines += [f"Collection time: {change.describe()}; {change.rounds_text()}.", ""]
        if data.before_after is not None:
            ba = data.before_after
            lines.append(
                f"Baseline `{_cell(ba.baseline)}` at {_cell(ba.before.label)} against the latest "
                f"measurement at {_cell(ba.after.label)}: {len(ba.tests_added)} tests added, "
                f"{len(ba.tests_removed)} removed."
            )
            lines.append("")
    if data.families:
        shown = data.families[:max_families]
        lines += [
            "| family | status | copies | variants | duplicated lines | warnings |",
            "|---|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {_cell(f.name)} | {f.status.value} | {f.copies} | {len(f.variants)} | "
            f"{f.duplicated_lines:,} | {_warnings(f)} |"
            for f in shown
        ]
        if len(data.families) > len(shown):
            lines += ["", f"…and {len(data.families) - len(shown)} more families."]
        lines.append("")
    else:
        lines += ["No duplicated class families.", ""]
    if data.runs:
        totals = h.migration
        last = data.runs[-1]
        regressions = len(last.verification.regressions)
        found = f", {plural(regressions, 'regression')}" if regressions else ""
        lines.append(
            f"{plural(totals.runs, 'migration run')}: "
            f"{plural(totals.files_migrated, 'file')} migrated "
            f"({totals.files_changed} changed, {totals.files_created} created), "
            f"{plural(totals.copies_skipped, 'copy', 'copies')} skipped, "
            f"{plural(totals.files_rolled_back, 'file')} rolled back. "
            f"Last run `{_cell(last.id)}` ({_cell(last.family)}): "
            f"{_cell(last.verification.status)}{found}."
        )
        lines.append("")
    return "\n".join(lines)
