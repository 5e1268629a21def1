"""Small charts as inline SVG, drawn on the server: no script, nothing fetched.

Each chart is an image with a name and a description (``role="img"``, ``<title>`` and
``<desc>`` named by ``aria-labelledby``); the page shows the data behind it in a table as
well. Lines differ by colour, dash and marker shape, bars marked as failures by a hatch
and their words, so that nothing is told by colour alone; every colour has a contrast of at
least 4.5:1 on white. The drawing scales with its box (``viewBox``), text with it.

    line_chart  one line per series over x (times or periods); a value None is a gap
    bar_chart   one horizontal bar per row, some marked (hatched) with their text
    swatch      a series' colour, dash and marker, for a legend beside the chart
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 16, 48
PALETTE = ("#1f5fa8", "#b3261e", "#1b6e35", "#6f3b96", "#7a4f00", "#00626b", "#a3154f",
           "#444444")
"""Dark enough for 4.5:1 on white, and told apart by dash and marker too."""
DASHES = ("", "8 4", "2 4", "10 4 2 4", "4 4", "12 3 3 3 3 3", "1 3", "6 2")
MARKERS = ("circle", "square", "triangle", "diamond", "down", "cross", "plus", "bar")
MANY_POINTS = 60
"""Past this many points, a series shows markers at the ends of its segments only."""
BAR_ROW, BAR_LABEL, BAR_TEXT = 30, 300, 150
"""A bar's height, the room for its label (34 characters of 13 px), for its value."""
HATCH_COLOUR = "#b3261e"


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    points: Sequence[tuple[float, float | None]]
    """(x, y) in order of x; y None: no value to show there (a gap)."""


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str
    """The value in words, written after the bar."""
    marked: bool = False
    """Drawn hatched (a failure)."""


