"""``declone report --html``: one self-contained page a team lead can open or attach.

Everything is inline (style, a few lines of script for the drill-down toggles, SVG charts
drawn by :mod:`declone.report.svgchart`); the page loads nothing from anywhere, and its
Content-Security-Policy allows only its own style and script, by hash. Every piece of text
that comes from the scanned repository goes through :func:`_e` (``html.escape`` with quotes)
before it touches the markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Sequence
from importlib import resources
from string import Template

from declone import __version__
from declone.measure import TimeChange, Verdict
from declone.report.data import (
    BeforeAfter,
    FamilyStatus,
    FamilyView,
    HistoryPoint,
    ReportData,
    RunView,
    VariantView,
)
from declone.report.svgchart import ChartPoint, line_chart

__all__ = ["MAX_DIFF_LINES", "render_html"]

#: Longer variant diffs are cut (the full diff is in ``declone scan --family NAME``).
MAX_DIFF_LINES = 400


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _asset(name: str) -> str:
    return resources.files("declone.report").joinpath("templates", name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _time_tone(change: TimeChange | None) -> str:
    """A collection time's card tone: only a measurable change has one."""
    verdict = change.verdict if change is not None else Verdict.NO_CHANGE
    return {Verdict.FASTER: "good", Verdict.SLOWER: "bad"}.get(verdict, "")


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _tone(before: float | None, after: float | None) -> str:
    """The card tone of a figure that should go down: ``good`` when it did."""
    return {"better": "good", "worse": "bad"}.get(_change_class(before, after), "")


def _change_class(before: float | None, after: float | None) -> str:
    """``better`` when a figure that should go down went down."""
    if before is None or after is None or before == after:
        return ""
    return "better" if after < before else "worse"


def _card(label: str, value: str, before: str = "", sub: str = "", tone: str = "") -> str:
    shown = f'<span class="from">{_e(before)} → </span>{_e(value)}' if before else _e(value)
    sub_html = f'<div class="sub {tone}">{_e(sub)}</div>' if sub else ""
    return (
        f'<div class="card"><div class="label">{_e(label)}</div>'
        f'<div class="value">{shown}</div>{sub_html}</div>'
    )


def _cards(data: ReportData) -> str:
    h = data.headline
    copies_now = h.copies_after if h.copies_after is not None else h.live_copies
    copies_changed = h.copies_before is not None and h.copies_before != copies_now
    cards = [
        _card("Families", f"{h.families:,}", sub="duplicated class families"),
        _card(
            "Live copies",
            _count(copies_now),
            before=_count(h.copies_before) if copies_changed else "",
            sub="since the baseline" if copies_changed else "in the tree",
            tone=_tone(h.copies_before, copies_now),
        ),
        _card("Duplicated lines", f"{h.duplicated_lines:,}", sub="removed by consolidation"),
    ]
    if h.warnings_after is not None:
        tone = _tone(h.warnings_before, h.warnings_after)
        delta = (h.warnings_after or 0) - (h.warnings_before or 0)
        cards.append(
            _card(
                "Pytest warnings",
                _count(h.warnings_after),
                before=_count(h.warnings_before) if delta else "",
                sub=f"{delta:+,} since the baseline" if delta else "at collection",
                tone=tone,
            )
        )
    else:
        cards.append(
            _card("Warning sources", f"{h.warning_sources:,}", sub="helpers pytest warns about")
        )
    if h.collection_after is not None:
        change = h.collection_change
        cards.append(
            _card(
                "Collection time",
                change.after.median_text() if change else _seconds(h.collection_after),
                before=change.before.median_text() if change else "",
                sub=change.describe() if change else "pytest --collect-only",
                tone=_time_tone(change),
            )
        )
        cards.append(
            _card(
                "Tests collected",
                _count(h.tests_after),
                before=_count(h.tests_before) if h.tests_before != h.tests_after else "",
                sub="same as the baseline" if h.tests_before == h.tests_after else "changed",
                tone="good" if h.tests_before == h.tests_after else "bad",
            )
        )
    return f'<section class="cards">{"".join(cards)}</section>'


