"""Server-rendered SVG charts for the analysis pages and reports.

Readable without colour: every bar carries its category and its value as text, every series of a
line chart has its own marker shape and a text label at its end. Each chart is an image with a
title and a description (``role="img"``, ``aria-labelledby``); the page shows the same numbers in
a table next to it. Every text is escaped; no inline style (the CSP forbids it): size comes from
the ``chart`` class in analysis.css, everything else from presentation attributes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#0b3a66"
OUTLINE = "#000000"
GRID = "#c9ced4"
TEXT = "#212529"
SERIES_COLOURS = ["#0b3a66", "#7a2e0e", "#1b5e20", "#4a148c", "#333333", "#8a1538", "#00505a"]
MARKERS = ["circle", "square", "triangle", "diamond", "triangle-down", "plus", "cross"]
DASHES = ["", "6 3", "2 3", "8 3 2 3"]
CHAR_WIDTH = 7.0  # an estimate of one character at font-size 13
MAX_LABEL_CHARS = 48


@dataclass
class Bar:
    label: str
    value: float | None  # in the chart's unit; None is drawn as no bar
    text: str  # the value as shown beside the bar, e.g. "45.0 % (9)"


@dataclass
class _EndLabel:
    y: float
    label: str
    shape: str
    colour: str


@dataclass
class Line:
    label: str
    points: Sequence[tuple[int, float]]  # (year, value)


def _id(raw: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", raw)
    return cleaned if cleaned[:1].isalpha() else f"chart-{cleaned}"


def _num(value: float) -> str:
    """A coordinate: never localised, at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def format_value(value: float | None, unit: str = "%", decimals: int = 1) -> str:
    if value is None:
        return "–"
    shown = floatformat(value, decimals)  # rounds and localises exactly as the tables do
    return f"{shown} {unit}".strip()


