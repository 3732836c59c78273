"""A survey edition as an Excel workbook, in the conventions of XLSForm where they fit.

``definition_to_workbook(definition)`` writes a normalised definition as .xlsx bytes;
``workbook_to_definition(content)`` reads one back and returns what ``parse_definition`` makes of
it. A workbook that cannot be read, or whose definition is wrong, is refused whole with
``WorkbookError``: every problem names the sheet, the cell and the question (or section) it lies
in, also those ``parse_definition`` finds after the workbook is read (``survey!C14, question
'has_target': …``).

The sheets (docs/survey-editor.md, "Spreadsheet authoring"):

- ``survey``: one row per question, sections as ``begin_group`` … ``end_group`` rows;
- ``choices``: the options of ``select_one``/``select_multiple``/``rank`` questions, the items of
  batteries (``scale_grid``, ``yes_no_grid``) and the point labels of scales, by list name;
- ``checks``: plausibility checks, one row each, by question;
- ``option_mappings``: one row per mapped value, by question and earlier year;
- ``settings``: the edition's year, title, dates, previous year and introduction (one row).

Routing rules (``relevant``) are written in the portal's one-line syntax (``surveys.editions.rules``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.core.spreadsheets import (
    EXCEL_MAX_ROWS,
    XLSX_CELL_LIMIT,
    XLSX_ILLEGAL_CHARACTERS,
    XLSX_MAGIC,
    SpreadsheetError,
    check_xlsx,
    neutralise,
    unguard,
    unreadable_xlsx,
    xlsx_value,
)
from surveys.editions.definition import DefinitionError, Problem, parse_definition
from surveys.editions.rules import RuleError, parse_rule, rule_text

LANGUAGES = ("nb", "nn", "en")
SURVEY, CHOICES, CHECKS, MAPPINGS, SETTINGS = (
    "survey",
    "choices",
    "checks",
    "option_mappings",
    "settings",
)
SHEETS = (SURVEY, CHOICES, CHECKS, MAPPINGS, SETTINGS)
# More than any questionnaire needs: IMDi's longest edition has about 120 questions.
MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_ERRORS = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _languages(name: str) -> list[str]:
    return [f"{name}::{language}" for language in LANGUAGES]


SURVEY_COLUMNS = [
    "type",
    "name",
    *_languages("label"),
    *_languages("hint"),
    "required",
    "relevant",
    "allow_dont_know",
    "allow_not_relevant",
    "min",
    "max",
    *_languages("unit"),
    "min_choices",
    "max_choices",
    "rank",
    "max_length",
    "scale_min",
    "scale_max",
    *_languages("scale_min_label"),
    *_languages("scale_max_label"),
    "scale_labels",
]
CHOICES_COLUMNS = ["list_name", "name", *_languages("label"), "other", "exclusive"]
CHECKS_COLUMNS = [
    "question",
    "last_year",
    "key_figure",
    "max_ratio",
    "min_ratio",
    *_languages("message"),
]
MAPPINGS_COLUMNS = ["question", "from_year", "from", "to"]
SETTINGS_COLUMNS = [
    "year",
    *_languages("title"),
    "opens",
    "deadline",
    "previous_year",
    *_languages("intro"),
]
COLUMNS = {
    SURVEY: SURVEY_COLUMNS,
    CHOICES: CHOICES_COLUMNS,
    CHECKS: CHECKS_COLUMNS,
    MAPPINGS: MAPPINGS_COLUMNS,
    SETTINGS: SETTINGS_COLUMNS,
}
# XLSForm's spellings, read as the portal's.
COLUMN_ALIASES = {
    "label": "label::nb",
    "hint": "hint::nb",
    "list name": "list_name",
    "title": "title::nb",
    "intro": "intro::nb",
    "unit": "unit::nb",
    "message": "message::nb",
}
REQUIRED_COLUMNS = {SURVEY: ("type", "name"), CHOICES: ("list_name", "name")}

# The question types, as written in the type column; the portal's own names are read too.
LIST_TYPES = {"single": "options", "multi": "options", "rank": "options"}
LIST_TYPES |= {"scale_grid": "items", "yes_no_grid": "items"}
PLAIN_TYPES = ("yes_no", "integer", "percent", "scale", "text", "textarea")
TYPE_NAMES = {"select_one": "single", "select_multiple": "multi"}
WRITTEN_TYPES = {v: k for k, v in TYPE_NAMES.items()}
BEGIN, END = "begin_group", "end_group"

# Question fields and their columns: texts by language, flags, numbers, whole numbers.
QUESTION_TEXTS = {"text": "label", "help": "hint", "unit": "unit"}
SECTION_TEXTS = {"title": "label", "intro": "hint"}
FLAGS = ("required", "allow_dont_know", "allow_not_relevant")
NUMBERS = ("min", "max")
WHOLE_NUMBERS = ("min_choices", "max_choices", "rank", "max_length")
SCALE_NUMBERS = {"min": "scale_min", "max": "scale_max"}
SCALE_TEXTS = {"min_label": "scale_min_label", "max_label": "scale_max_label"}
SECTION_COLUMNS = {"type", "name", *_languages("label"), *_languages("hint"), "relevant"}

# What a workbook can hold; the exporter refuses a definition with anything else.
DOCUMENT_FIELDS = {
    "year",
    "title",
    "opens",
    "deadline",
    "intro",
    "previous_year",
    "option_mappings",
    "sections",
}
SECTION_FIELDS = {"key", "title", "intro", "show_if", "questions"}
QUESTION_FIELDS = {
    "key",
    "type",
    "show_if",
    "options",
    "items",
    "scale",
    "checks",
    *QUESTION_TEXTS,
    *FLAGS,
    *NUMBERS,
    *WHOLE_NUMBERS,
}
SCALE_FIELDS = {*SCALE_NUMBERS, *SCALE_TEXTS, "labels"}
CHOICE_FIELDS = {"key", "label", "other", "exclusive"}
CHECK_FIELDS = {"last_year", "key_figure", "max_ratio", "min_ratio", "message"}
MAPPING_FIELDS = {"question", "from_year", "map"}

YES = frozenset({"yes", "ja", "true", "sant", "1", "y", "j"})
NO = frozenset({"no", "nei", "false", "usant", "0", "n"})
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_NORWEGIAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DOCUMENT_PATH = re.compile(r"\b(?:sections|option_mappings)(?:\[\d+\]|\.[A-Za-z0-9_]+)+")
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z0-9_]+)")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


# --- errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellProblem:
    """One problem, at a cell (``survey!C14``) and in a question or section where it has one."""

    message: str
    cell: str = ""
    question: str = ""
    section: str = ""

    def __str__(self) -> str:
        values = {"cell": self.cell, "key": self.question or self.section, "message": self.message}
        if self.cell and self.question:
            return _("%(cell)s, question '%(key)s': %(message)s") % values
        if self.cell and self.section:
            return _("%(cell)s, section '%(key)s': %(message)s") % values
        if self.cell:
            return _("%(cell)s: %(message)s") % values
        if self.question:
            return _("question '%(key)s': %(message)s") % values
        return self.message


class WorkbookError(Exception):
    """Every problem of a refused workbook; ``problems`` located, ``errors`` as texts."""

    def __init__(self, problems: list[CellProblem]):
        shown = problems[:MAX_ERRORS]
        self.problems = shown
        self.errors = [str(p) for p in shown]
        if len(problems) > MAX_ERRORS:
            more = len(problems) - MAX_ERRORS
            self.errors.append(
                ngettext("… and %(count)s more problem.", "… and %(count)s more problems.", more)
                % {"count": more}
            )
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class _Ref:
    cell: str
    question: str = ""
    section: str = ""


# --- writing ---------------------------------------------------------------------------------


def _cell_text(text: str, where: str, problems: list[CellProblem]) -> str:
    if XLSX_ILLEGAL_CHARACTERS.search(text) or len(neutralise(text)) > XLSX_CELL_LIMIT:
        problems.append(
            CellProblem(
                _(
                    "%(where)s has control characters or more than %(limit)s characters, which an Excel cell cannot hold"
                )
                % {"where": where, "limit": XLSX_CELL_LIMIT}
            )
        )
    return xlsx_value(text)


def _flag(value: Any) -> str:
    return "yes" if value else "no"


def _unknown(obj: dict, known: set[str], where: str, problems: list[CellProblem]) -> None:
    for name in sorted(set(obj) - known):
        problems.append(
            CellProblem(
                _("%(where)s: the field '%(field)s' has no place in a workbook")
                % {"where": where, "field": name}
            )
        )


class _Writer:
    def __init__(self) -> None:
        self.problems: list[CellProblem] = []
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEETS}
        self.lists: set[str] = set()

    def text(self, row: dict, column: str, value: Any, where: str) -> None:
        if value is None:
            return
        texts = {"nb": value} if isinstance(value, str) else value
        for language, text in texts.items():
            row[f"{column}::{language}"] = self.cell(text, where)

    def cell(self, value: Any, where: str) -> Any:
        if isinstance(value, bool):
            return _flag(value)
        if isinstance(value, str):
            return _cell_text(value, where, self.problems)
        return value

    def list_name(self, base: str) -> str:
        name, number = base, 1
        while name in self.lists:
            number += 1
            name = f"{base}_{number}"
        self.lists.add(name)
        return name

    def choices(self, list_name: str, choices: list[dict], where: str, known: set[str]) -> None:
        for index, choice in enumerate(choices):
            _unknown(choice, known, f"{where}[{index}]", self.problems)
            row: dict[str, Any] = {"list_name": list_name, "name": choice.get("key")}
            self.text(row, "label", choice.get("label"), where)
            for flag in ("other", "exclusive"):
                if flag in choice:
                    row[flag] = _flag(choice[flag])
            self.rows[CHOICES].append(row)

    def question(self, question: dict) -> None:
        key = question.get("key", "")
        where = _("question '%(key)s'") % {"key": key}
        _unknown(question, QUESTION_FIELDS, where, self.problems)
        kind = question.get("type", "")
        row: dict[str, Any] = {"name": key, "type": WRITTEN_TYPES.get(kind, kind)}
        list_field = LIST_TYPES.get(kind)
        if list_field is not None or "options" in question or "items" in question:
            list_field = list_field or ("options" if "options" in question else "items")
            name = self.list_name(key)
            row["type"] += f" {name}"
            known = CHOICE_FIELDS if list_field == "options" else CHOICE_FIELDS - {"exclusive"}
            self.choices(name, question.get(list_field, []), where, known)
        for name, column in QUESTION_TEXTS.items():
            self.text(row, column, question.get(name), where)
        for name in (*FLAGS, *NUMBERS, *WHOLE_NUMBERS):
            if name in question:
                row[name] = self.cell(question[name], where)
        if "show_if" in question:
            row["relevant"] = self.cell(rule_text(question["show_if"]), where)
        if "scale" in question:
            scale = question["scale"]
            _unknown(scale, SCALE_FIELDS, f"{where}, scale", self.problems)
            for name, column in SCALE_NUMBERS.items():
                if name in scale:
                    row[column] = scale[name]
            for name, column in SCALE_TEXTS.items():
                self.text(row, column, scale.get(name), where)
            if "labels" in scale:
                labels = self.list_name(f"{key}_labels")
                row["scale_labels"] = labels
                low = scale.get("min", 1)
                for point, label in enumerate(scale["labels"], start=low):
                    label_row: dict[str, Any] = {"list_name": labels, "name": point}
                    self.text(label_row, "label", label, where)
                    self.rows[CHOICES].append(label_row)
        for check in question.get("checks", []):
            _unknown(check, CHECK_FIELDS, f"{where}, checks", self.problems)
            check_row: dict[str, Any] = {"question": key}
            for name in ("last_year", "key_figure", "max_ratio", "min_ratio"):
                if name in check:
                    check_row[name] = self.cell(check[name], where)
            self.text(check_row, "message", check.get("message"), where)
            self.rows[CHECKS].append(check_row)
        self.rows[SURVEY].append(row)

    def definition(self, definition: dict) -> None:
        _unknown(definition, DOCUMENT_FIELDS, _("the edition"), self.problems)
        where = _("the edition")
        settings_row: dict[str, Any] = {}
        for name in ("year", "opens", "deadline", "previous_year"):
            if definition.get(name) is not None:
                settings_row[name] = self.cell(definition[name], where)
        self.text(settings_row, "title", definition.get("title"), where)
        self.text(settings_row, "intro", definition.get("intro") or None, where)
        self.rows[SETTINGS].append(settings_row)
        for section in definition.get("sections", []):
            key = section.get("key", "")
            s_where = _("section '%(key)s'") % {"key": key}
            _unknown(section, SECTION_FIELDS, s_where, self.problems)
            row: dict[str, Any] = {"type": BEGIN, "name": key}
            for name, column in SECTION_TEXTS.items():
                self.text(row, column, section.get(name), s_where)
            if "show_if" in section:
                row["relevant"] = self.cell(rule_text(section["show_if"]), s_where)
            self.rows[SURVEY].append(row)
            for question in section.get("questions", []):
                self.question(question)
            self.rows[SURVEY].append({"type": END, "name": key})
        for mapping in definition.get("option_mappings", []):
            _unknown(mapping, MAPPING_FIELDS, _("an option mapping"), self.problems)
            for source, target in mapping.get("map", {}).items():
                self.rows[MAPPINGS].append(
                    {
                        "question": mapping.get("question"),
                        "from_year": mapping.get("from_year"),
                        "from": self.cell(str(source), where),
                        "to": self.cell(target, where),
                    }
                )


def definition_to_workbook(definition: dict) -> bytes:
    """The (normalised) definition as an .xlsx workbook.

    Raises WorkbookError if the definition holds something a workbook has no place for (a field
    it does not know, a text no Excel cell can hold): nothing is dropped without a word.
    """
    writer = _Writer()
    writer.definition(definition)
    if writer.problems:
        raise WorkbookError(writer.problems)
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    for name in SHEETS:
        sheet = workbook.create_sheet(name)
        columns = COLUMNS[name]
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = bold
        wide = [
            column.startswith(("label", "hint", "title", "intro", "message", "relevant"))
            for column in columns
        ]
        for row in writer.rows[name]:
            sheet.append([row.get(column) for column in columns])
            for cell, wrap in zip(sheet[sheet.max_row], wide, strict=True):
                if wrap and cell.value is not None:
                    cell.alignment = wrapped
        sheet.freeze_panes = "C2" if name in (SURVEY, CHOICES) else "A2"
        for index, wrap in enumerate(wide, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = 48 if wrap else 16
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading cells ---------------------------------------------------------------------------


@dataclass
class _Cell:
    sheet: str
    row: int
    column: int
    value: Any

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{get_column_letter(self.column)}{self.row}"

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class _Row:
    sheet: str
    number: int
    cells: dict[str, _Cell]
    header: dict[str, int]

    def get(self, column: str) -> _Cell | None:
        cell = self.cells.get(column)
        return None if cell is None or cell.blank else cell

    def ref(self, column: str) -> str:
        """The cell of this row in ``column`` (or in its first column if the sheet has none)."""
        index = self.header.get(column, 1)
        return f"{self.sheet}!{get_column_letter(index)}{self.number}"

    def filled(self) -> list[str]:
        return [name for name, cell in self.cells.items() if not cell.blank]


@dataclass
class _Reader:
    problems: list[CellProblem] = field(default_factory=list)
    origins: dict[tuple, _Ref] = field(default_factory=dict)

    def error(self, ref: str, message: str, *, question: str = "", section: str = "") -> None:
        self.problems.append(CellProblem(message, ref, question, section))

    def text(self, cell: _Cell, **keys: str) -> str | None:
        value = cell.value
        if isinstance(value, bool):
            self.error(
                cell.ref,
                _(
                    "Excel has made this a TRUE/FALSE value; format the cell as text and write it again"
                ),
                **keys,
            )
            return None
        if isinstance(value, dt.date | dt.time | dt.timedelta):
            self.error(
                cell.ref,
                _("Excel has made this a date or time; format the cell as text and write it again"),
                **keys,
            )
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return unguard(str(value))

    def word(self, cell: _Cell, **keys: str) -> str | None:
        text = self.text(cell, **keys)
        return None if text is None else text.strip()

    def number(self, cell: _Cell, *, whole: bool = False, **keys: str) -> int | float | None:
        value = cell.value
        if isinstance(value, str):
            text = _SPACES.sub("", unguard(value))
            if not _NUMBER.fullmatch(text):
                self.error(
                    cell.ref,
                    _("“%(value)s” is not a number") % {"value": value.strip()},
                    **keys,
                )
                return None
            value = float(text.replace(",", ".")) if re.search("[.,]", text) else int(text)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(cell.ref, _("must be a number"), **keys)
            return None
        if whole:
            if isinstance(value, float) and not value.is_integer():
                self.error(
                    cell.ref, _("must be a whole number, not %(value)s") % {"value": value}, **keys
                )
                return None
            return int(value)
        if isinstance(value, float) and (value != value or abs(value) == float("inf")):
            self.error(cell.ref, _("must be a number"), **keys)
            return None
        return value

    def flag(self, cell: _Cell, **keys: str) -> bool | None:
        value = cell.value
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.strip().casefold()
            if text in YES:
                return True
            if text in NO:
                return False
        self.error(
            cell.ref,
            _("must be yes or no (ja or nei), not “%(value)s”") % {"value": value},
            **keys,
        )
        return None

    def date(self, cell: _Cell) -> str | None:
        value = cell.value
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            text = value.strip()
            match = _NORWEGIAN_DATE.fullmatch(text)
            if match:
                day, month, year = (int(p) for p in match.groups())
                return f"{year:04d}-{month:02d}-{day:02d}"
            return text
        self.error(cell.ref, _("must be a date such as 2026-11-02"))
        return None

    def texts(self, row: _Row, column: str, path: tuple, **keys: str) -> dict[str, str] | None:
        """The text of ``column::nb/nn/en`` in this row, located at ``path``."""
        out: dict[str, str] = {}
        first = ""
        for language in LANGUAGES:
            name = f"{column}::{language}"
            cell = row.get(name)
            ref = row.ref(name) if name in row.header else ""
            if ref:
                self.origins[(*path, language)] = _Ref(ref, **keys)
                first = first or ref
            if cell is not None:
                text = self.text(cell, **keys)
                if text is not None and text.strip():
                    out[language] = text
        self.origins[path] = _Ref(first or row.ref("type"), **keys)
        return out or None


# --- reading sheets --------------------------------------------------------------------------


def _merged_cells(content: bytes, parts: dict[str, str]) -> list[str]:
    """``sheet!A1:B2`` for every merged range in the sheets (the read-only reader skips them)."""
    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for title, part in parts.items():
            try:
                data = archive.read(part)
            except KeyError:
                continue
            found.extend(f"{title}!{m.decode()}" for m in _MERGE.findall(data))
    return found


def _sheet_rows(reader: _Reader, sheet: Any, name: str) -> list[_Row]:
    """The sheet's rows below its header, by column name; problems of the header and cells."""
    sheet.reset_dimensions()
    header: dict[str, int] = {}
    names: dict[int, str] = {}
    unnamed: set[int] = set()
    known = COLUMNS[name]
    rows: list[_Row] = []
    header_seen = False
    for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
        values = []
        for index, cell in enumerate(cells, start=1):
            value = getattr(cell, "value", None)
            data_type = getattr(cell, "data_type", None)
            ref = f"{name}!{get_column_letter(index)}{number}"
            if data_type == "f" or (isinstance(value, str) and data_type == "f"):
                reader.error(
                    ref, _("holds a formula; write the value itself (or paste it as values)")
                )
                value = None
            elif data_type == "e":
                reader.error(ref, _("holds an Excel error value (%(value)s)") % {"value": value})
                value = None
            if index > MAX_COLUMNS and value is not None and str(value).strip():
                reader.error(
                    ref, _("the sheet has more than %(limit)s columns") % {"limit": MAX_COLUMNS}
                )
                value = None
            values.append(value)
        blank = not any(v is not None and str(v).strip() for v in values)
        if number > EXCEL_MAX_ROWS or (number > MAX_ROWS and not blank):
            reader.error(
                f"{name}!A{number}",
                _("the sheet goes on past row %(limit)s, the most a survey workbook may have")
                % {"limit": MAX_ROWS},
            )
            break
        if blank:
            continue
        if not header_seen:
            header_seen = True
            for index, value in enumerate(values, start=1):
                ref = f"{name}!{get_column_letter(index)}{number}"
                if value is None or not str(value).strip():
                    unnamed.add(index)
                    continue
                column = str(value).strip().lower()
                column = COLUMN_ALIASES.get(column, column)
                if column in header:
                    reader.error(
                        ref,
                        _("the column '%(column)s' appears twice (also in %(other)s)")
                        % {
                            "column": column,
                            "other": f"{get_column_letter(header[column])}{number}",
                        },
                    )
                elif column not in known:
                    reader.error(
                        ref,
                        _("unknown column '%(column)s'; the columns of this sheet are: %(known)s")
                        % {"column": column, "known": ", ".join(known)},
                    )
                else:
                    header[column] = index
                    names[index] = column
            for column in REQUIRED_COLUMNS.get(name, ()):
                if column not in header:
                    reader.error(
                        f"{name}!A{number}",
                        _("the sheet has no column '%(column)s'") % {"column": column},
                    )
            continue
        row_cells: dict[str, _Cell] = {}
        for index, value in enumerate(values, start=1):
            if value is None:
                continue
            if index in names:
                row_cells[names[index]] = _Cell(name, number, index, value)
            elif index in unnamed and str(value).strip():
                reader.error(
                    f"{name}!{get_column_letter(index)}{number}",
                    _("this column has no name in the first row"),
                )
                unnamed.discard(index)  # once per column
        rows.append(_Row(name, number, row_cells, header))
    return rows


