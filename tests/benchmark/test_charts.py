"""The benchmark report's SVG charts: well-formed, accessible, escaped, no inline style, and the
logic they show (quartiles, the colour and words of "you", gaps, clamping, reference lines).
Pure functions: no database."""

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont

from portal.benchmark import charts, indicators
from portal.benchmark.report.labels import dot_plot_words

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & Co"
PEERS = [("A", 40.0), ("B", 50.0), ("C", None), ("D", 60.0)]  # median 50, Q1 45, Q3 55


def parse(svg: str) -> ET.Element:
    """Parse a chart and check the conventions every chart must keep."""
    root = ET.fromstring(str(svg))  # noqa: S314 - our own output, not untrusted input
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("class") == "chart"
    chart_id = root.get("id")
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    labelled = (root.get("aria-labelledby") or "").split()
    assert labelled == [f"{chart_id}-title", f"{chart_id}-desc"]
    assert set(labelled) <= ids
    assert [element.tag for element in root.iter() if "style" in element.attrib] == []
    return root


def title_and_desc(root: ET.Element) -> tuple[str | None, str | None]:
    return root.findtext(f"{NS}title"), root.findtext(f"{NS}desc")


def group(root: ET.Element, name: str) -> ET.Element | None:
    return root.find(f".//{NS}g[@class='{name}']")


def texts(element: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in element.iter(f"{NS}text")]


def dot(**overrides: Any) -> ET.Element:
    arguments: dict[str, Any] = {
        "chart_id": "dot",
        "title": "In work or education",
        "description": "Moss 70 %, peers 40–60 %",
        "you_label": "Moss",
        "you": 70.0,
        "peers": PEERS,
        "national": 58.0,
        "national_label": "Norway",
    }
    return parse(charts.dot_plot(**(arguments | overrides)))


def you_marker(root: ET.Element) -> ET.Element:
    you = group(root, "you")
    assert you is not None
    marker = you.find(f"{NS}polygon")
    assert marker is not None
    return marker


# --- quartiles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4, 5], (2, 3, 4)),
        ([10], (10, 10, 10)),
        ([], None),
        ([None, None], None),
        ([4, None, 1, 3, 2], (1.75, 2.5, 3.25)),  # linear interpolation, unsorted input
    ],
)
def test_quartiles(values, expected):
    assert charts.quartiles(values) == expected


# --- every chart: accessible, escaped, no style -----------------------------------------------


def all_charts(label: str) -> list[str]:
    common: dict[str, Any] = {"title": f"Title {label}", "description": f"Description {label}"}
    return [
        charts.dot_plot(
            chart_id="c1",
            you_label=label,
            you=50.0,
            peers=[(label, 40.0)],
            national=45.0,
            national_label=label,
            **common,
        ),
        charts.reference_bars(
            chart_id="c2",
            bars=[(label, 63.0, f"63.0 % {label}")],
            reference=70.0,
            reference_label=label,
            **common,
        ),
        charts.trend_chart(
            chart_id="c3", years=[2023, 2024], series=[(label, [(2023, 1.0)])], **common
        ),
        charts.quadrant_chart(
            chart_id="c4",
            x_label=label,
            y_label=label,
            x_split=0.9,
            y_split=0.6,
            you_label=label,
            you=(1.0, 0.5),
            others=[(label, 0.5, 0.5)],
            quadrant_labels=(label, label, label, label),
            **common,
        ),
    ]


def test_every_chart_is_an_accessible_image_and_escapes_its_texts():
    for svg in all_charts(HOSTILE):
        assert "<script>" not in svg
        root = parse(svg)
        assert title_and_desc(root) == (f"Title {HOSTILE}", f"Description {HOSTILE}")
        assert any(HOSTILE in text for text in texts(root))


def test_chart_id_is_made_safe_for_an_attribute():
    root = parse(
        charts.reference_bars(chart_id='1 "x"', title="t", description="d", bars=[("a", 1.0, "1")])
    )
    assert root.get("id") == "chart-1--x-"


# --- dot plot ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("you", "higher_is_better", "colour", "words"),
    [
        (70.0, True, charts.GOOD, "above peer median"),
        (30.0, True, charts.BAD, "below peer median"),
        (50.0, True, charts.GOOD, "at peer median"),
        (70.0, False, charts.BAD, "above peer median"),
        (30.0, False, charts.GOOD, "below peer median"),
        (50.0, False, charts.GOOD, "at peer median"),
        (70.0, None, charts.INK, "above peer median"),
        (30.0, None, charts.INK, "below peer median"),
    ],
)
def test_dot_plot_colours_you_and_says_it_in_words(you, higher_is_better, colour, words):
    root = dot(you=you, higher_is_better=higher_is_better)
    assert you_marker(root).get("fill") == colour
    you_group = group(root, "you")
    assert you_group is not None
    assert texts(you_group) == [f"Moss: {you:.1f} % ({words})"]


def test_dot_plot_takes_the_translated_words():
    root = dot(you=30.0, higher_is_better=True, below_text="under middelet", above_text="x")
    you_group = group(root, "you")
    assert you_group is not None
    assert texts(you_group) == ["Moss: 30.0 % (under middelet)"]


def test_dot_plot_draws_peers_band_and_national_line():
    root = dot()
    peers = group(root, "peers")
    assert peers is not None
    tooltips = [circle.findtext(f"{NS}title") for circle in peers.findall(f"{NS}circle")]
    assert tooltips == ["A: 40.0 %", "B: 50.0 %", "D: 60.0 %"]  # the None peer is skipped
    unnamed = group(dot(peers=[("", 40.0)]), "peers")
    assert unnamed is not None
    assert [c.findtext(f"{NS}title") for c in unnamed.findall(f"{NS}circle")] == ["40.0 %"]
    band = group(root, "band")
    assert band is not None
    rect = band.find(f"{NS}rect")
    assert rect is not None
    # Axis 0..100 over 512 units from x=24: Q1 45 -> 254.4, Q3 55 -> 305.6.
    assert (rect.get("x"), rect.get("width")) == ("254.4", "51.2")
    national = group(root, "national")
    assert national is not None
    line = national.find(f"{NS}line")
    assert line is not None
    assert line.get("stroke-dasharray")
    assert line.get("x1") == "320.96"  # 58 %
    assert texts(national) == ["Norway: 58.0 %"]
    assert "100 %" in texts(root)


def test_dot_plot_without_national_or_peers():
    root = dot(national=None, peers=[("A", None)])
    assert group(root, "national") is None
    assert group(root, "band") is None
    you_group = group(root, "you")
    assert you_group is not None
    assert texts(you_group) == ["Moss: 70.0 %"]  # no median, no words
    assert you_marker(root).get("fill") == charts.INK


def test_dot_plot_without_any_value_says_no_data():
    root = dot(you=None, peers=[("A", None)], no_data_text="Ingen data")
    assert texts(root) == ["Ingen data"]
    assert root.find(f".//{NS}polygon") is None
    assert root.find(f".//{NS}circle") is None
    assert title_and_desc(root) == ("In work or education", "Moss 70 %, peers 40–60 %")


def test_dot_plot_without_you_still_shows_the_peers():
    root = dot(you=None)
    you_group = group(root, "you")
    assert you_group is not None
    assert texts(you_group) == ["Moss: No data"]
    assert you_group.find(f"{NS}polygon") is None
    peers = group(root, "peers")
    assert peers is not None
    assert len(peers.findall(f"{NS}circle")) == 3


def test_dot_plot_axis_grows_beyond_100_percent_and_for_other_units():
    assert "200 %" in texts(dot(you=120.0))
    assert "20 kr" in texts(dot(unit="kr", you=12.5, peers=[], national=None))
    assert "50 %" in texts(dot(max_value=50.0, you=70.0))
    # 70 is beyond the given maximum: drawn at the right end of the axis.
    points = you_marker(dot(max_value=50.0, you=70.0)).get("points", "")
    assert points.split()[0] == "536,46"


# --- reference bars ---------------------------------------------------------------------------


BARS = [("Moss", 70.0, "70.0 %"), ("Peers", 58.0, "58.0 %"), ("KOSTRA group 8", None, ":")]


def bars_chart(**overrides: Any) -> ET.Element:
    arguments: dict[str, Any] = {
        "chart_id": "bars",
        "title": "Target",
        "description": "d",
        "bars": BARS,
    }
    return parse(charts.reference_bars(**(arguments | overrides)))


def test_reference_line_is_drawn_at_its_value_when_given():
    root = bars_chart(reference=70.0, reference_label="National target 70 %")
    reference = group(root, "reference")
    assert reference is not None
    line = reference.find(f"{NS}line")
    assert line is not None
    assert line.get("stroke-dasharray")
    assert texts(reference) == ["National target 70 %"]
    first = root.findall(f"{NS}rect")[0]
    assert float(line.get("x1", "")) == float(first.get("x", "")) + float(first.get("width", ""))


def test_reference_line_without_label_shows_its_value_and_is_absent_without_reference():
    reference = group(bars_chart(reference=70.0), "reference")
    assert reference is not None
    assert texts(reference) == ["70.0 %"]
    assert group(bars_chart(), "reference") is None


def test_reference_bars_highlight_the_first_and_skip_none():
    root = bars_chart()
    rects = root.findall(f"{NS}rect")
    assert len(rects) == 2  # the suppressed value draws no bar ...
    assert ":" in texts(root)  # ... but shows its text
    assert (rects[0].get("fill"), rects[0].get("stroke-width")) == (charts.INK, "2")
    assert rects[1].get("fill") == charts.LIGHT_BAR
    bold = [t for t in root.iter(f"{NS}text") if t.get("font-weight") == "bold"]
    assert ["".join(t.itertext()) for t in bold] == ["Moss", "70.0 %"]
    plain = bars_chart(highlight_first=False).findall(f"{NS}rect")
    assert {rect.get("fill") for rect in plain} == {charts.INK}


# --- trend ------------------------------------------------------------------------------------


def test_trend_chart_breaks_the_line_at_a_missing_year():
    years = [2020, 2021, 2022, 2023, 2024]
    root = parse(
        charts.trend_chart(
            chart_id="trend",
            title="Trend",
            description="d",
            years=years,
            series=[
                ("Moss", [(2020, 50.0), (2021, None), (2022, 60.0), (2023, 62.0), (2019, 1.0)]),
                ("Peer median", [(year, 55.0) for year in years]),
            ],
        )
    )
    lines = [polyline.get("points", "").split() for polyline in root.iter(f"{NS}polyline")]
    assert sorted(len(points) for points in lines) == [2, 5]  # 2022-2023 only; peers unbroken
    assert {"Moss", "Peer median", "2020", "2024", "100 %"} <= set(texts(root))


# --- the two-by-two ---------------------------------------------------------------------------


QUADRANTS = ("much & well", "little & well", "much & less well", "little & less well")


def quadrant(**overrides: Any) -> ET.Element:
    arguments: dict[str, Any] = {
        "chart_id": "quad",
        "title": "Two-by-two",
        "description": "d",
        "x_label": "Settlement",
        "y_label": "Integration",
        "x_split": 0.9,
        "y_split": 0.6,
        "you_label": "Moss",
        "you": (1.0, 0.7),
        "others": [("A", 0.5, 0.5)],
        "quadrant_labels": QUADRANTS,
    }
    return parse(charts.quadrant_chart(**(arguments | overrides)))


def circles(root: ET.Element) -> list[tuple[str | None, str | None]]:
    peers = group(root, "peers")
    assert peers is not None
    return [(c.get("cx"), c.get("cy")) for c in peers.findall(f"{NS}circle")]


def test_quadrant_chart_clamps_values_to_the_edges():
    root = quadrant(
        others=[("Far", 9.0, 5.0), ("Edge", 1.5, 1.0), ("Below", -1.0, -0.5), ("Zero", 0.0, 0.0)],
        max_x=1.5,
    )
    far, edge, below, zero = circles(root)
    assert far == edge
    assert below == zero
    you = group(root, "you")
    assert you is not None
    assert texts(you) == ["Moss"]


def test_quadrant_chart_default_x_axis_and_splits():
    assert "100 %" in texts(quadrant())  # max(1.0, 1.0 × 1.1)
    wide = quadrant(others=[("A", 1.4, 0.5)])  # 1.54: ticks every 25 % up to 150 %
    assert "150 %" in texts(wide)
    assert "175 %" not in texts(wide)
    root = quadrant(others=[("At split", 0.9, 0.6)], you=None)
    assert group(root, "you") is None
    splits = group(root, "splits")
    assert splits is not None
    vertical, horizontal = splits.findall(f"{NS}line")
    ((cx, cy),) = circles(root)
    assert (vertical.get("x1"), horizontal.get("y1")) == (cx, cy)
    assert vertical.get("stroke-dasharray") and horizontal.get("stroke-dasharray")


def test_quadrant_labels_sit_in_their_corners():
    root = quadrant()
    placed = {
        "".join(t.itertext()): (t.get("text-anchor"), float(t.get("y", "")))
        for t in root.iter(f"{NS}text")
    }
    top_right, top_left, bottom_right, bottom_left = (placed[label] for label in QUADRANTS)
    assert top_right[0] == bottom_right[0] == "end"
    assert top_left[0] == bottom_left[0] == "start"
    assert top_right[1] == top_left[1] < bottom_right[1] == bottom_left[1]


# --- texts stay inside the chart ----------------------------------------------------------------

FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts" / "source-sans-3"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
LONG_NAME = "Guovdageaidnu - Kautokeino"  # among the longest municipality names


def text_extents(root: ET.Element) -> list[tuple[str, float, float]]:
    """(text, left, right) of every <text>, by the estimate the charts are laid out with."""
    out = []
    for element in root.iter(f"{NS}text"):
        text = "".join(element.itertext())
        size = float(element.get("font-size", root.get("font-size", "13")))
        width = charts.text_width(text, size, bold=element.get("font-weight") == "bold")
        x = float(element.get("x", "0"))
        anchor = element.get("text-anchor", "start")
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        out.append((text, left, left + width))
    return out


def viewbox_width(root: ET.Element) -> float:
    return float(root.get("viewBox", "0 0 0 0").split()[2])