def _open(chart_id: str, width: float, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="13" fill="{TEXT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    description: str = "",
    max_value: float = 100.0,
) -> SafeString:
    """A horizontal bar chart: category at the left, bar, the value as text at its end."""
    chart_id = _id(chart_id)
    labels = [_short(b.label) for b in bars]
    label_width = min(max((len(label) for label in labels), default=4) * CHAR_WIDTH + 12, 340)
    text_width = max((len(b.text) for b in bars), default=4) * CHAR_WIDTH + 16
    plot_width = 320.0
    width = label_width + plot_width + text_width
    row_height, bar_height, top = 28, 18, 8
    axis_y = top + row_height * len(bars) + 4
    height = axis_y + 24
    description = description or "; ".join(f"{b.label}: {b.text}" for b in bars)
    parts = _open(chart_id, width, height, title, description)
    scale = plot_width / max_value if max_value else 0
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        x = label_width + plot_width * fraction
        parts.append(
            f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{_num(axis_y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        tick = format_value(max_value * fraction, "%" if max_value == 100 else "", 0)
        parts.append(
            f'<text x="{_num(x)}" y="{_num(axis_y + 16)}" text-anchor="middle" '
            f'font-size="11">{escape(tick)}</text>'
        )
    for index, (bar, label) in enumerate(zip(bars, labels, strict=True)):
        y = top + index * row_height
        middle = y + row_height / 2
        parts.append("<g>")
        parts.append(
            f'<text x="{_num(label_width - 8)}" y="{_num(middle)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
        length = max(0.0, min(bar.value or 0.0, max_value)) * scale
        if length > 0:
            parts.append(
                f'<rect x="{_num(label_width)}" y="{_num(middle - bar_height / 2)}" '
                f'width="{_num(length)}" height="{bar_height}" fill="{INK}" '
                f'stroke="{OUTLINE}" stroke-width="1"/>'
            )
        parts.append(
            f'<text x="{_num(label_width + length + 6)}" y="{_num(middle)}" '
            f'dominant-baseline="middle">{escape(bar.text)}</text>'
        )
        parts.append("</g>")
    parts.append(
        f'<line x1="{_num(label_width)}" y1="{top}" x2="{_num(label_width)}" '
        f'y2="{_num(axis_y)}" stroke="{OUTLINE}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    r = 5.0
    common = f'fill="{colour}" stroke="{OUTLINE}" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" {common}/>'
    if shape == "square":
        return (
            f'<rect x="{_num(x - r)}" y="{_num(y - r)}" width="{_num(2 * r)}" '
            f'height="{_num(2 * r)}" {common}/>'
        )
    if shape == "plus":
        return (
            f'<path d="M{_num(x - r)} {_num(y)}H{_num(x + r)}M{_num(x)} {_num(y - r)}'
            f'V{_num(y + r)}" stroke="{colour}" stroke-width="3" fill="none"/>'
        )
    if shape == "cross":
        return (
            f'<path d="M{_num(x - r)} {_num(y - r)}L{_num(x + r)} {_num(y + r)}'
            f'M{_num(x - r)} {_num(y + r)}L{_num(x + r)} {_num(y - r)}" stroke="{colour}" '
            f'stroke-width="3" fill="none"/>'
        )
    if shape == "triangle":
        points = [(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)]
    elif shape == "triangle-down":
        points = [(x, y + r + 1), (x + r + 1, y - r), (x - r - 1, y - r)]
    else:  # diamond
        points = [(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)]
    return f'<polygon points="{" ".join(f"{_num(a)},{_num(b)}" for a, b in points)}" {common}/>'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def line_chart(
    *,
    chart_id: str,
    title: str,
    years: Sequence[int],
    lines: Sequence[Line],
    unit: str = "%",
    description: str = "",
    max_value: float | None = None,
    min_value: float = 0.0,
) -> SafeString:
    """Years on x, values (percent by default) on y; each series its own marker and end label."""
    chart_id = _id(chart_id)
    if max_value is None:
        highest = max((v for line in lines for _y, v in line.points), default=0.0)
        max_value = 100.0 if unit == "%" else _nice_max(highest)
    span = (max_value - min_value) or 1.0
    label_chars = max((len(_short(line.label)) for line in lines), default=4)
    left, right_pad, top, plot_height = 52.0, label_chars * CHAR_WIDTH + 24, 12.0, 220.0
    years = sorted(set(years))
    plot_width = max(360.0, 80.0 * (len(years) - 1))
    width = left + plot_width + right_pad
    height = top + plot_height + 36
    bottom = top + plot_height
    # The years the question was asked, evenly spaced (as IMDi's reports show them).
    position = {year: index for index, year in enumerate(years)}

    def x_of(year: int) -> float:
        if len(years) < 2:
            return left + plot_width / 2
        return left + plot_width * position[year] / (len(years) - 1)

    def y_of(value: float) -> float:
        return bottom - plot_height * (min(max(value, min_value), max_value) - min_value) / span

    if not description:
        description = "; ".join(
            f"{line.label}: "
            + ", ".join(f"{year} {format_value(value, unit)}" for year, value in line.points)
            for line in lines
        )
    parts = _open(chart_id, width, height, title, description)
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = min_value + span * fraction
        y = y_of(value)
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(left + plot_width)}" '
            f'y2="{_num(y)}" stroke="{GRID}" stroke-width="1"/>'
        )
        decimals = 0 if float(value).is_integer() else 1
        parts.append(
            f'<text x="{_num(left - 6)}" y="{_num(y)}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="11">'
            f"{escape(format_value(value, unit, decimals))}</text>"
        )
    for year in years:
        parts.append(
            f'<text x="{_num(x_of(year))}" y="{_num(bottom + 20)}" text-anchor="middle">'
            f"{year}</text>"
        )
    parts.append(
        f'<path d="M{_num(left)} {_num(top)}V{_num(bottom)}H{_num(left + plot_width)}" '
        f'stroke="{OUTLINE}" stroke-width="1" fill="none"/>'
    )
    end_labels: list[_EndLabel] = []
    for index, line in enumerate(lines):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        shape = MARKERS[index % len(MARKERS)]
        dash = DASHES[(index // len(MARKERS)) % len(DASHES)]
        points = sorted(line.points)
        parts.append("<g>")
        if len(points) > 1:
            path = " ".join(f"{_num(x_of(year))},{_num(y_of(value))}" for year, value in points)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
            )
        for year, value in points:
            parts.append(_marker(shape, x_of(year), y_of(value), colour))
        parts.append("</g>")
        if points:
            end_labels.append(_EndLabel(y_of(points[-1][1]), _short(line.label), shape, colour))
    # Push end labels apart so they do not overlap.
    end_labels.sort(key=lambda e: e.y)
    gap = 15.0
    for i in range(1, len(end_labels)):
        end_labels[i].y = max(end_labels[i].y, end_labels[i - 1].y + gap)
    overflow = (end_labels[-1].y - (bottom + 4)) if end_labels else 0.0
    if overflow > 0:
        for entry in end_labels:
            entry.y -= overflow
    label_x = left + plot_width + 12
    for entry in end_labels:
        parts.append(_marker(entry.shape, label_x + 4, entry.y, entry.colour))
        parts.append(
            f'<text x="{_num(label_x + 14)}" y="{_num(entry.y)}" dominant-baseline="middle">'
            f"{escape(entry.label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
