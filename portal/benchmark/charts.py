"""Server-rendered SVG charts for the benchmark report (the HTML page and its WeasyPrint PDF).

The conventions are those of :mod:`surveys.analysis.charts`, whose helpers this module reuses:

* every chart is ``<svg class="chart" role="img" aria-labelledby="ID-title ID-desc">`` with a
  ``<title>`` and a ``<desc>``; the caller writes the description, and the report shows the same
  numbers in a table next to the chart;
* every text is escaped with :func:`django.utils.html.escape`; there is no ``style`` attribute
  (the CSP forbids inline style) -- size comes from the ``chart`` class, everything else from
  presentation attributes;
* coordinates are written with ``num`` (never localised), shown values with ``format_value``
  (localised exactly like the tables);
* every text is laid out by :func:`text_width`, an estimate on the wide side (the widest common
  sans-serif fonts), so that no text leaves the chart in any font: a legend that does not fit on
  one line wraps onto the next, and the trend chart's legend sits below the plot;
* the ``<svg>`` has a ``width`` and ``height`` (its natural size, :data:`SCALE` CSS pixels per
  unit), so on a wide page the chart's texts keep the size of the page's small print instead of
  growing with the column; the CSS lets it shrink on a narrow screen;
* nothing is told by colour alone: "you" is a larger filled diamond with a text label, peers are
  small open circles, national and reference values are dashed lines with a text label, and the
  good/bad colour of "you" in the dot plot is repeated in words ("above peer median").

The parts of a chart are grouped under a class (``you``, ``peers``, ``national``, ``band``,
``reference``, ``splits``, ``legend``) so tests and print CSS can find them.

Values are in the chart's unit (percent by default), except in :func:`quadrant_chart`, whose
ratios are fractions shown as percent. ``None`` is "no value" everywhere and is never drawn as 0.
All functions are pure (no database) and return a ``SafeString``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal.core.svg import (
    DASHES,
    GRID,
    INK,
    MARKERS,
    OUTLINE,
    SERIES_COLOURS,
    format_value,
    marker,
    nice_max,
    num,
    short_label,
    svg_id,
    svg_open,
)

GOOD = "#1b5e20"  # "you" is on the better side of the peer median
BAD = "#8a1538"  # "you" is on the worse side
BAND = "#dde3ea"  # the peers' interquartile band
LIGHT_BAR = "#8fa6bf"  # bars next to a highlighted first bar
WHITE = "#ffffff"
DASH = "5 3"  # national / reference / split lines
BOLD = ' font-weight="bold"'
SMALL = ' font-size="11"'
FONT_SIZE = 13.0  # every text but the small print
SMALL_SIZE = 11.0
LINE = 16.0  # the distance between two lines of a text of FONT_SIZE
SMALL_LINE = 14.0
SCALE = 1.2  # CSS pixels per unit on the page: 13 units are about the size of the page's text

# Advance widths in em, rounded up from DejaVu Sans (the widest of the common sans-serif fonts:
# the browser's default on Linux, close to Verdana); Source Sans 3 (the PDF's), Arial, Helvetica
# and Segoe UI are narrower, so a text laid out with these never runs wider than estimated.
_EM_NARROW = dict.fromkeys("ijlIJ'.,:;|!", 0.35)
_EM_SEMI = dict.fromkeys(" frt-()/[]", 0.42)
_EM_WIDE = dict.fromkeys("mwMW%æÆ…", 1.0)
_EM_DIGIT = 0.64
_EM_CAPITAL = 0.8
_EM_OTHER = 0.64
_BOLD_FACTOR = 1.15


def _em(char: str) -> float:
    for table in (_EM_NARROW, _EM_SEMI, _EM_WIDE):
        if char in table:
            return table[char]
    if char.isdigit():
        return _EM_DIGIT
    if char.isupper():
        return _EM_CAPITAL
    return _EM_OTHER


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of ``text`` in chart units at ``size``, estimated on the wide side."""
    width = sum(_em(char) for char in text) * size
    return width * _BOLD_FACTOR if bold else width