def _charts(history: Sequence[HistoryPoint]) -> str:
    if not history:
        return (
            '<h2>Over time</h2><p class="note">No measurements yet. Run '
            "<code>declone measure --save baseline</code> before a migration and "
            "<code>declone measure</code> after it to see collection time, warnings and "
            "copies per commit.</p>"
        )

    def series(values: Iterable[float | None], unit: str) -> list[ChartPoint]:
        return [
            ChartPoint(
                p.label,
                v,
                f"{p.label} ({p.created_at}): {'–' if v is None else f'{v:g}{unit}'}",
            )
            for p, v in zip(history, values, strict=True)
        ]

    figures = [
        ("Collection time", "time", series((p.collection_seconds for p in history), " s"), " s"),
        ("Pytest warnings", "warnings", series((p.warnings for p in history), ""), ""),
        ("Live copies", "copies", series((p.copies for p in history), ""), ""),
    ]
    boxes = "".join(
        f'<figure class="chart-box"><figcaption>{_e(title)}</figcaption>'
        f"{line_chart(points, title=title, unit=unit, css_class=css)}</figure>"
        for title, css, points, unit in figures
    )
    return (
        '<h2>Over time</h2><p class="note">One point per measurement, labelled by commit '
        "(<code>*</code>: uncommitted changes).</p>"
        f'<section class="charts">{boxes}</section>'
    )


def _row(*cells: str, numeric: Sequence[int] = ()) -> str:
    return (
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(cells)
        )
        + "</tr>"
    )


def _head(*names: str, numeric: Sequence[int] = ()) -> str:
    return (
        "<thead><tr>"
        + "".join(
            f'<th class="num">{_e(n)}</th>' if i in numeric else f"<th>{_e(n)}</th>"
            for i, n in enumerate(names)
        )
        + "</tr></thead>"
    )


def _delta(before: float | None, after: float | None, *, fmt: str = "{:+,}") -> str:
    if before is None or after is None:
        return ""
    tone = _change_class(before, after)
    text = fmt.format(after - before) if before != after else "="
    return f'<span class="{tone}">{_e(text)}</span>' if tone else _e(text)