def _open(content: bytes, reader: _Reader) -> dict[str, list[_Row]] | None:
    limit = django_settings.SURVEY_DEFINITION_MAX_BYTES
    if len(content) > limit:
        reader.error(
            "",
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(len(content)), "limit": filesizeformat(limit)},
        )
        return None
    if content.startswith(OLE_MAGIC):
        reader.error(
            "",
            _(
                "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) and upload it again."
            ),
        )
        return None
    if not content.startswith(XLSX_MAGIC):
        reader.error("", _("The file is not an Excel workbook (.xlsx)."))
        return None
    try:
        check_xlsx(content)
    except SpreadsheetError as exc:
        reader.error("", str(exc))
        return None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - any broken file gets the same plain answer
        reader.error("", unreadable_xlsx())
        return None
    try:
        sheets: dict[str, Any] = {}
        for sheet in workbook.worksheets:
            name = sheet.title.strip().lower()
            if name not in SHEETS:
                reader.error(
                    f"{sheet.title}",
                    _("unknown sheet '%(name)s'; a survey workbook has the sheets %(sheets)s")
                    % {"name": sheet.title, "sheets": ", ".join(SHEETS)},
                )
            elif name in sheets:
                reader.error(
                    f"{sheet.title}", _("the sheet '%(name)s' appears twice") % {"name": name}
                )
            else:
                sheets[name] = sheet
        for name in (SURVEY, SETTINGS):
            if name not in sheets:
                reader.error("", _("The workbook has no sheet '%(name)s'.") % {"name": name})
        if reader.problems:
            return None
        parts = {n: getattr(s, "_worksheet_path", "") for n, s in sheets.items()}
        for merged in _merged_cells(content, parts):
            reader.error(merged, _("merged cells; unmerge them and write each value in its cell"))
        rows = {name: _sheet_rows(reader, sheet, name) for name, sheet in sheets.items()}
    except Exception:  # noqa: BLE001 - a part that breaks while it is read: the same answer
        reader.problems.clear()
        reader.error("", unreadable_xlsx())
        return None
    finally:
        workbook.close()
    return rows


# --- reading the definition ------------------------------------------------------------------


def _type(reader: _Reader, row: _Row) -> tuple[str, str]:
    """(type, list name) of a survey row; ("", "") if unreadable."""
    cell = row.get("type")
    if cell is None:
        return "", ""
    text = reader.word(cell)
    if text is None:
        return "", ""
    words = text.split()  # the type in any case; the list name as written
    words[0] = words[0].lower()
    if len(words) > 1 and words[0] in ("begin", "end") and words[1].lower() == "group":
        words = [f"{words[0]}_group", *words[2:]]
    kind = TYPE_NAMES.get(words[0], words[0])
    list_name = words[1] if len(words) > 1 else ""
    known = [*WRITTEN_TYPES.values(), *[t for t in LIST_TYPES if t not in TYPE_NAMES.values()]]
    known += [*PLAIN_TYPES, BEGIN, END]
    if kind not in (*LIST_TYPES, *PLAIN_TYPES, BEGIN, END) or len(words) > 2:  # noqa: PLR2004
        reader.error(
            cell.ref,
            _("unknown type “%(type)s”; the types are: %(types)s")
            % {"type": text, "types": ", ".join(known)},
        )
        return "", ""
    if kind in LIST_TYPES and not list_name:
        reader.error(
            cell.ref,
            _("“%(type)s” needs the name of its list on the choices sheet: %(type)s LIST")
            % {"type": words[0]},
        )
        return "", ""
    if kind not in LIST_TYPES and list_name and kind not in (BEGIN, END):
        reader.error(
            cell.ref,
            _("a “%(type)s” question has no list; write only “%(type)s”") % {"type": kind},
        )
        return "", ""
    return kind, list_name


def _choice_lists(reader: _Reader, rows: list[_Row]) -> dict[str, list[_Row]]:
    lists: dict[str, list[_Row]] = {}
    for row in rows:
        cell = row.get("list_name")
        if cell is None:
            if row.filled():
                reader.error(row.ref("list_name"), _("the row has no list_name"))
            continue
        name = reader.word(cell)
        if name:
            lists.setdefault(name, []).append(row)
    return lists


class _Build:
    """Builds the definition document from the rows, noting where each part came from."""

    def __init__(self, reader: _Reader, sheets: dict[str, list[_Row]]):
        self.reader = reader
        self.sheets = sheets
        self.lists = _choice_lists(reader, sheets.get(CHOICES, []))
        self.used_lists: set[str] = set()
        self.questions: dict[str, tuple[dict, tuple]] = {}
        self.unreadable: set[str] = set()

    def choices(self, list_name: str, ref: str, path: tuple, key: str, *, flags: bool) -> list:
        reader = self.reader
        rows = self.lists.get(list_name)
        if rows is None:
            reader.error(
                ref,
                _("there is no list '%(list)s' on the choices sheet") % {"list": list_name},
                question=key,
            )
            return []
        self.used_lists.add(list_name)
        out = []
        for index, row in enumerate(rows):
            c_path = (*path, index)
            reader.origins[c_path] = _Ref(row.ref("name"), key)
            reader.origins[(*c_path, "key")] = _Ref(row.ref("name"), key)
            choice: dict[str, Any] = {}
            name = row.get("name")
            if name is None:
                reader.error(row.ref("name"), _("the choice has no name"), question=key)
            else:
                choice["key"] = reader.word(name, question=key)
            label = reader.texts(row, "label", (*c_path, "label"), question=key)
            if label is not None:
                choice["label"] = label
            for flag in ("other", "exclusive"):
                cell = row.get(flag)
                if cell is None:
                    continue
                reader.origins[(*c_path, flag)] = _Ref(cell.ref, key)
                if not flags:
                    reader.error(
                        cell.ref,
                        _("a scale's point label cannot be '%(flag)s'") % {"flag": flag},
                        question=key,
                    )
                    continue
                value = reader.flag(cell, question=key)
                if value is not None:
                    choice[flag] = value
            out.append(choice)
        return out

    def scale_labels(self, row: _Row, scale: dict, path: tuple, key: str) -> None:
        reader = self.reader
        cell = row.get("scale_labels")
        if cell is None:
            return
        name = reader.word(cell, question=key)
        if not name:
            return
        reader.origins[(*path, "labels")] = _Ref(cell.ref, key)
        choices = self.choices(name, cell.ref, (*path, "labels"), key, flags=False)
        low = scale.get("min", 1) if isinstance(scale.get("min", 1), int) else 1
        labels = []
        for index, (choice, choice_row) in enumerate(
            zip(choices, self.lists.get(name, []), strict=False)
        ):
            point = choice.get("key")
            if point != str(low + index):
                reader.error(
                    choice_row.ref("name"),
                    _(
                        "the point labels are listed in order from the scale's lowest point: %(expected)s here, not “%(found)s”"
                    )
                    % {"expected": low + index, "found": point},
                    question=key,
                )
            reader.origins[(*path, "labels", index)] = _Ref(choice_row.ref("label::nb"), key)
            labels.append(choice.get("label"))
        scale["labels"] = labels

    def question(self, row: _Row, kind: str, list_name: str, path: tuple) -> dict:
        reader = self.reader
        name = row.get("name")
        key = (reader.word(name) or "") if name is not None else ""
        keys = {"question": key}
        reader.origins[path] = _Ref(row.ref("type"), key)
        for part in ("key", "type"):
            reader.origins[(*path, part)] = _Ref(row.ref("name" if part == "key" else "type"), key)
        question: dict[str, Any] = {}
        if name is None:
            reader.error(row.ref("name"), _("the question has no name (its key)"))
        else:
            question["key"] = key
        question["type"] = kind
        for field_name, column in QUESTION_TEXTS.items():
            text = reader.texts(row, column, (*path, field_name), **keys)
            if text is not None:
                question[field_name] = text
        for field_name in FLAGS:
            cell = row.get(field_name)
            if cell is not None:
                reader.origins[(*path, field_name)] = _Ref(cell.ref, key)
                value = reader.flag(cell, **keys)
                if value is not None:
                    question[field_name] = value
        for field_name in (*NUMBERS, *WHOLE_NUMBERS):
            cell = row.get(field_name)
            if cell is not None:
                reader.origins[(*path, field_name)] = _Ref(cell.ref, key)
                number = reader.number(cell, whole=field_name in WHOLE_NUMBERS, **keys)
                if number is not None:
                    question[field_name] = number
        self.routing(row, question, path, keys)
        if list_name:
            list_field = LIST_TYPES[kind]
            reader.origins[(*path, list_field)] = _Ref(row.ref("type"), key)
            question[list_field] = self.choices(
                list_name, row.ref("type"), (*path, list_field), key, flags=True
            )
        scale: dict[str, Any] = {}
        s_path = (*path, "scale")
        for field_name, column in SCALE_NUMBERS.items():
            cell = row.get(column)
            if cell is not None:
                reader.origins[(*s_path, field_name)] = _Ref(cell.ref, key)
                number = reader.number(cell, whole=True, **keys)
                if number is not None:
                    scale[field_name] = number
        for field_name, column in SCALE_TEXTS.items():
            text = reader.texts(row, column, (*s_path, field_name), **keys)
            if text is not None:
                scale[field_name] = text
        self.scale_labels(row, scale, s_path, key)
        if scale:
            first = next(
                (row.ref(c) for c in ("scale_min", "scale_max") if row.get(c)), row.ref("type")
            )
            reader.origins[s_path] = _Ref(first, key)
            question["scale"] = scale
        if key and key not in self.questions:
            self.questions[key] = (question, path)
        return question

    def routing(self, row: _Row, holder: dict, path: tuple, keys: dict[str, str]) -> None:
        cell = row.get("relevant")
        if cell is None:
            return
        self.reader.origins[(*path, "show_if")] = _Ref(cell.ref, **keys)
        if not isinstance(cell.value, str):
            self.reader.error(cell.ref, _("a routing rule is a text"), **keys)
            return
        try:
            show_if = parse_rule(unguard(cell.value))
        except RuleError as exc:
            self.reader.error(cell.ref, _("routing: %(error)s") % {"error": exc}, **keys)
            return
        if show_if:
            holder["show_if"] = show_if

    def sections(self) -> list[dict]:
        reader = self.reader
        sections: list[dict] = []
        current: dict | None = None
        opened: _Row | None = None
        for row in self.sheets[SURVEY]:
            kind, list_name = _type(reader, row)
            if row.get("type") is None:
                reader.error(row.ref("type"), _("the row has no type"))
                continue
            if not kind:
                name = row.get("name")
                if name is not None:  # no cascade of "not a question" from the other sheets
                    self.unreadable.add(reader.word(name) or "")
                continue
            if kind == BEGIN:
                if current is not None and opened is not None:
                    reader.error(
                        row.ref("type"),
                        _(
                            "a section cannot hold another section: close '%(key)s' (from %(cell)s) with end_group first"
                        )
                        % {"key": current.get("key", ""), "cell": opened.ref("type")},
                    )
                    continue
                current, opened = self.section(row, len(sections)), row
                sections.append(current)
            elif kind == END:
                name = row.get("name")
                for column in row.filled():
                    if column not in ("type", "name"):
                        reader.error(
                            row.ref(column),
                            _(
                                "an end_group row has only a type and a name, nothing in '%(column)s'"
                            )
                            % {"column": column},
                        )
                if current is None:
                    reader.error(row.ref("type"), _("end_group without a begin_group before it"))
                elif name is not None and reader.word(name) != current.get("key"):
                    reader.error(
                        row.ref("name"),
                        _("end_group of '%(name)s' closes the section '%(key)s'")
                        % {"name": reader.word(name), "key": current.get("key", "")},
                    )
                current = opened = None
            elif current is None:
                name = row.get("name")
                reader.error(
                    row.ref("type"),
                    _(
                        "the question is outside a section; put it between begin_group and end_group"
                    ),
                    question=(reader.word(name) or "") if name else "",
                )
            else:
                path = ("sections", len(sections) - 1, "questions", len(current["questions"]))
                current["questions"].append(self.question(row, kind, list_name, path))
        if current is not None and opened is not None:
            reader.error(
                opened.ref("type"),
                _("the section is never closed: add an end_group row after its last question"),
                section=current.get("key", ""),
            )
        return sections

    def section(self, row: _Row, index: int) -> dict:
        reader = self.reader
        path = ("sections", index)
        name = row.get("name")
        key = (reader.word(name) or "") if name is not None else ""
        keys = {"section": key}
        for column in row.filled():
            if column not in SECTION_COLUMNS:
                reader.error(
                    row.ref(column),
                    _("the column '%(column)s' is for questions, not for a section")
                    % {"column": column},
                    **keys,
                )
        reader.origins[path] = _Ref(row.ref("type"), section=key)
        reader.origins[(*path, "key")] = _Ref(row.ref("name"), section=key)
        reader.origins[(*path, "questions")] = _Ref(row.ref("type"), section=key)
        section: dict[str, Any] = {}
        if name is None:
            reader.error(row.ref("name"), _("the section has no name (its key)"))
        else:
            section["key"] = key
        for field_name, column in SECTION_TEXTS.items():
            text = reader.texts(row, column, (*path, field_name), section=key)
            if text is not None:
                section[field_name] = text
        self.routing(row, section, path, keys)
        section["questions"] = []
        return section

    def checks(self) -> None:
        reader = self.reader
        counts: dict[str, int] = {}
        for row in self.sheets.get(CHECKS, []):
            cell = row.get("question")
            if cell is None:
                reader.error(row.ref("question"), _("the check names no question"))
                continue
            key = reader.word(cell) or ""
            if key in self.unreadable:
                continue
            if key not in self.questions:
                reader.error(
                    cell.ref,
                    _("'%(key)s' is not a question on the survey sheet") % {"key": key},
                )
                continue
            question, q_path = self.questions[key]
            index = counts.get(key, 0)
            counts[key] = index + 1
            path = (*q_path, "checks", index)
            reader.origins[path] = _Ref(cell.ref, key)
            reader.origins.setdefault((*q_path, "checks"), _Ref(cell.ref, key))
            check: dict[str, Any] = {}
            for name in ("last_year", "max_ratio", "min_ratio"):
                value_cell = row.get(name)
                if value_cell is not None:
                    reader.origins[(*path, name)] = _Ref(value_cell.ref, key)
                    number = reader.number(value_cell, question=key)
                    if number is not None:
                        check[name] = number
            figure = row.get("key_figure")
            if figure is not None:
                reader.origins[(*path, "key_figure")] = _Ref(figure.ref, key)
                check["key_figure"] = reader.word(figure, question=key)
            message = reader.texts(row, "message", (*path, "message"), question=key)
            if message is not None:
                check["message"] = message
            question.setdefault("checks", []).append(check)

    def mappings(self) -> list[dict]:
        reader = self.reader
        mappings: dict[tuple, dict] = {}
        for row in self.sheets.get(MAPPINGS, []):
            cells = {name: row.get(name) for name in MAPPINGS_COLUMNS}
            missing = [name for name, cell in cells.items() if cell is None]
            if missing:
                reader.error(
                    row.ref(missing[0]),
                    _("a mapping row needs question, from_year, from and to"),
                )
                continue
            key = reader.word(cells["question"]) or ""  # type: ignore[arg-type]
            year = reader.number(cells["from_year"], whole=True, question=key)  # type: ignore[arg-type]
            source = reader.word(cells["from"], question=key)  # type: ignore[arg-type]
            target = self.target(cells["to"], key)  # type: ignore[arg-type]
            if year is None or source is None or target is None:
                continue
            if (key, year) not in mappings:
                index = len(mappings)
                mappings[(key, year)] = {"question": key, "from_year": year, "map": {}}
                path = ("option_mappings", index)
                ref = cells["question"].ref  # type: ignore[union-attr]
                reader.origins[path] = _Ref(ref, key)
                reader.origins[(*path, "question")] = _Ref(ref, key)
                reader.origins[(*path, "from_year")] = _Ref(cells["from_year"].ref, key)  # type: ignore[union-attr]
                reader.origins[(*path, "map")] = _Ref(ref, key)
            mapping = mappings[(key, year)]
            index = list(mappings).index((key, year))
            if source in mapping["map"]:
                reader.error(
                    cells["from"].ref,  # type: ignore[union-attr]
                    _("“%(value)s” from %(year)s is mapped twice")
                    % {"value": source, "year": year},
                    question=key,
                )
                continue
            mapping["map"][source] = target
            reader.origins[("option_mappings", index, "map", source)] = _Ref(
                cells["to"].ref,  # type: ignore[union-attr]
                key,
            )
        return list(mappings.values())

    def target(self, cell: _Cell, key: str) -> str | int | None:
        value = cell.value
        if isinstance(value, str):
            return unguard(value).strip()
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and float(value).is_integer()
        ):
            return int(value)
        self.reader.error(cell.ref, _("must be an option key or a whole number"), question=key)
        return None

    def settings(self) -> dict[str, Any]:
        reader = self.reader
        rows = self.sheets[SETTINGS]
        document: dict[str, Any] = {}
        reader.origins[()] = _Ref(f"{SETTINGS}!A2")
        if not rows:
            reader.error(f"{SETTINGS}!A2", _("the settings sheet has no row below its header"))
            return document
        for extra in rows[1:]:
            reader.error(
                extra.ref((extra.filled() or ["year"])[0]),
                _("the settings sheet has one row below its header; this is a second"),
            )
        row = rows[0]
        reader.origins[()] = _Ref(row.ref("year"))
        for name in ("year", "previous_year"):
            cell = row.get(name)
            reader.origins[(name,)] = _Ref(row.ref(name))
            if cell is not None:
                number = reader.number(cell, whole=True)
                if number is not None:
                    document[name] = number
        for name in ("opens", "deadline"):
            cell = row.get(name)
            reader.origins[(name,)] = _Ref(row.ref(name))
            if cell is not None:
                day = reader.date(cell)
                if day is not None:
                    document[name] = day
        for name in ("title", "intro"):
            text = reader.texts(row, name, (name,))
            if text is not None:
                document[name] = text
        return document

    def document(self) -> dict[str, Any]:
        document = self.settings()
        document["sections"] = self.sections()
        self.checks()
        mappings = self.mappings()
        if mappings:
            document["option_mappings"] = mappings
        for name, rows in self.lists.items():
            if name not in self.used_lists:
                self.reader.error(
                    rows[0].ref("list_name"),
                    _("no question uses the list '%(list)s'") % {"list": name},
                )
        order = ["year", "title", "opens", "deadline", "intro", "previous_year"]
        return {k: document[k] for k in [*order, "option_mappings", "sections"] if k in document}


@dataclass
class ReadWorkbook:
    """A workbook's definition document (not yet checked) and where each of its parts came from."""

    document: dict[str, Any]
    origins: dict[tuple, _Ref]

    def located(self, exc: DefinitionError) -> WorkbookError:
        """The definition's problems at the cells they came from."""
        return WorkbookError([self.problem(p) for p in exc.problems])

    def origin(self, path: tuple, language: str = "") -> _Ref | None:
        """Where the part at ``path`` (or the nearest part holding it) was read from."""
        candidates = [(*path, language)] if language else []
        candidates += [path[:end] for end in range(len(path), -1, -1)]
        for candidate in candidates:
            ref = self.origins.get(candidate)
            if ref is not None:
                return ref
        return None

    def problem(self, problem: Problem) -> CellProblem:
        ref = self.origin(tuple(problem.path), problem.language)
        if ref is None:
            return CellProblem(str(problem))
        return CellProblem(
            _DOCUMENT_PATH.sub(self._cell_of, problem.message),
            ref.cell,
            ref.question or problem.question,
            ref.section or ("" if problem.question else problem.section),
        )

    def _cell_of(self, match: re.Match) -> str:
        """A document path in a message ("also at sections[0].questions[2].key") as its cell."""
        path = tuple(int(index) if index else name for index, name in _PATH_PART.findall(match[0]))
        ref = self.origin(path)
        return ref.cell if ref is not None else match[0]


def read_workbook(content: bytes) -> ReadWorkbook:
    """The definition document a workbook holds, or WorkbookError with every problem found."""
    reader = _Reader()
    sheets = _open(content, reader)
    if sheets is None or reader.problems:
        raise WorkbookError(reader.problems or [CellProblem(unreadable_xlsx())])
    document = _Build(reader, sheets).document()
    if reader.problems:
        raise WorkbookError(reader.problems)
    return ReadWorkbook(document, reader.origins)


def workbook_to_definition(
    content: bytes,
    *,
    earlier_question: Callable[[int, str], dict | None] | None = None,
) -> dict:
    """The normalised definition a workbook holds (checked by ``parse_definition``).

    Raises WorkbookError, every problem located at its sheet and cell.
    """
    read = read_workbook(content)
    try:
        return parse_definition(read.document, earlier_question=earlier_question)
    except DefinitionError as exc:
        raise read.located(exc) from None


def is_workbook(content: bytes, name: str = "") -> bool:
    """Whether an upload is (or is meant as) an Excel file: by its bytes, or its name's ending."""
    return content.startswith((XLSX_MAGIC, OLE_MAGIC)) or name.lower().endswith(
        (".xlsx", ".xlsm", ".xls")
    )
