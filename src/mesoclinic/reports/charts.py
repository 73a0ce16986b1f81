"""Server-side SVG charts: a metric over time and a forest plot of mean changes.

Plain strings of SVG (no Django, no JavaScript library): they pass a strict Content-Security-Policy, weigh a
few kilobytes, print well and can be read by a screen reader (``role="img"`` with ``<title>`` and
``<desc>``; the page shows the same numbers as a table next to each chart). Colours are presentation
attributes, not ``style=``, so no inline style is needed either; every mark also has a shape or a label, so
nothing is told by colour alone. All text is escaped here: callers may mark the result safe.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

WIDTH = 720
HEIGHT = 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 72, 24, 28, 56
_INK = "#1f2a37"
_MUTED = "#6b7280"
_ACCENT = "#0f766e"
_WARN = "#b45309"


@dataclass(frozen=True)
class Point:
    """One measurement: the day it was taken and its value."""

    on: date
    value: float


@dataclass(frozen=True)
class Marker:
    """A labelled day on the time axis (a session, or the end of a series' 6-month durability window)."""

    on: date
    label: str


@dataclass(frozen=True)
class LineChart:
    """What :func:`line_chart` draws; ``band`` is the baseline ± the method's repeatability, if any."""

    title: str
    description: str
    y_label: str
    points: Sequence[Point]
    sessions: Sequence[Marker] = ()
    durability: Sequence[Marker] = ()
    band: tuple[float, float] | None = None
    band_label: str = ""


@dataclass(frozen=True)
class ForestRow:
    """One group of a forest plot: its label, n, mean change and 95 % CI (``None`` when n is too small)."""

    label: str
    n: int
    mean: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    note: str = ""


def _iso_day(day: date) -> str:
    return f"{day:%d %b %Y}"


@dataclass(frozen=True)
class Words:
    """The charts' own words and number and date formats, in the reader's language (English by default).

    The caller (a view) passes them translated: this module stays free of Django. Numbers in SVG attributes
    are never localised; only the text a reader sees is.
    """

    no_measurements: str = "No measurements yet"
    date_axis: str = "Date"
    no_change: str = "no change"
    no_groups: str = "No groups to compare yet"
    decimal_separator: str = "."
    day: Callable[[date], str] = _iso_day


ENGLISH = Words()


@dataclass(frozen=True)
class _Scale:
    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.hi == self.lo:
            return (self.start + self.end) / 2
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)


@dataclass
class _Svg:
    title: str
    description: str
    height: int = HEIGHT
    parts: list[str] = field(default_factory=list)

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self, x: float, y: float, content: str, *, anchor: str = "start", cls: str = "", size: int = 12
    ) -> None:
        klass = f' class="{cls}"' if cls else ""
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{_INK}"{klass}>'
            f"{escape(content)}</text>"
        )

    def render(self, cls: str, ident: str) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" id="{escape(ident)}" role="img" '
            f'viewBox="0 0 {WIDTH} {self.height}" width="100%" preserveAspectRatio="xMidYMid meet" '
            f'aria-labelledby="{escape(ident)}-title {escape(ident)}-desc" font-family="system-ui, sans-serif">'
            f'<title id="{escape(ident)}-title">{escape(self.title)}</title>'
            f'<desc id="{escape(ident)}-desc">{escape(self.description)}</desc>'
        )
        return head + "".join(self.parts) + "</svg>"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]`` (steps of 1, 2 or 5 × 10^k), about ``count`` of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("tick bounds must be finite")
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(value, 12))
    return ticks


def _fmt(value: float, words: Words = ENGLISH) -> str:
    """A short number for an axis: 3 significant digits, no trailing zeros, the reader's decimal mark."""
    if value == 0:
        return "0"
    return f"{value:.3g}".replace(".", words.decimal_separator)


def line_chart(chart: LineChart, *, ident: str = "progress-chart", words: Words = ENGLISH) -> str:
    """An SVG line chart of one metric over time, with sessions, durability lines and the baseline band.

    Points are joined in date order; sessions are short labelled ticks under the plot area (and faint lines
    through it); each durability line is dashed and labelled; the band is a shaded rectangle with its label.
    """
    svg = _Svg(chart.title, chart.description)
    points = sorted(chart.points, key=lambda p: p.on)
    days = [p.on for p in points] + [m.on for m in chart.sessions] + [m.on for m in chart.durability]
    if not days:
        svg.text(WIDTH / 2, HEIGHT / 2, words.no_measurements, anchor="middle", cls="chart__empty")
        return svg.render("progress-chart", ident)
    first, last = min(days).toordinal(), max(days).toordinal()
    pad = max((last - first) * 0.04, 3)
    x = _Scale(first - pad, last + pad, _LEFT, WIDTH - _RIGHT)
    values = [p.value for p in points] + (list(chart.band) if chart.band else [])
    ticks = nice_ticks(min(values), max(values)) if values else [0.0, 1.0]
    y = _Scale(ticks[0], ticks[-1], HEIGHT - _BOTTOM, _TOP)
    bottom = HEIGHT - _BOTTOM

    for tick in ticks:  # horizontal grid and y labels
        svg.add(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e5e7eb"/>'
        )
        svg.text(_LEFT - 8, y(tick) + 4, _fmt(tick, words), anchor="end", cls="chart__ytick", size=11)
    svg.add(
        f'<text transform="translate(16 {(_TOP + bottom) / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'font-size="12" fill="{_INK}" class="chart__ylabel">{escape(chart.y_label)}</text>'
    )
    svg.add(f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{bottom}" y2="{bottom}" stroke="{_MUTED}"/>')

    if chart.band:
        top, low = y(max(chart.band)), y(min(chart.band))
        svg.add(
            f'<rect class="chart__band" x="{_LEFT}" y="{top:.1f}" width="{WIDTH - _RIGHT - _LEFT}" '
            f'height="{max(low - top, 1):.1f}" fill="{_ACCENT}" fill-opacity="0.12" '
            f'data-low="{min(chart.band):.6g}" data-high="{max(chart.band):.6g}"/>'
        )
        svg.text(
            WIDTH - _RIGHT - 4, top - 4, chart.band_label, anchor="end", cls="chart__band-label", size=11
        )

    for marker in sorted(chart.sessions, key=lambda m: m.on):
        mx = x(marker.on.toordinal())
        svg.add(
            f'<g class="chart__session" data-date="{marker.on.isoformat()}" data-x="{mx:.1f}">'
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{_TOP}" y2="{bottom}" stroke="{_MUTED}" stroke-opacity="0.35"/>'
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{bottom}" y2="{bottom + 8}" stroke="{_INK}" stroke-width="2"/>'
            f'<text x="{mx:.1f}" y="{bottom + 20}" text-anchor="middle" font-size="11" fill="{_INK}">'
            f"{escape(marker.label)}</text></g>"
        )
    for marker in chart.durability:
        mx = x(marker.on.toordinal())
        svg.add(
            f'<g class="chart__durability" data-date="{marker.on.isoformat()}" data-x="{mx:.1f}">'
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{_TOP - 8}" y2="{bottom}" stroke="{_WARN}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>'
            f'<text x="{mx - 4:.1f}" y="{_TOP - 12}" text-anchor="end" font-size="11" fill="{_WARN}">'
            f"{escape(marker.label)}</text></g>"
        )
    if points:
        coords = " ".join(f"{x(p.on.toordinal()):.1f},{y(p.value):.1f}" for p in points)
        svg.add(
            f'<polyline class="chart__line" points="{coords}" fill="none" stroke="{_ACCENT}" stroke-width="2"/>'
        )
        for p in points:
            px, py = x(p.on.toordinal()), y(p.value)
            svg.add(
                f'<circle class="chart__point" cx="{px:.1f}" cy="{py:.1f}" r="5" fill="#fff" stroke="{_ACCENT}" '
                f'stroke-width="2" data-date="{p.on.isoformat()}" data-value="{p.value:.6g}">'
                f"<title>{p.on.isoformat()}: {_fmt(p.value, words)}</title></circle>"
            )
    svg.text(WIDTH - _RIGHT, HEIGHT - 8, words.date_axis, anchor="end", cls="chart__xlabel")
    span = f"{words.day(min(days))} – {words.day(max(days))}"
    svg.text(_LEFT, HEIGHT - 8, span, cls="chart__xrange", size=11)
    return svg.render("progress-chart", ident)


def forest_plot(
    rows: Sequence[ForestRow],
    *,
    title: str,
    description: str,
    x_label: str,
    ident: str = "forest-plot",
    words: Words = ENGLISH,
) -> str:
    """A forest plot: one row per group, a square at the mean change and a line across its 95 % CI.

    A vertical zero line marks "no change"; groups without a CI (too few patients) show the square alone
    and say so on the right, next to their n.
    """
    row_h = 36
    height = _TOP + row_h * max(len(rows), 1) + _BOTTOM
    svg = _Svg(title, description, height=height)
    label_w, right_w = 200, 150
    numbers = [v for r in rows for v in (r.mean, r.ci_low, r.ci_high) if v is not None] + [0.0]
    ticks = nice_ticks(min(numbers), max(numbers))
    x = _Scale(ticks[0], ticks[-1], label_w, WIDTH - right_w)
    bottom = height - _BOTTOM
    for tick in ticks:
        svg.add(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{_TOP}" y2="{bottom}" stroke="#e5e7eb"/>')
        svg.text(x(tick), bottom + 16, _fmt(tick, words), anchor="middle", cls="chart__xtick", size=11)
    svg.add(
        f'<line class="chart__zero" x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{_TOP - 8}" y2="{bottom}" stroke="{_INK}" '
        f'stroke-dasharray="4 3" data-x="{x(0):.1f}"/>'
    )
    svg.text(x(0), _TOP - 12, words.no_change, anchor="middle", cls="chart__zero-label", size=11)
    svg.text((label_w + WIDTH - right_w) / 2, height - 12, x_label, anchor="middle", cls="chart__xlabel")
    if not rows:
        svg.text(WIDTH / 2, _TOP + row_h / 2, words.no_groups, anchor="middle", cls="chart__empty")
    for i, row in enumerate(rows):
        cy = _TOP + row_h * i + row_h / 2
        svg.text(label_w - 12, cy + 4, row.label, anchor="end", cls="chart__group")
        side = f"n = {row.n}" + (f" · {row.note}" if row.note else "")
        svg.text(WIDTH - right_w + 12, cy + 4, side, cls="chart__n", size=11)
        if row.mean is None:
            continue
        group = f'<g class="chart__row" data-label="{escape(row.label)}" data-n="{row.n}" data-mean="{row.mean:.6g}"'
        if row.ci_low is not None and row.ci_high is not None:
            group += f' data-ci-low="{row.ci_low:.6g}" data-ci-high="{row.ci_high:.6g}">'
            group += (
                f'<line class="chart__ci" x1="{x(row.ci_low):.1f}" x2="{x(row.ci_high):.1f}" y1="{cy:.1f}" '
                f'y2="{cy:.1f}" stroke="{_ACCENT}" stroke-width="2"/>'
            )
        else:
            group += ">"
        mx = x(row.mean)
        group += (
            f'<rect class="chart__mean" x="{mx - 6:.1f}" y="{cy - 6:.1f}" width="12" height="12" fill="{_ACCENT}" '
            f'data-x="{mx:.1f}"/></g>'
        )
        svg.add(group)
    return svg.render("forest-plot", ident)


@dataclass(frozen=True)
class Bar:
    """One bar: its label (a period or a group) and its value; ``shown`` is the value as the reader reads it."""

    label: str
    value: float
    shown: str = ""


_BAR_ROW = 24
_BAR_LABEL = 190


def bar_chart(
    title: str, description: str, bars: Sequence[Bar], *, ident: str = "bar-chart", empty: str = "No data"
) -> str:
    """A horizontal bar chart (one row per bar, its label left and its value at the bar's end).

    Negative values (a month of credit notes) go left of a zero line. Every bar carries its number as text,
    so nothing is read from length alone.
    """
    height = _TOP + max(len(bars), 1) * _BAR_ROW + 16
    svg = _Svg(title, description, height=height)
    if not bars:
        svg.text(WIDTH / 2, _TOP + _BAR_ROW / 2 + 4, empty, anchor="middle", size=13)
        return svg.render("bar-chart", ident)
    lo = min(0.0, *(b.value for b in bars))
    hi = max(0.0, *(b.value for b in bars))
    x = _Scale(lo, hi if hi > lo else lo + 1, _LEFT + _BAR_LABEL, WIDTH - _RIGHT - 90)
    zero = x(0.0)
    svg.add(
        f'<line x1="{zero:.1f}" y1="{_TOP - 4}" x2="{zero:.1f}" y2="{height - 12}" stroke="{_MUTED}" '
        'stroke-width="1"/>'
    )
    for n, bar in enumerate(bars):
        y = _TOP + n * _BAR_ROW
        end = x(bar.value)
        left, width = min(zero, end), abs(end - zero)
        colour = _WARN if bar.value < 0 else _ACCENT
        svg.text(_LEFT + _BAR_LABEL - 8, y + 15, bar.label[:32], anchor="end")
        svg.add(
            f'<rect x="{left:.1f}" y="{y + 4}" width="{max(width, 1):.1f}" height="{_BAR_ROW - 8}" '
            f'fill="{colour}"/>'
        )
        svg.text(max(zero, end) + 6, y + 15, bar.shown or f"{bar.value:.2f}")
    return svg.render("bar-chart", ident)