def wrap(text: str, width: float, size: float = FONT_SIZE, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width`` (by :func:`text_width`), broken at spaces; a
    single word wider than that is broken where it must be."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, size, bold) > width and len(word) > 1:
            cut = max(
                (i for i in range(1, len(word)) if text_width(word[:i], size, bold) <= width),
                default=1,
            )
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def _style(extra: str) -> tuple[float, bool]:
    """The font size and weight that a text's extra attributes give it."""
    return (SMALL_SIZE if SMALL in extra else FONT_SIZE), BOLD in extra


def _open(chart_id: str, width: float, height: float, title: str, description: str) -> list[str]:
    """As in ``surveys.analysis.charts``, with the portal's own font named, so a PDF embeds only the
    fonts shipped in static/fonts (WeasyPrint does not pass the page's font into SVG), and the
    chart's natural size in CSS pixels (see :data:`SCALE`)."""
    parts = svg_open(chart_id, width, height, title, description)
    parts[0] = parts[0].replace(
        'font-size="13"',
        f'width="{num(width * SCALE)}" height="{num(height * SCALE)}" font-size="13" '
        'font-family="Source Sans 3, sans-serif"',
        1,
    )
    return parts


# --- shared helpers ---------------------------------------------------------------------------


def quartiles(values: Iterable[float | None]) -> tuple[float, float, float] | None:
    """(Q1, median, Q3) by linear interpolation between the closest ranks (the "inclusive"
    method of :func:`statistics.quantiles`); None values are skipped; None when nothing is left,
    ``(v, v, v)`` for a single value."""
    present = sorted(float(v) for v in values if v is not None)
    if not present:
        return None
    if len(present) == 1:
        return present[0], present[0], present[0]
    q1, median, q3 = statistics.quantiles(present, n=4, method="inclusive")
    return q1, median, q3


def _axis_max(values: Iterable[float], unit: str, max_value: float | None) -> float:
    """The given maximum; else 100 for percent (or a nice maximum when a value exceeds 100, as
    settlement ratios may); else a nice maximum above the largest value."""
    if max_value is not None and max_value > 0:
        return max_value
    highest = max(values, default=0.0)
    if unit == "%" and highest <= 100:
        return 100.0
    return nice_max(highest)


def _tick(value: float, unit: str) -> str:
    return format_value(value, unit, 0 if float(value).is_integer() else 1)


def _clamp(value: float, high: float) -> float:
    return min(max(value, 0.0), high)


def _text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}" dominant-baseline="middle"'
        f"{extra}>{escape(text)}</text>"
    )


def _text_near(x: float, y: float, text: str, width: float, extra: str = "") -> str:
    """A text centred on ``x``, anchored at the chart's edge instead when it would leave it."""
    half = text_width(text, *_style(extra)) / 2
    if x - half < 2:
        return _text(2, y, text, "start", extra)
    if x + half > width - 2:
        return _text(width - 2, y, text, "end", extra)
    return _text(x, y, text, "middle", extra)


def _lines_near(x: float, y: float, lines: Sequence[str], width: float, extra: str = "") -> str:
    """Lines of one label, the first centred on ``y``, each on the next line down, all centred
    on ``x`` or, when the widest would leave the chart, anchored at the edge it would cross."""
    size, bold = _style(extra)
    half = max((text_width(line, size, bold) for line in lines), default=0.0) / 2
    anchor, at = "middle", x
    if x - half < 2:
        anchor, at = "start", 2.0
    elif x + half > width - 2:
        anchor, at = "end", width - 2
    step = SMALL_LINE if size == SMALL_SIZE else LINE
    return "".join(_text(at, y + i * step, line, anchor, extra) for i, line in enumerate(lines))


LegendKey = Callable[[float, float], str]  # draws the key with its left edge at x, centred on y


def _legend(
    entries: Sequence[tuple[LegendKey, float, str]], *, left: float, top: float, right: float
) -> tuple[list[str], float]:
    """The legend's entries (key, the key's width, text) in rows from ``top``, between ``left``
    and ``right``: an entry that does not fit beside the one before it starts a new row, and a
    text too long for what is left of its row wraps onto more lines. Returns the parts and the
    legend's bottom."""
    parts: list[str] = []
    x, row_top, row_height = left, top, 0.0
    for draw, key_width, label in entries:
        indent = key_width + 6
        if x > left and x + indent + text_width(label, SMALL_SIZE) > right:
            x, row_top, row_height = left, row_top + row_height + 4, 0.0
        lines = wrap(label, right - x - indent, SMALL_SIZE)
        middle = row_top + SMALL_LINE / 2
        parts.append(draw(x, middle))
        parts.extend(
            _text(x + indent, middle + i * SMALL_LINE, line, "start", SMALL)
            for i, line in enumerate(lines)
        )
        x += indent + max(text_width(line, SMALL_SIZE) for line in lines) + 16
        row_height = max(row_height, len(lines) * SMALL_LINE)
    return parts, row_top + row_height