def report_charts(you: float) -> list[str]:
    """Every kind of chart the report draws, with its real (translated) texts and the longest
    names; ``you`` against a peer median of 50 picks the words above / at / below."""
    peers = [(LONG_NAME, 40.0), ("Aurskog-Høland", 50.0), ("Nord-Fron", 60.0)]
    words = dot_plot_words()
    return [
        charts.dot_plot(
            chart_id="dot",
            title="t",
            description="d",
            you_label=LONG_NAME,
            you=you,
            peers=peers,
            national=99.0,
            national_label=_("Country"),
            **words,
        ),
        charts.dot_plot(
            chart_id="band",
            title="t",
            description="d",
            you_label=LONG_NAME,
            you=you,
            peers=peers,
            national=1.0,
            national_label=_("Country median"),
            band_only=True,
            **words,
        ),
        charts.trend_chart(
            chart_id="trend",
            title="t",
            description="d",
            years=[2022, 2023, 2024, 2025, 2026],
            series=[(LONG_NAME, [(2026, 150.0)]), (_("Peer median"), [(2022, 10.0)])],
        ),
        charts.reference_bars(
            chart_id="bars",
            title="t",
            description="d",
            bars=[
                (LONG_NAME, 100.0, "100 %"),
                (_("Peer median"), 66.7, "66,7 %"),
                (_("KOSTRA group"), None, ":"),
                (_("Country"), 61.0, "61 %"),
            ],
            reference=70.0,
            reference_label=_("Target 70 %"),
        ),
        charts.quadrant_chart(
            chart_id="quad",
            title="t",
            description="d",
            x_label=_("Decisions as a share of the request"),
            y_label=_("In work or education one year after"),
            x_split=0.8,
            y_split=0.6,
            you_label=LONG_NAME,
            you=(you / 100, 0.5),
            others=[("Peer", 0.5, 0.5)],
            quadrant_labels=tuple(
                indicators.QUADRANT_LABELS[q] for q in list(indicators.Quadrant)[:4]
            ),
        ),
    ]


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("you", [0.0, 30.0, 50.0, 80.0, 100.0])
def test_no_text_of_any_chart_leaves_its_view_box_with_the_longest_labels(language, you):
    with translation.override(language):
        svgs = report_charts(you)
        words = dot_plot_words()
    for svg in svgs:
        root = parse(svg)
        width = viewbox_width(root)
        height = float(root.get("viewBox", "").split()[3])
        for text, left, right in text_extents(root):
            assert left >= 0 and right <= width, f"{root.get('id')} ({language}): {text!r}"
        for element in root.iter(f"{NS}text"):
            assert 0 < float(element.get("y", "0")) < height
    # The legends' texts are the translated ones, whole: wrapped, never cut.
    dot_legend, band_legend = (group(parse(svg), "legend") for svg in svgs[:2])
    assert dot_legend is not None and band_legend is not None
    assert " ".join(texts(dot_legend)) == f"{words['peers_text']} {words['band_text']}"
    assert " ".join(texts(band_legend)) == words["band_text"]


def _real_width(font: TTFont, text: str, size: float) -> float:
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    units = font["head"].unitsPerEm
    return sum(metrics[cmap[ord(c)]][0] for c in text if ord(c) in cmap) * size / units


def _font_files() -> list[tuple[Path, bool]]:
    files = [(FONTS / "SourceSans3-Regular.ttf", False), (FONTS / "SourceSans3-Bold.ttf", True)]
    if (DEJAVU / "DejaVuSans.ttf").exists():  # the browser's default sans serif on Linux
        files += [(DEJAVU / "DejaVuSans.ttf", False), (DEJAVU / "DejaVuSans-Bold.ttf", True)]
    return files


@pytest.mark.parametrize(("path", "bold"), _font_files(), ids=lambda v: getattr(v, "name", v))
def test_the_width_estimate_is_never_narrower_than_the_real_text(path, bold):
    """The PDF's font (shipped) and the widest common screen font: every chart text of the
    report, in every language, is no wider than the charts think."""
    font = TTFont(path)
    samples = [LONG_NAME, "Trondheim - Tråante", "WWW mmm ÆØÅ 100 %", "1 000 %"]
    for language in ("nb", "nn", "en"):
        with translation.override(language):
            for svg in report_charts(80.0) + report_charts(20.0):
                samples += [text for text, _l, _r in text_extents(parse(svg))]
    for text in samples:
        for size in (charts.FONT_SIZE, charts.SMALL_SIZE):
            assert _real_width(font, text, size) <= charts.text_width(text, size, bold), text


def test_wrap_breaks_at_spaces_and_cuts_only_a_word_too_long_for_a_line():
    text = "Den midtre halvdelen av sammenligningskommunene og medianen deres"
    lines = charts.wrap(text, 200, charts.SMALL_SIZE)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(charts.text_width(line, charts.SMALL_SIZE) <= 200 for line in lines)
    cut = charts.wrap("Sammenligningskommunene", 60)
    assert "".join(cut) == "Sammenligningskommunene" and len(cut) > 1
    assert charts.wrap("", 100) == [""]
