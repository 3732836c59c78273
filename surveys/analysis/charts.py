"""Server-rendered SVG charts for the analysis pages and reports.

Readable without colour: every bar carries its category and its value as text, every series of a
line chart has its own marker shape and a text label at its end. Each chart is an image with a
title and a description (``role="img"``, ``aria-labelledby``); the page shows the same numbers in
a table next to it. Every text is escaped; no inline style (the CSP forbids it): size comes from
the ``chart`` class in analysis.css, everything else from presentation attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.core.svg import (
    CHAR_WIDTH,
    DASHES,
    GRID,
    INK,
    MARKERS,
    OUTLINE,
    SERIES_COLOURS,
    EndLabel,
    format_value,
    marker,
    nice_max,
    num,
    short_label,
    svg_id,
    svg_open,
)


@dataclass
class Bar:
    label: str
    value: float | None  # in the chart's unit; None is drawn as no bar
    text: str  # the value as shown beside the bar, e.g. "45.0 % (9)"


@dataclass
class Line:
    label: str
    points: Sequence[tuple[int, float]]  # (year, value)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    description: str = "",
    max_value: float = 100.0,
) -> SafeString:
    """A horizontal bar chart: category at the left, bar, the value as text at its end."""
    chart_id = svg_id(chart_id)
    labels = [short_label(b.label) for b in bars]
    label_width = min(max((len(label) for label in labels), default=4) * CHAR_WIDTH + 12, 340)
    text_width = max((len(b.text) for b in bars), default=4) * CHAR_WIDTH + 16
    plot_width = 320.0
    width = label_width + plot_width + text_width
    row_height, bar_height, top = 28, 18, 8
    axis_y = top + row_height * len(bars) + 4
    height = axis_y + 24
    description = description or "; ".join(f"{b.label}: {b.text}" for b in bars)
    parts = svg_open(chart_id, width, height, title, description)
    scale = plot_width / max_value if max_value else 0
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        x = label_width + plot_width * fraction
        parts.append(
            f'<line x1="{num(x)}" y1="{top}" x2="{num(x)}" y2="{num(axis_y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        tick = format_value(max_value * fraction, "%" if max_value == 100 else "", 0)
        parts.append(
            f'<text x="{num(x)}" y="{num(axis_y + 16)}" text-anchor="middle" '
            f'font-size="11">{escape(tick)}</text>'
        )
    for index, (bar, label) in enumerate(zip(bars, labels, strict=True)):
        y = top + index * row_height
        middle = y + row_height / 2
        parts.append("<g>")
        parts.append(
            f'<text x="{num(label_width - 8)}" y="{num(middle)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
        length = max(0.0, min(bar.value or 0.0, max_value)) * scale
        if length > 0:
            parts.append(
                f'<rect x="{num(label_width)}" y="{num(middle - bar_height / 2)}" '
                f'width="{num(length)}" height="{bar_height}" fill="{INK}" '
                f'stroke="{OUTLINE}" stroke-width="1"/>'
            )
        parts.append(
            f'<text x="{num(label_width + length + 6)}" y="{num(middle)}" '
            f'dominant-baseline="middle">{escape(bar.text)}</text>'
        )
        parts.append("</g>")
    parts.append(
        f'<line x1="{num(label_width)}" y1="{top}" x2="{num(label_width)}" '
        f'y2="{num(axis_y)}" stroke="{OUTLINE}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


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
    chart_id = svg_id(chart_id)
    if max_value is None:
        highest = max((v for line in lines for _y, v in line.points), default=0.0)
        max_value = 100.0 if unit == "%" else nice_max(highest)
    span = (max_value - min_value) or 1.0
    label_chars = max((len(short_label(line.label)) for line in lines), default=4)
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
    parts = svg_open(chart_id, width, height, title, description)
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        value = min_value + span * fraction
        y = y_of(value)
        parts.append(
            f'<line x1="{num(left)}" y1="{num(y)}" x2="{num(left + plot_width)}" '
            f'y2="{num(y)}" stroke="{GRID}" stroke-width="1"/>'
        )
        decimals = 0 if float(value).is_integer() else 1
        parts.append(
            f'<text x="{num(left - 6)}" y="{num(y)}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="11">'
            f"{escape(format_value(value, unit, decimals))}</text>"
        )
    for year in years:
        parts.append(
            f'<text x="{num(x_of(year))}" y="{num(bottom + 20)}" text-anchor="middle">{year}</text>'
        )
    parts.append(
        f'<path d="M{num(left)} {num(top)}V{num(bottom)}H{num(left + plot_width)}" '
        f'stroke="{OUTLINE}" stroke-width="1" fill="none"/>'
    )
    end_labels: list[EndLabel] = []
    for index, line in enumerate(lines):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        shape = MARKERS[index % len(MARKERS)]
        dash = DASHES[(index // len(MARKERS)) % len(DASHES)]
        points = sorted(line.points)
        parts.append("<g>")
        if len(points) > 1:
            path = " ".join(f"{num(x_of(year))},{num(y_of(value))}" for year, value in points)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
            )
        for year, value in points:
            parts.append(marker(shape, x_of(year), y_of(value), colour))
        parts.append("</g>")
        if points:
            end_labels.append(EndLabel(y_of(points[-1][1]), short_label(line.label), shape, colour))
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
        parts.append(marker(entry.shape, label_x + 4, entry.y, entry.colour))
        parts.append(
            f'<text x="{num(label_x + 14)}" y="{num(entry.y)}" dominant-baseline="middle">'
            f"{escape(entry.label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
