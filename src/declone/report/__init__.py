"""Stage 6, report: what a team lead reads, built from the scan, the journal and the history.

``sources`` reads those records into ``ReportInputs``; ``data`` turns them into one
``ReportData`` (and its JSON); ``markdown`` and ``html`` write it out, ``svgchart`` draws the
HTML report's charts. The terminal view is the command line's (``declone.cli.report_view``).
"""

from declone.report.data import (
    FamilyStatus,
    ReportData,
    RunView,
    build_report,
    report_to_json,
)
from declone.report.html import render_html
from declone.report.markdown import render_markdown
from declone.report.sources import DEFAULT_BASELINE, load_inputs

__all__ = [
    "DEFAULT_BASELINE",
    "FamilyStatus",
    "ReportData",
    "RunView",
    "build_report",
    "load_inputs",
    "render_html",
    "render_markdown",
    "report_to_json",
]