def _line(
    x1: float, y1: float, x2: float, y2: float, colour: str, width: float, dashed: bool
) -> str:
    dash = f' stroke-dasharray="{DASH}"' if dashed else ""
    return (
        f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" '
        f'stroke="{colour}" stroke-width="{num(width)}"{dash}/>'
    )


def _vline(
    x: float, y1: float, y2: float, colour: str = GRID, width: float = 1, dashed: bool = False
) -> str:
    return _line(x, y1, x, y2, colour, width, dashed)


def _hline(
    x1: float, x2: float, y: float, colour: str = GRID, width: float = 1, dashed: bool = False
) -> str:
    return _line(x1, y, x2, y, colour, width, dashed)


def _diamond(x: float, y: float, colour: str, r: float = 8.0) -> str:
    """The "you" marker: larger than every other marker, filled, outlined."""
    points = ((x, y - r), (x + r, y), (x, y + r), (x - r, y))
    return (
        f'<polygon points="{" ".join(f"{num(a)},{num(b)}" for a, b in points)}" '
        f'fill="{colour}" stroke="{OUTLINE}" stroke-width="1.5"/>'
    )


def _peer(x: float, y: float, name: str = "", shown: str = "") -> str:
    """A peer: a small open circle; "<name>: <shown>" (or just ``shown`` when unnamed) becomes
    its <title>, a hover text on the page, ignored in the PDF."""
    tooltip = f"{name}: {shown}" if name and shown else name or shown
    tip = f"<title>{escape(tooltip)}</title>" if tooltip else ""
    return (
        f'<circle cx="{num(x)}" cy="{num(y)}" r="4" fill="{WHITE}" stroke="{INK}" '
        f'stroke-width="1.5">{tip}</circle>'
    )


