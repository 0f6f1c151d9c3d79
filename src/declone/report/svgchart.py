"""Line charts as inline SVG, drawn in Python: the HTML report needs no script library.

Pure: a series of labelled values in, one ``<svg>`` element out. Every label is escaped, since
labels may come from the repository (branch names, commit labels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["ChartPoint", "line_chart", "nice_ticks"]

_WIDTH = 420
_HEIGHT = 220
_LEFT = 56
_RIGHT = 36
_TOP = 16
_BOTTOM = 44


@dataclass(frozen=True, slots=True)
class ChartPoint:
    #: The x axis label: a short commit id.
    label: str
    #: None for a point without a value (drawn as a gap).
    value: float | None
    #: The tooltip.
    title: str = ""


def nice_ticks(maximum: float, count: int = 4) -> tuple[float, ...]:
    """Round tick values from 0 to at least ``maximum``: 0, 0.5, 1, 1.5 or 0, 20, 40..."""
    if maximum <= 0:
        return (0.0, 1.0)
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    top = math.ceil(maximum / step - 1e-9) * step
    steps = round(top / step)
    return tuple(round(i * step, 10) for i in range(steps + 1))


def _format(value: float, unit: str) -> str:
    text = f"{value:g}" if value < 1000 else f"{value:,.0f}"
    return f"{text}{unit}"


def line_chart(
    points: Sequence[ChartPoint], *, title: str, unit: str = "", css_class: str = ""
) -> str:
    """An SVG line chart of ``points`` (oldest first) with a zero-based y axis."""
    values = [p.value for p in points if p.value is not None]
    ticks = nice_ticks(max(values, default=0.0))
    top = ticks[-1]
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM

    def x(position: int) -> float:
        if len(points) == 1:
            return _LEFT + plot_w / 2
        return _LEFT + plot_w * position / (len(points) - 1)

    def y(value: float) -> float:
        return _TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg class="chart {escape(css_class, quote=True)}" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'role="img" aria-label="{escape(title, quote=True)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in ticks:
        ty = y(tick)
        parts.append(
            f'<line class="grid" x1="{_LEFT}" y1="{ty:.1f}" x2="{_WIDTH - _RIGHT}" y2="{ty:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{_LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{escape(_format(tick, unit))}</text>"
        )
    # Every label when they fit, else about eight of them evenly spread.
    label_every = max(1, math.ceil(len(points) / 8))
    for position, point in enumerate(points):
        if position % label_every == 0 or position == len(points) - 1:
            parts.append(
                f'<text class="label" x="{x(position):.1f}" y="{_HEIGHT - _BOTTOM + 18}" '
                f'text-anchor="middle">{escape(point.label)}</text>'
            )
    segments: list[list[tuple[float, float]]] = [[]]
    for position, point in enumerate(points):
        if point.value is None:
            segments.append([])
        else:
            segments[-1].append((x(position), y(point.value)))
    for segment in segments:
        if len(segment) > 1:
            area = " ".join(f"{px:.1f},{py:.1f}" for px, py in segment)
            floor = y(0)
            parts.append(
                f'<polygon class="area" points="{segment[0][0]:.1f},{floor:.1f} {area} '
                f'{segment[-1][0]:.1f},{floor:.1f}"/>'
            )
            parts.append(f'<polyline class="line" points="{area}"/>')
    for position, point in enumerate(points):
        if point.value is not None:
            tooltip = point.title or f"{point.label}: {_format(point.value, unit)}"
            parts.append(
                f'<circle class="dot" cx="{x(position):.1f}" cy="{y(point.value):.1f}" r="4">'
                f"<title>{escape(tooltip)}</title></circle>"
            )
    if not values:
        parts.append(
            f'<text class="empty" x="{_WIDTH / 2}" y="{_HEIGHT / 2}" text-anchor="middle">'
            "no data yet</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
