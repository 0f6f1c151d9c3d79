"""``declone report --markdown``: a report short enough for a pull-request comment.

The headline figures, the last migration's before/after, and the families table capped at a
few rows. Text from the repository goes into table cells, so the characters that would end a
cell or start markup there (``|``, backticks, ``<``) are neutralised.
"""

from __future__ import annotations

from declone.report.data import FamilyView, ReportData

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
        f"**{h.families}** duplicated class families · **{h.live_copies}** live copies · "
        f"**{h.duplicated_lines:,}** duplicated lines · "
        f"**{h.warning_sources}** classes make pytest warn"
    )
    lines.append("")
    if h.collection_after is not None:
        ratio = ""
        if h.collection_before and h.collection_after is not None:
            ratio = f" ({h.collection_after / h.collection_before:.2f}×)"
        lines += [
            "| | before | after |",
            "|---|---:|---:|",
            f"| live copies | {_count(h.copies_before)} | {_count(h.copies_after)} |",
            f"| pytest warnings | {_count(h.warnings_before)} | {_count(h.warnings_after)} |",
            f"| collection time | {_seconds(h.collection_before)} | "
            f"{_seconds(h.collection_after)}{ratio} |",
            f"| tests collected | {_count(h.tests_before)} | {_count(h.tests_after)} |",
            "",
        ]
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
        applied = sum(len(run.applied) for run in data.runs)
        skipped = sum(len(run.skipped) for run in data.runs)
        rolled_back = sum(len(run.rolled_back) for run in data.runs)
        last = data.runs[-1]
        regressions = len(last.verification.regressions)
        found = f", {regressions} regressions" if regressions else ""
        lines.append(
            f"{len(data.runs)} migration runs: {applied} files migrated, {skipped} skipped, "
            f"{rolled_back} rolled back. Last run `{_cell(last.id)}` ({_cell(last.family)}): "
            f"{_cell(last.verification.status)}{found}."
        )
        lines.append("")
    return "\n".join(lines)
