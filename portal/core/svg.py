"""SVG chart primitives that every chart of the portal draws with: colours, marker shapes,
ids, numbers, the opening of an accessible ``<svg role="img">`` with its title and description.

Readable without colour: every series has its own marker shape as well as its colour. Every text
is escaped by the caller or here; no inline style (the CSP forbids it). The survey analysis
charts (``surveys.analysis.charts``) and the benchmark report's (``portal.benchmark.charts``)
are built from these.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.html import escape

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
class EndLabel:
    y: float
    label: str
    shape: str
    colour: str


def svg_id(raw: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", raw)
    return cleaned if cleaned[:1].isalpha() else f"chart-{cleaned}"


def num(value: float) -> str:
    """A coordinate: never localised, at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def short_label(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def format_value(value: float | None, unit: str = "%", decimals: int = 1) -> str:
    if value is None:
        return "–"
    shown = floatformat(value, decimals)  # rounds and localises exactly as the tables do
    return f"{shown} {unit}".strip()


def svg_open(chart_id: str, width: float, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {num(width)} {num(height)}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="13" fill="{TEXT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def marker(shape: str, x: float, y: float, colour: str) -> str:
    r = 5.0
    common = f'fill="{colour}" stroke="{OUTLINE}" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" {common}/>'
    if shape == "square":
        return (
            f'<rect x="{num(x - r)}" y="{num(y - r)}" width="{num(2 * r)}" '
            f'height="{num(2 * r)}" {common}/>'
        )
    if shape == "plus":
        return (
            f'<path d="M{num(x - r)} {num(y)}H{num(x + r)}M{num(x)} {num(y - r)}'
            f'V{num(y + r)}" stroke="{colour}" stroke-width="3" fill="none"/>'
        )
    if shape == "cross":
        return (
            f'<path d="M{num(x - r)} {num(y - r)}L{num(x + r)} {num(y + r)}'
            f'M{num(x - r)} {num(y + r)}L{num(x + r)} {num(y - r)}" stroke="{colour}" '
            f'stroke-width="3" fill="none"/>'
        )
    if shape == "triangle":
        points = [(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)]
    elif shape == "triangle-down":
        points = [(x, y + r + 1), (x + r + 1, y - r), (x - r - 1, y - r)]
    else:  # diamond
        points = [(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)]
    return f'<polygon points="{" ".join(f"{num(a)},{num(b)}" for a, b in points)}" {common}/>'


def nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover
