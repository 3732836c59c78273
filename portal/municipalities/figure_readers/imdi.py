"""IMDi's settlement tables: per municipality and year, anmodning (requested), vedtak (decided)
and bosatt (settled), with or without the unaccompanied minors (enslige mindreårige, EM).

Shapes read (comma or semicolon separated, UTF-8 or Windows-1252):

- long: ``Kommunenummer;Kommune;År;Anmodning;Vedtak;Bosatt[;Anmodning EM;Vedtak EM;Bosatt EM]``,
  or the municipality as one column ``Kommune`` = ``4204 Kristiansand``;
- wide: one column per figure and year, ``Kommune;Anmodning 2024;Vedtak 2024;Bosatt 2024``;
- the English columns of the portal's shipped settlement file (``kommunenummer``, ``year``,
  ``requested``, ``decided``, ``settled``, ``unaccompanied_minors_settled`` …, ``bydelsnummer``).

IMDi writes "Prikket (<5)" (or ``:``) for a suppressed cell and "avventer vedtak" for a decision
still awaited; those, ``..`` and ``.`` leave the stored value as it is. Columns IMDi publishes that
the portal keeps no figure for (Ukraine, other refugees, agreed but not settled, names, notes)
are listed in the preview and not imported.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from portal.municipalities.figure_readers import common
from portal.municipalities.key_figure_import import (
    MissingValue,
    ParsedRow,
    ParseResult,
)

NUMBER_COLUMNS = (
    "kommunenummer",
    "kommunenr",
    "kommunenr.",
    "knr",
    "nummer",
    "kommune_nr",
    "komnr",
)
NAME_COLUMNS = ("kommunenavn", "navn", "kommune_name", "name")
COMBINED_COLUMNS = ("kommune", "region")
DISTRICT_COLUMNS = ("bydelsnummer", "bydelsnr")
YEAR_COLUMNS = ("år", "aar", "year", "årstall")
IGNORED = re.compile(
    r"ukrain|kollektiv|andre|other|avtalt|agreed|fylke|county|notes?$|merknad|status|as_of|"
    r"source|kilde|code_list|kommunenummer_2024|suppressed|prikk|region|bydelsnavn|per 1000|prosent|%",
    re.IGNORECASE,
)
_YEAR_SUFFIX = re.compile(r"^(.*?)[\s_-]*(\d{4})$")
SUPPRESSED = re.compile(r"^(:|prikket.*|<\s*5|\*)$", re.IGNORECASE)
AWAITING = re.compile(r"^(avventer.*|awaiting.*)$", re.IGNORECASE)


def figure(label: str) -> str | None:
    """The key figure an IMDi column is: "Bosatt EM" → unaccompanied_settled; else None."""
    text = label.lower().replace("_", " ")
    words = set(re.findall(r"[a-zæøå]+", text))
    minors = bool(words & {"em", "enslige", "enslig", "unaccompanied"}) or "mindreårig" in text
    for stem, name in (
        ("anmod", "requested"),
        ("request", "requested"),
        ("vedt", "decided"),
        ("decided", "decided"),
        ("bosatt", "settled"),
        ("settled", "settled"),
    ):
        if stem in text:
            return f"unaccompanied_{name}" if minors else name
    return None


def parse(content: bytes, *, today: dt.date | None = None) -> ParseResult:
    result = ParseResult(format="imdi-settlement")
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar year, not an instant
    text = common.csv_text(
        content, result, utf16_advice=_("The file is UTF-16; save it as UTF-8 and upload it again.")
    )
    if text is None:
        return result
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        result.error(0, "", _("The file is empty."))
        return result
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    common.read_csv(text, result, lambda reader: _read(reader, result, today), delimiter=delimiter)
    return result


def _layout(header: list[str], result: ParseResult) -> dict | None:
    lower = [cell.lower().lstrip("\ufeff") for cell in header]
    layout: dict = {"number": None, "combined": None, "district": None, "year": None, "cells": {}}
    for i, name in enumerate(lower):
        if name in NUMBER_COLUMNS and layout["number"] is None:
            layout["number"] = i
        elif name in DISTRICT_COLUMNS:
            layout["district"] = i
        elif name in YEAR_COLUMNS:
            layout["year"] = i
        elif name in NAME_COLUMNS:
            continue
        elif name in COMBINED_COLUMNS and layout["combined"] is None:
            layout["combined"] = i
        elif figure(name) is not None and not IGNORED.search(name):
            match = _YEAR_SUFFIX.match(name)
            column_year = match.group(2) if match else None
            field = figure(match.group(1) if match else name)
            layout["cells"][i] = (field, column_year)
        elif name and IGNORED.search(name):
            result.ignored_columns.append(header[i])
        else:
            result.error(
                1,
                header[i] or "?",
                _(
                    "unknown column; an IMDi settlement table has the municipality (number and "
                    "name, or “4204 Kristiansand”), the year, and Anmodning, Vedtak, Bosatt "
                    "(with “EM” for the unaccompanied minors)"
                ),
            )
    if layout["number"] is None and layout["combined"] is None:
        result.error(
            1, "kommunenummer", _("the municipality column is missing (Kommunenummer or Kommune)")
        )
    if not layout["cells"]:
        result.error(1, "", _("the file has no settlement column (Anmodning, Vedtak, Bosatt)"))
    for i, (_field, column_year) in layout["cells"].items():
        if column_year is None and layout["year"] is None:
            result.error(
                1,
                header[i],
                _("has no year: add a column “År” or name it “%(name)s 2024”")
                % {"name": header[i]},
            )
    seen: dict[tuple, int] = {}
    for i, key in layout["cells"].items():
        if key in seen:
            result.error(
                1,
                header[i],
                _("the same figure as column “%(other)s”") % {"other": header[seen[key]]},
            )
        seen[key] = i
    return None if result.error_count else layout


def _read(reader, result: ParseResult, today: dt.date) -> None:
    header = None
    layout: dict | None = None
    rows: dict[tuple[str, int], ParsedRow] = {}
    for raw_row in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in raw_row]
        if not any(cells):
            continue
        if header is None:
            header = cells
            result.columns = header
            layout = _layout(header, result)
            if layout is None:
                return
            continue
        if len(cells) != len(header):
            common.cell_count_error(result, line, len(cells), len(header))
            continue
        assert layout is not None
        _read_row(line, cells, header, layout, result, rows, today)
    if header is None:
        result.error(0, "", _("The file is empty."))
    elif not rows and not result.skipped and not result.error_count:
        result.error(0, "", _("The file has a header but no rows of figures."))


def _read_row(line, cells, header, layout, result, rows, today) -> None:
    raw_place = (
        cells[layout["number"]] if layout["number"] is not None else cells[layout["combined"]]
    )
    if layout["district"] is not None and cells[layout["district"]]:
        raw_place = cells[layout["district"]]
    column = header[layout["number"] if layout["number"] is not None else layout["combined"]]
    place = common.region(raw_place)
    if place is None:
        result.error(
            line,
            column,
            _("“%(code)s” is not a municipality or city district number") % {"code": raw_place},
        )
        return
    if place.skip:
        if raw_place not in result.skipped:
            result.skipped.append(raw_place)
        return
    row_year = None
    if layout["year"] is not None:
        row_year = common.year(cells[layout["year"]], today)
        if row_year is None:
            result.error(
                line, header[layout["year"]], common.year_error(cells[layout["year"]], today)
            )
            return
    for i, (field, column_year) in layout["cells"].items():
        year = int(column_year) if column_year else row_year
        if year is None or not 1990 <= year <= today.year + 1:
            result.error(line, header[i], common.year_error(column_year, today))
            continue
        row = common.add_row(
            result, rows, number=place.number, year=year, line=line, position="", label=place.name
        )
        raw = cells[i]
        symbol = None
        if raw in common.MISSING_SYMBOLS:
            symbol = raw
        elif SUPPRESSED.match(raw):
            symbol = ":"
        elif AWAITING.match(raw):
            symbol = ".."
        if symbol is not None:
            result.missing.append(
                MissingValue(_("line %(line)s") % {"line": line}, place.number, year, field, symbol)
            )
            continue
        if not raw:
            continue
        if field in row.values:
            result.error(
                line,
                header[i],
                _("is a second value for %(number)s in %(year)s (the first is on line %(first)s)")
                % {"number": place.number, "year": year, "first": row.line},
            )
            continue
        try:
            row.values[field] = common.convert(field, raw.replace(" ", "").replace("\u00a0", ""))
        except ValueError as exc:
            result.error(line, header[i], str(exc))