def _close(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped where it is added


# --- 1. dot plot ------------------------------------------------------------------------------


def compare_to_median(
    you: float | None,
    median: float | None,
    higher_is_better: bool | None,
) -> tuple[str, int | None]:
    """(colour of "you", position: 1 above / 0 at / -1 below the median, None if unknown).

    Neutral ink when the direction is unknown; otherwise green on the better side and dark red on
    the worse side. Being exactly at the median counts as the better side in both directions
    (not worse than the peers)."""
    if you is None or median is None:
        return INK, None
    position = 0 if math.isclose(you, median, abs_tol=1e-9) else (1 if you > median else -1)
    if higher_is_better is None:
        return INK, position
    good = position >= 0 if higher_is_better else position <= 0
    return (GOOD if good else BAD), position


def dot_plot(
    *,
    chart_id: str,
    title: str,
    description: str,
    you_label: str,
    you: float | None,
    peers: Sequence[tuple[str, float | None]],
    national: float | None,
    national_label: str,
    unit: str = "%",
    max_value: float | None = None,
    higher_is_better: bool | None = None,
    above_text: str = "above peer median",
    below_text: str = "below peer median",
    at_text: str = "at peer median",
    no_data_text: str = "No data",
    peers_text: str = "Peers",
    band_text: str = "Middle half of the peers (Q1–Q3) and their median",
    band_only: bool = False,
) -> SafeString:
    """One indicator on a horizontal strip from 0 to the axis maximum.

    Peers are small open circles over a light band from their Q1 to Q3 with a line at their
    median; the national value is a dashed vertical line labelled "<national_label>: <value>";
    "you" is a larger filled diamond labelled above with "<you_label>: <value> (<words>)".
    The words (``above_text`` / ``below_text`` / ``at_text``, translated by the caller) are
    written **whenever** both "you" and a peer median exist, whatever ``higher_is_better`` is:
    the position is a fact, the colour (see :func:`compare_to_median`) only adds the judgement.
    None values are skipped; values beyond the axis are drawn at its edge. With neither "you"
    nor any peer value the chart is just ``no_data_text``. An empty ``peers_text`` or
    ``band_text`` leaves that legend entry out. With ``band_only`` the peers' band and median
    are drawn but no single peer (used when some peer's figure is suppressed).
    """
    chart_id = svg_id(chart_id)
    present = [(name, value) for name, value in peers if value is not None]
    width, left, plot_width = 560.0, 24.0, 512.0
    if you is None and not present:
        empty = _open(chart_id, width, 40, title, description)
        empty.append(_text(width / 2, 20, no_data_text))
        return _close(empty)

    known = [v for v in (you, national) if v is not None] + [v for _n, v in present]
    top_value = _axis_max(known, unit, max_value)
    spread = quartiles(v for _n, v in present)
    median = spread[1] if spread else None

    # "You" on top, wrapped when it is wider than the chart; the rest moves down to make room.
    if you is None:
        you_text = f"{short_label(you_label)}: {no_data_text}"
    else:
        colour, position = compare_to_median(you, median, higher_is_better)
        you_text = f"{short_label(you_label)}: {format_value(you, unit)}"
        if position is not None:
            words = {1: above_text, 0: at_text, -1: below_text}[position]
            you_text = f"{you_text} ({words})"
    you_lines = wrap(you_text, width - 4, FONT_SIZE, bold=True)
    shift = (len(you_lines) - 1) * LINE
    you_row, national_row = 14.0, 32.0 + shift
    strip_top, strip_bottom, axis_y = 42.0 + shift, 66.0 + shift, 72.0 + shift
    middle = (strip_top + strip_bottom) / 2

    def x_of(value: float) -> float:
        return left + plot_width * _clamp(value, top_value) / top_value

    parts: list[str] = []
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        x = left + plot_width * fraction
        parts.append(_vline(x, strip_top, axis_y + 4))
        parts.append(_text(x, axis_y + 14, _tick(top_value * fraction, unit), extra=SMALL))
    parts.append(_hline(left, left + plot_width, axis_y, OUTLINE))

    if spread:
        q1, q2, q3 = spread
        parts.append(
            f'<g class="band"><rect x="{num(x_of(q1))}" y="{num(strip_top)}" '
            f'width="{num(max(x_of(q3) - x_of(q1), 1.0))}" height="{num(strip_bottom - strip_top)}" '
            f'fill="{BAND}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_vline(x_of(q2), strip_top, strip_bottom, INK, 2) + "</g>")
    if national is not None:
        shown = format_value(national, unit)
        label = f"{short_label(national_label)}: {shown}" if national_label else shown
        parts.append(
            f'<g class="national">'
            f"{_vline(x_of(national), strip_top - 4, axis_y, OUTLINE, 1.5, dashed=True)}"
            f"{_text_near(x_of(national), national_row, label, width)}</g>"
        )
    parts.append('<g class="peers">')
    for name, value in [] if band_only else present:
        parts.append(_peer(x_of(value), middle, name, format_value(value, unit)))
    parts.append("</g>")

    parts.append('<g class="you">')
    if you is None:
        parts.append(_lines_near(2, you_row, you_lines, width, BOLD))
    else:
        parts.append(_diamond(x_of(you), middle, colour))
        parts.append(_lines_near(x_of(you), you_row, you_lines, width, BOLD))
    parts.append("</g>")

    entries: list[tuple[LegendKey, float, str]] = []
    if peers_text and present and not band_only:
        entries.append((lambda x, y: _peer(x + 4, y), 8.0, peers_text))
    if band_text and spread:
        entries.append((_band_key, 24.0, band_text))
    legend, bottom = _legend(entries, left=left, top=axis_y + 26, right=width - 4)
    parts.append('<g class="legend">' + "".join(legend) + "</g>")
    height = (bottom if entries else axis_y + 20) + 8
    return _close(_open(chart_id, width, height, title, description) + parts)


def _band_key(x: float, y: float) -> str:
    return (
        f'<rect x="{num(x)}" y="{num(y - 6)}" width="24" height="12" '
        f'fill="{BAND}" stroke="{GRID}" stroke-width="1"/>'
    ) + _vline(x + 12, y - 6, y + 6, INK, 2)


# --- 2. bars with a reference line ------------------------------------------------------------


def reference_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[tuple[str, float | None, str]],
    reference: float | None = None,
    reference_label: str = "",
    unit: str = "%",
    max_value: float = 100.0,
    highlight_first: bool = True,
) -> SafeString:
    """Horizontal bars ``(label, value, text at the bar end)`` as in ``surveys.analysis.charts.bar_chart``,
    plus a dashed vertical line at ``reference`` labelled above the bars with ``reference_label``
    as given (the formatted value when the label is empty). With ``highlight_first`` the first
    bar ("you") is dark and outlined, its label and text bold, the other bars lighter. A None
    value draws no bar but still shows its text (e.g. ":" for suppressed); values are clamped to
    0..``max_value``."""
    chart_id = svg_id(chart_id)
    max_value = max_value if max_value > 0 else 100.0
    labels = [short_label(label) for label, _v, _t in bars]
    # Measured as bold: the first label and text are, and any may be the widest.
    label_width = max((text_width(label, bold=True) for label in labels), default=30.0) + 16
    value_width = max((text_width(text, bold=True) for _l, _v, text in bars), default=30.0) + 16
    plot_width = 320.0
    width = label_width + plot_width + value_width
    row_height, bar_height = 28, 18
    top = 8.0 if reference is None else 30.0
    axis_y = top + row_height * len(bars) + 4
    height = axis_y + 24
    scale = plot_width / max_value
    parts = _open(chart_id, width, height, title, description)
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        x = label_width + plot_width * fraction
        parts.append(_vline(x, top, axis_y))
        parts.append(_text(x, axis_y + 14, _tick(max_value * fraction, unit), extra=SMALL))
    texts: list[str] = []  # written last: over the bars and the reference line
    for index, ((_label, value, text), label) in enumerate(zip(bars, labels, strict=True)):
        highlighted = highlight_first and index == 0
        weight = BOLD if highlighted else ""
        middle = top + index * row_height + row_height / 2
        length = _clamp(value, max_value) * scale if value is not None else 0.0
        if length > 0:
            fill, stroke, stroke_width = (
                (INK, OUTLINE, 2)
                if highlighted
                else ((LIGHT_BAR, INK, 1) if highlight_first else (INK, OUTLINE, 1))
            )
            parts.append(
                f'<rect x="{num(label_width)}" y="{num(middle - bar_height / 2)}" '
                f'width="{num(length)}" height="{bar_height}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{stroke_width}"/>'
            )
        texts.append(_text(label_width - 8, middle, label, "end", weight))
        texts.append(_text(label_width + length + 6, middle, text, "start", weight))
    parts.append(_vline(label_width, top, axis_y, OUTLINE))
    if reference is not None:
        x = label_width + _clamp(reference, max_value) * scale
        parts.append(
            f'<g class="reference">{_vline(x, top - 8, axis_y, OUTLINE, 1.5, dashed=True)}'
            f"{_text_near(x, 12, reference_label or format_value(reference, unit), width)}</g>"
        )
    parts.extend(texts)
    return _close(parts)


# --- 3. trend ---------------------------------------------------------------------------------


def trend_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    years: Sequence[int],
    series: Sequence[tuple[str, Sequence[tuple[int, float | None]]]],
    unit: str = "%",
    max_value: float | None = None,
) -> SafeString:
    """A five-year trend: years (evenly spaced) on x, values on y, one series per line, drawn
    like ``surveys.analysis.charts.line_chart`` (own colour and marker shape per series), except
    that a missing year (None, or absent) **breaks the line** (the known years are joined only
    to their known neighbours, never across a gap) and that the series are named in a legend
    below the plot (a line and marker, then the name, wrapped when long) rather than at the
    lines' ends, where long names ran out of the chart. Points outside ``years`` are
    ignored."""
    chart_id = svg_id(chart_id)
    years = sorted(set(years))
    position = {year: index for index, year in enumerate(years)}
    cleaned = [
        (short_label(label), sorted((y, v) for y, v in points if v is not None and y in position))
        for label, points in series
    ]
    top_value = _axis_max((v for _l, points in cleaned for _y, v in points), unit, max_value)
    ticks = [(top_value * fraction, _tick(top_value * fraction, unit)) for fraction in GRID_STEPS]
    left = max(40.0, max(text_width(text, SMALL_SIZE) for _v, text in ticks) + 14)
    top, plot_height = 12.0, 220.0
    plot_width = max(360.0, 80.0 * (len(years) - 1))
    width = left + plot_width + 28
    bottom = top + plot_height

    def x_of(year: int) -> float:
        if len(years) < 2:
            return left + plot_width / 2
        return left + plot_width * position[year] / (len(years) - 1)

    def y_of(value: float) -> float:
        return bottom - plot_height * _clamp(value, top_value) / top_value

    parts: list[str] = []
    for value, text in ticks:
        parts.append(_hline(left, left + plot_width, y_of(value)))
        parts.append(_text(left - 6, y_of(value), text, "end", SMALL))
    for year in years:
        parts.append(_text(x_of(year), bottom + 20, str(year)))
    parts.append(
        f'<path d="M{num(left)} {num(top)}V{num(bottom)}H{num(left + plot_width)}" '
        f'stroke="{OUTLINE}" stroke-width="1" fill="none"/>'
    )
    entries: list[tuple[LegendKey, float, str]] = []
    for index, (label, points) in enumerate(cleaned):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        shape = MARKERS[index % len(MARKERS)]
        dash = DASHES[(index // len(MARKERS)) % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segments: list[list[tuple[int, float]]] = []
        for year, value in points:
            if segments and position[segments[-1][-1][0]] == position[year] - 1:
                segments[-1].append((year, value))
            else:
                segments.append([(year, value)])
        parts.append("<g>")
        for segment in segments:
            if len(segment) > 1:
                path = " ".join(f"{num(x_of(y))},{num(y_of(v))}" for y, v in segment)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash_attr}/>'
                )
        parts.extend(marker(shape, x_of(year), y_of(value), colour) for year, value in points)
        parts.append("</g>")
        entries.append((_series_key(shape, colour, dash_attr), 24.0, label))
    # The legend below the plot: each series' line and marker, then its name.
    legend, legend_bottom = _legend(entries, left=left, top=bottom + 34, right=width - 4)
    parts.append('<g class="legend">' + "".join(legend) + "</g>")
    height = legend_bottom + 8
    return _close(_open(chart_id, width, height, title, description) + parts)