def _svg(chart_id: str, title: str, description: str, width: int, height: int,
         body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'focusable="false" viewBox="0 0 {width} {height}" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value))


def line_chart(*, chart_id: str, title: str, description: str, series: Sequence[Series],
               ticks: Sequence[Tick], x_range: tuple[float, float],
               y_format: Callable[[float], str], step: bool = False) -> Markup:
    """Lines over ``x_range``; ``step``: a value holds until the next one (counts)."""
    values = [y for one in series for _, y in one.points if y is not None]
    top = nice_ceiling(max(values, default=0.0))
    scale = _Scale(x_range, top)
    body = _axes(scale, ticks, y_format)
    for index, one in enumerate(series):
        body.extend(_line(index, one, scale, step))
    return _svg(chart_id, title, description, WIDTH, HEIGHT, body)


@dataclass(frozen=True, slots=True)
class _Scale:
    x_range: tuple[float, float]
    top: float

    def x(self, value: float) -> float:
        low, high = self.x_range
        span = (high - low) or 1.0
        return round(LEFT + (value - low) / span * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: float) -> float:
        return round(HEIGHT - BOTTOM - value / self.top * (HEIGHT - TOP - BOTTOM), 1)


def _axes(scale: _Scale, ticks: Sequence[Tick], y_format: Callable[[float], str]) -> list[str]:
    base = HEIGHT - BOTTOM
    parts = [f'<g class="axes" aria-hidden="true">'
             f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" '
             f'stroke="#1b1b1b"/>']
    for n in range(5):
        value = scale.top * n / 4
        y = scale.y(value)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
                     f'stroke="#d0d0d0"/><text x="{LEFT - 6}" y="{y + 4}" text-anchor="end" '
                     f'class="chart-text">{escape(y_format(value))}</text>')
    for tick in ticks:
        x = scale.x(tick.at)
        parts.append(f'<line x1="{x}" y1="{base}" x2="{x}" y2="{base + 5}" stroke="#1b1b1b"/>'
                     f'<text x="{x}" y="{base + 20}" text-anchor="middle" '
                     f'class="chart-text">{escape(tick.label)}</text>')
    parts.append("</g>")
    return parts


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points with a value; a None ends one."""
    found: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if found[-1]:
                found.append([])
        else:
            found[-1].append((x, y))
    return [segment for segment in found if segment]


def _stepped(segment: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for x, y in segment:
        if out:
            out.append((x, out[-1][1]))
        out.append((x, y))
    return out


def _line(index: int, series: Series, scale: _Scale, step: bool) -> list[str]:
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    many = len(series.points) > MANY_POINTS
    parts = [f'<g class="series" data-series="{escape(series.label)}">']
    for segment in _segments(series.points):
        drawn = _stepped(segment) if step else segment
        coords = " ".join(f"{scale.x(x)},{scale.y(y)}" for x, y in drawn)
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                     f'stroke-width="2.5"{dashing}/>')
        shown = [segment[0], segment[-1]] if many else segment
        parts.extend(marker(index, scale.x(x), scale.y(y)) for x, y in shown)
    parts.append("</g>")
    return parts


def marker(index: int, x: float, y: float, size: float = 5) -> str:
    """The marker of series ``index`` centred on (x, y)."""
    colour = PALETTE[index % len(PALETTE)]
    kind, s = MARKERS[index % len(MARKERS)], size
    paint = f'fill="{colour}" stroke="{colour}"'
    if kind == "circle":
        return f'<circle cx="{x}" cy="{y}" r="{s}" {paint}/>'
    if kind == "square":
        return f'<rect x="{x - s}" y="{y - s}" width="{2 * s}" height="{2 * s}" {paint}/>'
    shapes = {"triangle": [(0, -s * 1.2), (s, s), (-s, s)],
              "diamond": [(0, -s * 1.3), (s * 1.3, 0), (0, s * 1.3), (-s * 1.3, 0)],
              "down": [(-s, -s), (s, -s), (0, s * 1.2)],
              "bar": [(-s * 1.3, -s / 2), (s * 1.3, -s / 2), (s * 1.3, s / 2), (-s * 1.3, s / 2)]}
    if kind in shapes:
        corners = " ".join(f"{round(x + dx, 1)},{round(y + dy, 1)}" for dx, dy in shapes[kind])
        return f'<polygon points="{corners}" {paint}/>'
    if kind == "cross":
        return (f'<path d="M{x - s},{y - s}L{x + s},{y + s}M{x - s},{y + s}L{x + s},{y - s}" '
                f'stroke="{colour}" stroke-width="2.5" fill="none"/>')
    return (f'<path d="M{x - s * 1.2},{y}H{x + s * 1.2}M{x},{y - s * 1.2}V{y + s * 1.2}" '
            f'stroke="{colour}" stroke-width="2.5" fill="none"/>')


def swatch(index: int) -> Markup:
    """A series' line and marker, small, for a legend (decorative: the legend names it)."""
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    dashing = f' stroke-dasharray="{dash}"' if dash else ""
    return Markup(f'<svg class="swatch" viewBox="0 0 40 16" width="40" height="16" '
                  f'aria-hidden="true" focusable="false"><line x1="2" y1="8" x2="38" y2="8" '
                  f'stroke="{colour}" stroke-width="2.5"{dashing}/>'
                  f'{marker(index, 20, 8, 4)}</svg>')


def bar_chart(*, chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> Markup:
    """Horizontal bars, longest value the full width; marked bars hatched."""
    height = max(1, len(bars)) * BAR_ROW + 10
    longest = max((bar.value for bar in bars), default=0.0) or 1.0
    room = WIDTH - BAR_LABEL - BAR_TEXT
    body = [f'<defs><pattern id="{chart_id}-hatch" width="8" height="8" '
            f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="8" height="8" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="8" '
            f'stroke="{HATCH_COLOUR}" stroke-width="4"/></pattern></defs>']
    for row, bar in enumerate(bars):
        y = row * BAR_ROW + 5
        length = max(2.0, round(bar.value / longest * room, 1))
        fill = f"url(#{chart_id}-hatch)" if bar.marked else PALETTE[0]
        stroke = HATCH_COLOUR if bar.marked else PALETTE[0]
        body.append(f'<g class="bar{" marked" if bar.marked else ""}">'
                    f'<text x="{BAR_LABEL - 8}" y="{y + 17}" text-anchor="end" '
                    f'class="chart-text">{escape(_short(bar.label))}</text>'
                    f'<rect x="{BAR_LABEL}" y="{y + 2}" width="{length}" height="{BAR_ROW - 8}" '
                    f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
                    f'<text x="{BAR_LABEL + length + 6}" y="{y + 17}" '
                    f'class="chart-text">{escape(bar.text)}</text></g>')
    return _svg(chart_id, title, description, WIDTH, height, body)


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