def _before_after(ba: BeforeAfter | None) -> str:
    if ba is None:
        return ""
    b, a = ba.before, ba.after
    counts = (
        ("duplicate families", b.families, a.families),
        ("live copies", b.copies, a.copies),
        ("pytest warnings", b.warnings, a.warnings),
        ("collection warnings", b.collection_warnings, a.collection_warnings),
    )
    rows = [
        *(
            _row(label, _count(before), _count(after), _delta(before, after), numeric=(1, 2, 3))
            for label, before, after in counts
        ),
        _row(
            f'collection time <span class="also">{_e(ba.time.rounds_text())}</span>',
            _e(ba.time.before.median_text()),
            _e(ba.time.after.median_text()),
            _e(ba.time.describe()),
            numeric=(1, 2, 3),
        ),
        _row(
            "collection errors",
            _count(b.errors),
            _count(a.errors),
            _delta(b.errors, a.errors),
            numeric=(1, 2, 3),
        ),
        _row(
            "tests collected",
            _count(b.tests),
            _count(a.tests),
            _e(f"+{len(ba.tests_added)} / −{len(ba.tests_removed)}"),
            numeric=(1, 2, 3),
        ),
    ]
    main = (
        f'<div class="panel"><table>{_head("", f"before ({b.label})", f"after ({a.label})", "change", numeric=(1, 2, 3))}'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    side = []
    if ba.warnings_by_category:
        side.append(
            '<div><h3>Warnings by category</h3><div class="panel"><table>'
            + _head("category", "before", "after", numeric=(1, 2))
            + "<tbody>"
            + "".join(
                _row(f"<code>{_e(c)}</code>", _count(x), _count(y), numeric=(1, 2))
                for c, x, y in ba.warnings_by_category
            )
            + "</tbody></table></div></div>"
        )
    if ba.modules:
        side.append(
            '<div><h3>Modules whose collection changed most</h3><div class="panel"><table>'
            + _head("module", "before", "after", numeric=(1, 2))
            + "<tbody>"
            + "".join(
                _row(f"<code>{_e(path)}</code>", _seconds(x), _seconds(y), numeric=(1, 2))
                for path, x, y in ba.modules
            )
            + "</tbody></table></div></div>"
        )
    changed_tests = ""
    if ba.tests_removed:
        items = "".join(f"<li><code>{_e(t)}</code></li>" for t in ba.tests_removed[:20])
        more = len(ba.tests_removed) - 20
        tail = f"<li>…and {more} more</li>" if more > 0 else ""
        changed_tests = f'<h3 class="worse">Tests no longer collected</h3><ul>{items}{tail}</ul>'
    return (
        f'<h2>Before and after</h2><p class="note">Baseline <code>{_e(ba.baseline)}</code> '
        f"({_e(b.created_at)}, {_e(b.label)}) against the latest measurement "
        f"({_e(a.created_at)}, {_e(a.label)}).</p>{main}"
        f'<div class="split">{"".join(side)}</div>{changed_tests}'
    )


#: Badge styles of verification outcomes: an undone regression is a warning, not a pass.
_VERIFICATION_BADGE = {"passed": "passed", "regressed": "regressed", "rolled back": "planned"}


def _badge(text: str, css: str | None = None) -> str:
    if css is None:
        css = text if text in {s.value for s in FamilyStatus} else "other"
    return f'<span class="badge {_e(css)}">{_e(text)}</span>'


def _diff(text: str) -> str:
    lines = text.splitlines()
    shown = lines[:MAX_DIFF_LINES]
    spans = []
    for line in shown:
        if line.startswith(("+++", "---")):
            css = "head"
        elif line.startswith("+"):
            css = "add"
        elif line.startswith("-"):
            css = "del"
        elif line.startswith("@@"):
            css = "hunk"
        else:
            css = "ctx"
        spans.append(f'<span class="{css}">{_e(line) or " "}</span>')
    if len(lines) > len(shown):
        spans.append(f'<span class="head">… {len(lines) - len(shown)} more lines</span>')
    return f'<pre class="diff">{"".join(spans)}</pre>'


def _variant(variant: VariantView, dominant: bool) -> str:
    label = "dominant variant" if dominant else "variant"
    differences = "".join(f"<li><code>{_e(d)}</code></li>" for d in variant.differences)
    copies = ", ".join(_e(c) for c in variant.copies[:12])
    if len(variant.copies) > 12:
        copies += f", …and {len(variant.copies) - 12} more"
    return (
        f'<div class="variant"><h4>{label} <code>{_e(variant.id)}</code> · {variant.count} '
        f"{'copy' if variant.count == 1 else 'copies'} · e.g. <code>{_e(variant.representative)}</code></h4>"
        f'<div class="copies">{copies}</div>'
        + (f"<ul>{differences}</ul>" if differences else "")
        + (_diff(variant.source_diff) if variant.source_diff else "")
        + "</div>"
    )


def _drill(family: FamilyView) -> str:
    parts = []
    if family.canonical:
        parts.append(f"<p>Canonical: <code>{_e(family.canonical)}</code></p>")
    if family.matched_by:
        parts.append(f'<p class="note">Matched by {_e(", ".join(family.matched_by))}.</p>')
    if family.runs:
        parts.append(
            f'<p class="note">Runs: {", ".join(f"<code>{_e(r)}</code>" for r in family.runs)}</p>'
        )
    parts += [_variant(v, i == 0) for i, v in enumerate(family.variants)]
    if not family.variants:
        parts.append('<p class="note">No copies left in the tree.</p>')
    return "".join(parts)


def _families(families: Sequence[FamilyView]) -> str:
    if not families:
        return '<h2>Families</h2><p class="note">No duplicated class families.</p>'
    rows = []
    for number, family in enumerate(families):
        also = [n for n in family.names if n != family.name]
        also_html = f'<div class="also">also {_e(", ".join(also))}</div>' if also else ""
        warnings = (
            family.measured_warnings
            if family.measured_warnings is not None
            else family.warning_sources
        )
        drill_id = f"family-{number}"
        rows.append(
            f'<tr><td class="name">{_e(family.name)}{also_html}</td><td>{_badge(family.status.value)}</td>'
            f'<td class="num">{family.copies}</td><td class="num">{len(family.variants)}</td>'
            f'<td class="num">{family.duplicated_lines:,}</td><td class="num">{warnings}</td>'
            f'<td><button class="toggle" type="button" aria-expanded="false" '
            f'aria-controls="{drill_id}">details</button></td></tr>'
            f'<tr class="drill" id="{drill_id}" hidden><td colspan="7">{_drill(family)}</td></tr>'
        )
    head = _head(
        "family",
        "status",
        "copies",
        "variants",
        "duplicated lines",
        "warnings",
        "",
        numeric=(2, 3, 4, 5),
    )
    return (
        '<h2>Families <button id="toggle-all" type="button" aria-expanded="false">expand all'
        '</button></h2><p class="note">Warnings: the family\'s <code>PytestCollectionWarning</code>s '
        "in the latest measurement (or, without one, the copies that cause them).</p>"
        f'<div class="panel"><table class="families">{head}<tbody>{"".join(rows)}</tbody></table></div>'
    )


def _verification_cell(run: RunView) -> str:
    verification = run.verification
    css = _VERIFICATION_BADGE.get(verification.status, "other")
    cell = _badge(verification.status, css)
    if verification.checks:
        cell += (
            f'<div class="also">{verification.tests_before} → {verification.tests_after} tests'
            f"{', ' + _e(verification.verified_at) if verification.verified_at else ''}</div>"
        )
    return cell


def _run_notes(run: RunView) -> list[str]:
    notes = [
        f"<li><code>{_e(f.path)}</code>: {_e(f.status)}"
        + (f", {_e(f.reason)}" if f.reason else "")
        + "</li>"
        for f in run.notable
    ]
    notes += [
        f"<li>regression <code>{_e(r.test)}</code>: {_e(r.before or 'absent')} → "
        f"{_e(r.after or 'absent')}" + (f", {_e(r.message)}" if r.message else "") + "</li>"
        for r in run.verification.regressions
    ]
    notes += [
        f"<li><code>{_e(path)}</code>: not rolled back, {_e(reason)}</li>"
        for path, reason in run.verification.refused
    ]
    return notes


def _run_files(run: RunView) -> str:
    if not run.files:
        return ""
    rows = "".join(
        f"<li><code>{_e(f.path)}</code>: {_e(f.action)} (batch {f.batch}, {_e(f.status)})</li>"
        for f in run.files
    )
    count = f"{len(run.files)} file{'' if len(run.files) == 1 else 's'}"
    return f'<details><summary>{count}</summary><ul class="skips">{rows}</ul></details>'


def _runs(runs: Sequence[RunView]) -> str:
    if not runs:
        return '<h2>Migration runs</h2><p class="note">No migration runs recorded.</p>'
    rows = []
    for run in runs:
        actions = ", ".join(f"{_e(a)} {n}" for a, n in run.actions.items()) or "–"
        rows.append(
            f'<tr><td><code>{_e(run.id)}</code><div class="also">{_e(run.created_at)}</div></td>'
            f'<td class="name">{_e(run.family)}<div class="also">{_e(run.canonical)}</div></td>'
            f'<td class="num">{len(run.files)}</td><td>{actions}</td>'
            f'<td class="num">{len(run.skipped)}</td>'
            f'<td class="num">{len(run.rolled_back)}</td>'
            f"<td>{_verification_cell(run)}</td></tr>"
        )
        notes = _run_notes(run)
        listed = f'<ul class="skips">{"".join(notes)}</ul>' if notes else ""
        rows.append(
            f'<tr class="notes"><td></td><td colspan="6">{listed}{_run_files(run)}</td></tr>'
        )
    head = _head(
        "run",
        "family",
        "files",
        "actions",
        "skipped",
        "rolled back",
        "verification",
        numeric=(2, 4, 5),
    )
    return f'<h2>Migration runs</h2><div class="panel"><table class="runs">{head}<tbody>{"".join(rows)}</tbody></table></div>'


def _journal_problems(problems: Sequence[str]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>{_e(problem)}</li>" for problem in problems)
    return f'<p class="note">Runs the journal could not read:</p><ul class="skips">{items}</ul>'


def _history(history: Sequence[HistoryPoint]) -> str:
    if not history:
        return ""
    rows = [
        _row(
            _e(p.created_at),
            f"<code>{_e(p.label)}</code>"
            + (f' <span class="also">{_e(p.branch)}</span>' if p.branch else ""),
            _e(p.collection.median_text()),
            _count(p.tests),
            _count(p.errors),
            _count(p.warnings),
            _count(p.copies)
            + (
                ""
                if p.copies_source.value == "commit"
                else f' <span class="also">{_e(p.copies_source.value)}</span>'
            ),
            numeric=(2, 3, 4, 5, 6),
        )
        for p in reversed(history)
    ]
    head = _head(
        "measured",
        "commit",
        "collection",
        "tests",
        "errors",
        "warnings",
        "live copies",
        numeric=(2, 3, 4, 5, 6),
    )
    return f'<h2>Measurement history</h2><div class="panel"><table class="history">{head}<tbody>{"".join(rows)}</tbody></table></div>'


def render_html(data: ReportData) -> str:
    """The whole page as one string."""
    css = _asset("report.css")
    js = _asset("report.js")
    body = (
        '<header class="top"><h1><span>declone</span> report</h1>'
        f'<div class="meta"><code>{_e(data.root)}</code><br>generated {_e(data.generated_at)}</div></header>'
        + _cards(data)
        + _charts(data.history)
        + _before_after(data.before_after)
        + _families(data.families)
        + _runs(data.runs)
        + _journal_problems(data.journal_problems)
        + _history(data.history)
        + f"<footer>declone {_e(__version__)} · self-contained report, no network needed</footer>"
    )
    return Template(_asset("report.html")).substitute(
        title=_e(f"declone report · {data.root}"),
        version=_e(__version__),
        css=css,
        js=js,
        style_hash=_csp_hash(css),
        script_hash=_csp_hash(js),
        body=body,
    )