GRID_STEPS = (0, 0.25, 0.5, 0.75, 1)


def _series_key(shape: str, colour: str, dash_attr: str) -> LegendKey:
    def draw(x: float, y: float) -> str:
        return (
            f'<line x1="{num(x)}" y1="{num(y)}" x2="{num(x + 24)}" y2="{num(y)}" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
        ) + marker(shape, x + 12, y, colour)

    return draw


# --- 4. the two-by-two ------------------------------------------------------------------------


def _fraction_ticks(high: float) -> list[float]:
    """Ticks from 0 at a round step (5 %, 10 %, 20 %, 25 %, 50 %, …) with at most 7 of them."""
    step = next(
        (s for s in (0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0) if high / s <= 6),
        nice_max(high / 6),
    )
    return [k * step for k in range(int(high / step + 1e-9) + 1)]


def quadrant_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    x_split: float,
    y_split: float,
    you_label: str,
    you: tuple[float, float] | None,
    others: Sequence[tuple[str, float, float]],
    quadrant_labels: tuple[str, str, str, str],
    max_x: float | None = None,
    max_y: float = 1.0,
) -> SafeString:
    """The two-by-two: x = settlement willingness (decided ÷ requested), y = integration (share
    in work or education), both fractions, shown as percent on the axes.

    ``quadrant_labels`` is ``(top_right, top_left, bottom_right, bottom_left)``, i.e. the order
    of ``indicators.Quadrant``: (settles much & integrates well, settles little & integrates
    well, settles much & integrates less well, settles little & integrates less well); each is
    written in its corner of the plot. The splits are dashed lines. ``others`` (peers) are small
    unlabelled open circles (their names are hover titles only; the report lists them in a
    table); "you" is a filled diamond with its label, left out when None. Values beyond the axes
    are drawn at the edge (clamped to 0..max). ``max_x`` defaults to max(1.0, largest x × 1.1).
    """
    chart_id = svg_id(chart_id)
    if max_x is None or max_x <= 0:
        xs = [x for _n, x, _y in others] + ([you[0]] if you else [])
        max_x = max(1.0, max(xs, default=0.0) * 1.1)
    max_y = max_y if max_y > 0 else 1.0
    left, plot_width, plot_height = 56.0, 520.0, 300.0
    width = left + plot_width + 24  # room for the last tick's label
    y_lines = wrap(y_label, width - 8, bold=True)
    x_lines = wrap(x_label, plot_width, bold=True)
    top = 28.0 + (len(y_lines) - 1) * LINE
    right, bottom = left + plot_width, top + plot_height
    height = bottom + 48 + (len(x_lines) - 1) * LINE

    def x_of(value: float) -> float:
        return left + plot_width * _clamp(value, max_x) / max_x

    def y_of(value: float) -> float:
        return bottom - plot_height * _clamp(value, max_y) / max_y

    def percent(value: float) -> str:
        return format_value(value * 100, "%", 0)

    parts = _open(chart_id, width, height, title, description)
    for tick in _fraction_ticks(max_x):
        parts.append(_vline(x_of(tick), top, bottom))
        parts.append(_text(x_of(tick), bottom + 14, percent(tick), extra=SMALL))
    for tick in _fraction_ticks(max_y):
        parts.append(_hline(left, right, y_of(tick)))
        parts.append(_text(left - 6, y_of(tick), percent(tick), "end", SMALL))
    parts.append(
        f'<path d="M{num(left)} {num(top)}V{num(bottom)}H{num(right)}" '
        f'stroke="{OUTLINE}" stroke-width="1" fill="none"/>'
    )
    parts.extend(_text(4, 12 + i * LINE, line, "start", BOLD) for i, line in enumerate(y_lines))
    parts.append(_lines_near((left + right) / 2, bottom + 36, x_lines, width, BOLD))
    parts.append(
        f'<g class="splits">{_vline(x_of(x_split), top, bottom, OUTLINE, 1.5, dashed=True)}'
        f"{_hline(left, right, y_of(y_split), OUTLINE, 1.5, dashed=True)}</g>"
    )
    # Each corner's label wraps within its half of the plot: down from the top corners, up from
    # the bottom ones.
    half = plot_width / 2 - 12
    top_right, top_left, bottom_right, bottom_left = (
        wrap(short_label(label), half, SMALL_SIZE) for label in quadrant_labels
    )
    for lines, x, anchor in ((top_right, right - 6, "end"), (top_left, left + 6, "start")):
        parts.extend(
            _text(x, top + 12 + i * SMALL_LINE, line, anchor, SMALL) for i, line in enumerate(lines)
        )
    for lines, x, anchor in ((bottom_right, right - 6, "end"), (bottom_left, left + 6, "start")):
        first = bottom - 12 - (len(lines) - 1) * SMALL_LINE
        parts.extend(
            _text(x, first + i * SMALL_LINE, line, anchor, SMALL) for i, line in enumerate(lines)
        )
    parts.append('<g class="peers">')
    for name, x, y in others:
        parts.append(_peer(x_of(x), y_of(y), name, f"{percent(x)}, {percent(y)}"))
    parts.append("</g>")
    if you is not None:
        x, y = x_of(you[0]), y_of(you[1])
        label = short_label(you_label)
        parts.append('<g class="you">')
        parts.append(_diamond(x, y, INK))
        # Beside the diamond on the side with more room, wrapped to it if need be.
        room_right, room_left = width - 2 - (x + 12), x - 12 - 2
        if text_width(label, bold=True) <= room_right or room_right >= room_left:
            lines, at, anchor = wrap(label, room_right, bold=True), x + 12, "start"
        else:
            lines, at, anchor = wrap(label, room_left, bold=True), x - 12, "end"
        first = y - (len(lines) - 1) * LINE / 2
        parts.extend(
            _text(at, first + i * LINE, line, anchor, BOLD) for i, line in enumerate(lines)
        )
        parts.append("</g>")
    return _close(parts)
