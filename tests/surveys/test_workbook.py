"""Survey editions as Excel workbooks (surveys/editions/workbook.py): the round trip of every
shipped edition, the shared format's extensions, every odd file or cell, and errors that name
the sheet, the cell and the question."""

import copy
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from portal.core.audit.models import AuditEntry
from surveys.editions import schema
from surveys.editions.definition import PLACEHOLDERS, parse_definition
from surveys.editions.services import edition_import, edition_import_workbook
from surveys.editions.workbook import (
    CHECK_FIELDS,
    CHOICE_FIELDS,
    DOCUMENT_FIELDS,
    MAPPING_FIELDS,
    QUESTION_FIELDS,
    SCALE_FIELDS,
    SECTION_FIELDS,
    WorkbookError,
    definition_to_workbook,
    read_workbook,
    workbook_to_definition,
)
from surveys.models import Answer, Question, Response, SurveyEdition
from tests.surveys.conftest import definition

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = sorted((ROOT / "surveys" / "editions").glob("*.yaml"))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def base() -> dict:
    return parse_definition(definition())


def edited(content: bytes, change) -> bytes:
    """The workbook after ``change(workbook)``, saved again as Excel would."""
    workbook = load_workbook(io.BytesIO(content))
    change(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cell(content: bytes, sheet: str, column: str, *, name: str = "", row: int = 0) -> str:
    """The reference (``survey!C14``) of ``column`` in the row whose name is ``name``."""
    ws = load_workbook(io.BytesIO(content))[sheet]
    header = [c.value for c in ws[1]]
    index = header.index(column) + 1
    if not row:
        key_column = header.index("name" if "name" in header else "question") + 1
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, key_column).value == name)
    return f"{sheet}!{get_column_letter(index)}{row}"


def set_cell(content: bytes, sheet: str, ref: str, value) -> bytes:
    def change(workbook):
        workbook[sheet][ref.split("!")[-1]] = value

    return edited(content, change)


def refused(content: bytes) -> list[str]:
    with pytest.raises(WorkbookError) as info:
        workbook_to_definition(content)
    assert info.value.errors and info.value.errors == [str(p) for p in info.value.problems]
    return info.value.errors


# --- the round trip ------------------------------------------------------------------------


@pytest.mark.parametrize("path", EDITIONS, ids=lambda p: p.name)
def test_every_shipped_edition_survives_the_round_trip(path):
    original = parse_definition(path.read_bytes())
    content = definition_to_workbook(original)
    assert workbook_to_definition(content) == original
    # and once more, as the survey team would after a second download
    assert workbook_to_definition(definition_to_workbook(workbook_to_definition(content))) == (
        original
    )


def test_the_workbook_has_the_sheets_and_columns_of_xlsform():
    content = definition_to_workbook(base())
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["survey", "choices", "checks", "option_mappings", "settings"]
    survey = workbook["survey"]
    header = [c.value for c in survey[1]]
    assert header[:10] == [
        "type",
        "name",
        "label::nb",
        "label::nn",
        "label::en",
        "hint::nb",
        "hint::nn",
        "hint::en",
        "required",
        "relevant",
    ]
    rows = [[c.value for c in r] for r in survey.iter_rows(min_row=2)]
    assert rows[0][:3] == ["begin_group", "settlement", "Bosetting"]
    assert rows[-1][:2] == ["end_group", "services"]
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in rows if r[0] != "end_group"}
    assert by_name["plan_year"]["relevant"] == "has_plan = yes"
    assert by_name["plan_year"]["min"] == 1990
    assert by_name["expected_settled"]["unit::nb"] == "personer"
    assert by_name["expected_settled"]["allow_dont_know"] == "yes"
    assert by_name["first_time_help"]["relevant"] == "category in (first_time, does_not_settle)"
    types = {r[1]: r[0] for r in rows}
    assert types["has_plan"] == "yes_no"
    assert any(t.startswith("select_one ") for t in types.values())
    settings_rows = list(workbook["settings"].iter_rows(values_only=True))
    settings = dict(zip(settings_rows[0], settings_rows[1], strict=True))
    assert settings["year"] == 2026 and settings["opens"] == "2026-11-02"
    assert settings["title::en"] == "Municipal survey 2026"


EXTENDED = {
    "year": 2031,
    "title": {"nb": "Utvidet", "en": "Extended"},
    "opens": "2031-11-03",
    "deadline": "2032-01-16",
    "intro": {"nb": "Innledning\nmed to linjer\n"},
    "previous_year": 2030,
    "option_mappings": [
        {"question": "unit", "from_year": 2030, "map": {"old": "nav", "3": 3, "x": "3"}},
    ],
    "sections": [
        {
            "key": "s",
            "title": {"nb": "Del"},
            "intro": {"nb": "  innrykk og = tegn", "nn": "=SUM(A1)"},
            "show_if": {"kind": ["municipality"], "region": ["nord", "vest"]},
            "questions": [
                {
                    "key": "measures",
                    "type": "yes_no_grid",
                    "text": {"nb": "Tiltak?"},
                    "allow_dont_know": True,
                    "items": [
                        {"key": "housing", "label": {"nb": "Bolig"}},
                        {"key": "other", "label": {"nb": "Annet"}, "other": True},
                    ],
                },
                {
                    "key": "unit",
                    "type": "single",
                    "text": {"nb": "Enhet?"},
                    "required": False,
                    "allow_not_relevant": True,
                    "show_if": {
                        "answers": [
                            {"question": "measures", "item": "housing", "in": ["yes"]},
                        ]
                    },
                    "options": [
                        {"key": "nav", "label": {"nb": "NAV", "nn": "NAV"}, "other": False},
                        {"key": "other", "label": {"nb": "-annet"}, "other": True},
                    ],
                },
                {
                    "key": "tools",
                    "type": "multi",
                    "text": {"nb": "Verktøy?"},
                    "min_choices": 1,
                    "max_choices": 2,
                    "options": [
                        {"key": "a", "label": {"nb": "A"}},
                        {"key": "b", "label": {"nb": "B"}},
                        {"key": "none", "label": {"nb": "Ingen"}, "exclusive": True},
                    ],
                    "show_if": {
                        "answers": [
                            {"question": "unit", "not_in": ["nav"], "if_unanswered": "show"},
                        ]
                    },
                },
                {
                    "key": "barriers",
                    "type": "rank",
                    "text": {"nb": "Ranger"},
                    "rank": 2,
                    "options": [
                        {"key": "a", "label": {"nb": "A"}},
                        {"key": "b", "label": {"nb": "B"}},
                        {"key": "other", "label": {"nb": "Annet"}, "other": True},
                    ],
                },
                {
                    "key": "rating",
                    "type": "scale",
                    "text": {"nb": "Hvor godt?"},
                    "scale": {
                        "min": 0,
                        "max": 3,
                        "min_label": {"nb": "Dårlig"},
                        "max_label": {"nb": "Godt", "en": "Good"},
                        "labels": [
                            {"nb": "Null"},
                            {"nb": "En", "en": "One"},
                            {"nb": "To"},
                            {"nb": "Tre"},
                        ],
                    },
                    "allow_not_relevant": True,
                    "allow_dont_know": False,
                },
                {
                    "key": "grid",
                    "type": "scale_grid",
                    "text": {"nb": "Rutenett"},
                    "scale": {"labels": [{"nb": str(n)} for n in range(1, 6)]},
                    "items": [{"key": "a", "label": {"nb": "A"}}],
                    "show_if": {
                        "answers": [
                            {"question": "rating", "in": [2, 3], "if_unanswered": "hide"},
                            {"question": "rating", "not_in": [0.5]},
                        ]
                    },
                },
                {
                    "key": "count",
                    "type": "integer",
                    "text": {"nb": "Antall"},
                    "unit": {"nb": "personer", "en": "people"},
                    "min": -5,
                    "max": 10.5,
                    "checks": [
                        {"last_year": 0.25},
                        {
                            "key_figure": "decided",
                            "min_ratio": 0,
                            "max_ratio": 1.5,
                            "message": {"nb": "Stemmer {value}?", "en": "Is {value} right?"},
                        },
                    ],
                },
                {
                    "key": "note",
                    "type": "textarea",
                    "text": {"nb": "Merknad"},
                    "help": {"nb": "Hjelp", "nn": "Hjelp", "en": "Help"},
                    "max_length": 500,
                    "show_if": {"answers": [{"question": "count", "answered": False}]},
                },
            ],
        }
    ],
}


def test_the_shared_extensions_and_every_field_survive_the_round_trip():
    """yes_no_grid, min_choices, rank other, single not_relevant, scale labels, item and
    if_unanswered: the workbook carries them as they are, and the definition checker accepts
    what comes back."""
    content = definition_to_workbook(EXTENDED)
    assert read_workbook(content).document == EXTENDED


def test_every_field_of_the_schema_has_a_place_in_the_workbook():
    """A field added to the format fails here until the workbook carries it."""
    fields = {
        "document": (set(schema.SCHEMA["properties"]), DOCUMENT_FIELDS),
        "section": (set(schema.SECTION["properties"]), SECTION_FIELDS),
        "question": (set(schema.QUESTION["properties"]), QUESTION_FIELDS),
        "option": (set(schema.OPTION["properties"]), CHOICE_FIELDS),
        "item": (set(schema.ITEM["properties"]), CHOICE_FIELDS),
        "scale": (set(schema.SCALE["properties"]), SCALE_FIELDS),
        "check": (set(schema.CHECK["properties"]), CHECK_FIELDS),
        "mapping": (set(schema.MAPPING["properties"]), MAPPING_FIELDS),
    }
    for name, (in_schema, in_workbook) in fields.items():
        assert in_schema <= in_workbook, (name, in_schema - in_workbook)
    rule_fields = set(schema.SHOW_IF["properties"]["answers"]["items"]["properties"])
    assert rule_fields <= {"question", "item", "in", "not_in", "answered", "if_unanswered"}


def test_a_definition_with_a_field_the_workbook_does_not_know_is_not_exported():
    doc = copy.deepcopy(EXTENDED)
    doc["sections"][0]["questions"][0]["colour"] = "red"
    doc["sections"][0]["questions"][1]["options"][0]["weight"] = 2
    with pytest.raises(WorkbookError) as info:
        definition_to_workbook(doc)
    assert info.value.errors == [
        "question 'measures': the field 'colour' has no place in a workbook",
        "question 'unit'[0]: the field 'weight' has no place in a workbook",
    ]


def test_a_text_no_excel_cell_can_hold_is_not_exported():
    doc = copy.deepcopy(EXTENDED)
    doc["sections"][0]["questions"][0]["text"] = {"nb": "bell\x07"}
    with pytest.raises(WorkbookError, match="control characters"):
        definition_to_workbook(doc)


def test_texts_keep_their_spaces_line_breaks_and_formula_characters():
    doc = read_workbook(definition_to_workbook(EXTENDED)).document
    assert doc["intro"] == {"nb": "Innledning\nmed to linjer\n"}
    assert doc["sections"][0]["intro"] == {"nb": "  innrykk og = tegn", "nn": "=SUM(A1)"}
    workbook = load_workbook(io.BytesIO(definition_to_workbook(EXTENDED)))
    cells = [c for ws in workbook for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]


# --- what people type in Excel -------------------------------------------------------------


def test_dates_typed_as_dates_and_norwegian_dates_are_read():
    content = definition_to_workbook(base())
    content = set_cell(
        content, "settings", cell(content, "settings", "opens", row=2), dt.date(2026, 11, 3)
    )
    content = set_cell(
        content, "settings", cell(content, "settings", "deadline", row=2), "15.01.2027"
    )
    result = workbook_to_definition(content)
    assert (result["opens"], result["deadline"]) == ("2026-11-03", "2027-01-15")


def test_numbers_typed_as_text_are_read_as_numbers():
    content = definition_to_workbook(base())
    content = set_cell(content, "survey", cell(content, "survey", "min", name="plan_year"), "1 991")
    content = set_cell(content, "settings", cell(content, "settings", "year", row=2), "2026")
    result = workbook_to_definition(content)
    assert result["year"] == 2026
    questions = {q["key"]: q for s in result["sections"] for q in s["questions"]}
    assert questions["plan_year"]["min"] == 1991


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("ja", True),
        ("Nei", False),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("TRUE", True),
        ("no", False),
    ],
)
def test_yes_and_no_in_any_usual_spelling(typed, value):
    content = definition_to_workbook(base())
    content = set_cell(
        content, "survey", cell(content, "survey", "required", name="has_plan"), typed
    )
    result = workbook_to_definition(content)
    questions = {q["key"]: q for s in result["sections"] for q in s["questions"]}
    assert questions["has_plan"]["required"] is value


def test_xlsform_spellings_are_read():
    content = definition_to_workbook(base())
    renamed = {}

    def change(workbook):
        survey = workbook["survey"]
        survey["A1"] = "Type"
        survey["C1"] = "label"
        for row in survey.iter_rows(min_row=2):
            if row[0].value == "begin_group":
                row[0].value = "Begin Group"
            elif row[0].value == "end_group":
                row[0].value = "end group"
            elif row[0].value.startswith("select_one "):
                renamed[row[0].value.split()[1]] = f"List{row[0].row}"
                row[0].value = f"Select_One List{row[0].row}"
        for row in workbook["choices"].iter_rows(min_row=2):
            row[0].value = renamed.get(row[0].value, row[0].value)
        workbook["choices"]["A1"] = "list name"

    assert workbook_to_definition(edited(content, change)) == base()
    assert renamed  # a list named in capitals was found by its name


# --- refused workbooks: each problem at its cell -------------------------------------------


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"year: 2026\n", "The file is not an Excel workbook (.xlsx)."),
        (b"", "The file is not an Excel workbook (.xlsx)."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "This is an old Excel file (.xls)."),
        (b"PK\x03\x04broken", "The Excel file cannot be read."),
        (_bomb(), "when unpacked; the limit is"),
    ],
    ids=["yaml", "empty", "xls", "corrupt zip", "zip bomb"],
)
def test_files_that_are_not_workbooks(content, message):
    errors = refused(content)
    assert len(errors) == 1 and message in errors[0], errors


def test_a_zip_that_is_no_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert refused(out.getvalue()) == [
        "The Excel file cannot be read. Save it again as an Excel workbook (.xlsx)."
    ]


def test_a_file_over_the_limit(settings):
    settings.SURVEY_DEFINITION_MAX_BYTES = 1000
    errors = refused(definition_to_workbook(base()))
    assert len(errors) == 1 and "the limit is 1000" in errors[0]


def test_a_huge_sheet():
    content = definition_to_workbook(base())

    def change(workbook):
        workbook["choices"].cell(row=5002, column=1, value="x")

    errors = refused(edited(content, change))
    assert errors == [
        "choices!A5002: the sheet goes on past row 5000, the most a survey workbook may have"
    ]


def test_too_many_columns():
    content = definition_to_workbook(base())

    def change(workbook):
        workbook["survey"].cell(row=3, column=61, value="x")

    assert refused(edited(content, change)) == ["survey!BI3: the sheet has more than 60 columns"]


def test_formulas_merged_cells_and_error_values():
    content = definition_to_workbook(base())
    label = cell(content, "survey", "label::nb", name="has_plan")

    def change(workbook):
        workbook["survey"][label.split("!")[1]] = '=CONCAT("a";"b")'
        workbook["settings"].merge_cells("B2:D2")

    errors = refused(edited(content, change))
    assert errors == [
        "settings!B2:D2: merged cells; unmerge them and write each value in its cell",
        f"{label}: holds a formula; write the value itself (or paste it as values)",
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (
            "label::nb",
            dt.date(2026, 1, 2),
            "Excel has made this a date or time; format the cell as text and write it again",
        ),
        (
            "label::nb",
            True,
            "Excel has made this a TRUE/FALSE value; format the cell as text and write it again",
        ),
        ("required", "kanskje", "must be yes or no (ja or nei), not “kanskje”"),
        ("allow_dont_know", 2, "must be yes or no (ja or nei), not “2”"),
        ("min", "abc", "“abc” is not a number"),
        ("min", dt.datetime(2026, 1, 2), "must be a number"),
        ("max_length", 2.5, "must be a whole number, not 2.5"),
        ("relevant", "has_plan ==", "routing: “=” where a value should be (at character 11)"),
        ("relevant", 12, "a routing rule is a text"),
    ],
)
def test_bad_cells_are_named_with_the_question(column, value, message):
    content = definition_to_workbook(base())
    ref = cell(content, "survey", column, name="has_plan")
    assert refused(set_cell(content, "survey", ref, value)) == [
        f"{ref}, question 'has_plan': {message}"
    ]


def test_columns_duplicated_unknown_and_unnamed():
    content = definition_to_workbook(base())

    def change(workbook):
        survey = workbook["survey"]
        survey["D1"] = "label::nb"
        survey["E1"] = "colour"
        survey.cell(row=1, column=40).value = None
        survey.cell(row=4, column=45).value = "stray"

    errors = refused(edited(content, change))
    assert errors[0] == "survey!D1: the column 'label::nb' appears twice (also in C1)"
    assert errors[1].startswith(
        "survey!E1: unknown column 'colour'; the columns of this sheet are: type, name, label::nb"
    )
    assert errors[2:] == ["survey!AS4: this column has no name in the first row"]


def test_groups_that_do_not_open_or_close():
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    for row in [
        ["type", "name", "label::nb"],
        ["end_group", "", ""],
        ["yes_no", "loose", "Utenfor?"],
        ["begin_group", "a", "A"],
        ["yes_no", "q1", "Spørsmål?"],
        ["begin_group", "b", "B"],
        ["end_group", "b", ""],
        ["begin_group", "c", "C"],
        ["yes_no", "q2", "Spørsmål?"],
    ]:
        survey.append(row)
    settings = wb.create_sheet("settings")
    settings.append(["year", "title::nb", "opens", "deadline"])
    settings.append([2030, "T", "2030-01-01", "2030-02-01"])
    out = io.BytesIO()
    wb.save(out)
    assert refused(out.getvalue()) == [
        "survey!A2: end_group without a begin_group before it",
        "survey!A3, question 'loose': the question is outside a section; put it between begin_group and end_group",
        "survey!A6: a section cannot hold another section: close 'a' (from survey!A4) with end_group first",
        "survey!B7: end_group of 'b' closes the section 'a'",
        "survey!A8, section 'c': the section is never closed: add an end_group row after its last question",
    ]


def test_types_lists_and_sheets():
    content = definition_to_workbook(base())
    type_ref = cell(content, "survey", "type", name="has_plan")
    other = cell(content, "survey", "type", name="plan_year")
    list_ref = cell(content, "survey", "type", name="expected_settled")

    def change(workbook):
        survey = workbook["survey"]
        survey[type_ref.split("!")[1]] = "select_one nowhere"
        survey[other.split("!")[1]] = "integer listed"
        survey[list_ref.split("!")[1]] = "numbr"
        workbook.create_sheet("notes")

    assert refused(edited(content, change)) == [
        "notes: unknown sheet 'notes'; a survey workbook has the sheets survey, choices, checks, option_mappings, settings"
    ]

    def change_without_notes(workbook):
        change(workbook)
        del workbook["notes"]

    errors = refused(edited(content, change_without_notes))
    assert errors[0].startswith(f"{list_ref}: unknown type “numbr”; the types are: select_one")
    assert errors[1:] == [
        f"{type_ref}, question 'has_plan': there is no list 'nowhere' on the choices sheet",
        f"{other}: a “integer” question has no list; write only “integer”",
    ] or errors[1:] == [
        f"{other}: a “integer” question has no list; write only “integer”",
        f"{type_ref}, question 'has_plan': there is no list 'nowhere' on the choices sheet",
    ]


def test_missing_sheets():
    wb = Workbook()
    wb.active.title = "choices"
    out = io.BytesIO()
    wb.save(out)
    assert refused(out.getvalue()) == [
        "The workbook has no sheet 'survey'.",
        "The workbook has no sheet 'settings'.",
    ]


def test_choices_checks_and_mappings_that_point_nowhere():
    content = definition_to_workbook(EXTENDED)

    def change(workbook):
        workbook["choices"].append(["unused", "a", "A"])
        workbook["checks"].append(["ghost", 0.5])
        workbook["option_mappings"].append(["unit", 2030, "old", "other"])
        workbook["option_mappings"].append(["unit", 2030, "y"])

    rows = {ws.title: ws.max_row for ws in load_workbook(io.BytesIO(content))}
    errors = refused(edited(content, change))
    assert errors == [
        f"checks!A{rows['checks'] + 1}: 'ghost' is not a question on the survey sheet",
        f"option_mappings!C{rows['option_mappings'] + 1}, question 'unit': “old” from 2030 is mapped twice",
        f"option_mappings!D{rows['option_mappings'] + 2}: a mapping row needs question, from_year, from and to",
        f"choices!A{rows['choices'] + 1}: no question uses the list 'unused'",
    ]


def test_scale_labels_out_of_order():
    content = definition_to_workbook(EXTENDED)
    ws = load_workbook(io.BytesIO(content))["choices"]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "rating_labels")
    errors = refused(set_cell(content, "choices", f"B{row}", 5))
    assert errors == [
        f"choices!B{row}, question 'rating': the point labels are listed in order from the scale's lowest point: 0 here, not “5”"
    ]


# --- the definition's problems, at the cells they came from --------------------------------


def test_definition_problems_name_sheet_cell_and_question():
    content = definition_to_workbook(base())
    relevant = cell(content, "survey", "relevant", name="plan_year")
    label = cell(content, "survey", "label::nb", name="has_plan")
    label_nn = cell(content, "survey", "label::nn", name="has_plan")
    max_choices = cell(content, "survey", "max_choices", name="has_plan")
    year = cell(content, "settings", "year", row=2)
    content = set_cell(content, "survey", relevant, "later_question = yes")
    content = set_cell(content, "survey", label, None)
    content = set_cell(content, "survey", label_nn, "Nynorsk {nope}")
    content = set_cell(content, "survey", max_choices, 3)
    content = set_cell(content, "settings", year, 1999)
    errors = refused(content)
    assert f"{year}: must be at least 2000, not 1999" in errors
    assert (
        f"{label}, question 'has_plan': must be a text: a string, or a mapping with nb (and optionally nn and en)"
        in errors
    )
    assert (
        f"{max_choices}, question 'has_plan': 'max_choices' does not belong to a 'yes_no' question"
        in errors
    )
    content = set_cell(content, "settings", year, 2026)
    content = set_cell(content, "survey", label, "Bokmål")
    content = set_cell(content, "survey", max_choices, None)
    errors = refused(content)
    assert errors == [
        f"{label_nn}, question 'has_plan': unknown placeholder {{nope}}; allowed: "
        + ", ".join(sorted(PLACEHOLDERS)),
        f"{relevant}, question 'plan_year': 'later_question' is not a question of this edition",
    ]


def test_a_key_used_twice_names_both_cells():
    content = definition_to_workbook(base())
    first = cell(content, "survey", "name", name="has_plan")
    second = cell(content, "survey", "name", name="plan_year")
    relevant = cell(content, "survey", "relevant", name="plan_year")
    content = set_cell(content, "survey", relevant, None)
    assert refused(set_cell(content, "survey", second, "has_plan")) == [
        f"{second}, question 'has_plan': 'has_plan' is used twice "
        "(also by a question in section 'settlement')"
    ]
    assert first != second


def test_an_end_group_row_holds_nothing_else():
    content = definition_to_workbook(base())
    ws = load_workbook(io.BytesIO(content))["survey"]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "end_group")
    assert refused(set_cell(content, "survey", f"C{row}", "Slutt")) == [
        f"survey!C{row}: an end_group row has only a type and a name, nothing in 'label::nb'"
    ]


def test_option_and_check_problems_point_into_their_sheets():
    content = definition_to_workbook(base())
    wb = load_workbook(io.BytesIO(content))
    first = next(r for r in wb["choices"].iter_rows(min_row=2) if r[1].value)
    check_row = next(wb["checks"].iter_rows(min_row=2))[0].row
    key = first[0].value
    bad_check = set_cell(content, "checks", f"C{check_row}", None)
    assert refused(bad_check) == [
        f"checks!A{check_row}, question 'expected_settled': a check needs either last_year, "
        "or key_figure with max_ratio and/or min_ratio"
    ]
    bad_option = set_cell(content, "choices", f"B{first[1].row}", "dont_know")
    assert refused(bad_option) == [
        f"choices!B{first[1].row}, question '{key}': 'dont_know' is reserved; "
        "use allow_dont_know / allow_not_relevant"
    ]


def test_errors_are_in_norwegian():
    content = definition_to_workbook(base())
    ref = cell(content, "survey", "required", name="has_plan")
    with translation.override("nb"), pytest.raises(WorkbookError) as info:
        workbook_to_definition(set_cell(content, "survey", ref, "kanskje"))
    assert info.value.errors == [
        f"{ref}, spørsmål «has_plan»: må være ja eller nei, ikke “kanskje”"
    ]


# --- the pages and the commands ------------------------------------------------------------

UPLOAD_URL = "/direktoratet/undersokelser/"


def _workbook_upload(client, name: str, content: bytes):
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, content)})


def test_the_edition_page_offers_the_workbook_beside_the_yaml(client, cast):
    edition_import(actor=None, content=definition())
    client.force_login(cast.admin)
    with translation.override("nb"):
        page = client.get("/direktoratet/undersokelser/2026/").content.decode()
    assert 'href="/direktoratet/undersokelser/2026/definisjon.xlsx"' in page
    assert "Last ned som Excel" in page
    assert page.index("definisjon.yaml") < page.index("definisjon.xlsx")


def test_the_download_is_a_workbook_of_the_stored_definition(client, cast):
    edition = edition_import(actor=None, content=definition())
    client.force_login(cast.admin)
    response = client.get("/direktoratet/undersokelser/2026/definisjon.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="survey-2026.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "survey"
    assert workbook_to_definition(response.content) == edition.definition


def test_a_definition_no_workbook_can_hold_is_told_on_the_edition_page(client, cast):
    edition = edition_import(actor=None, content=definition())
    edition.definition["sections"][0]["questions"][0]["text"] = {"nb": "bell\x07"}
    edition.save()
    client.force_login(cast.admin)
    response = client.get("/direktoratet/undersokelser/2026/definisjon.xlsx", follow=True)
    assert response.redirect_chain == [("/direktoratet/undersokelser/2026/", 302)]
    assert "kontrolltegn" in response.content.decode()


@pytest.mark.parametrize("name", ["survey.xlsx", "survey.yaml", "survey"])
def test_uploading_a_workbook_creates_a_draft_by_its_content(client, cast, name):
    client.force_login(cast.admin)
    response = _workbook_upload(client, name, definition_to_workbook(base()))
    assert response.status_code == 302
    assert response["Location"] == "/direktoratet/undersokelser/2026/"
    edition = SurveyEdition.objects.get()
    assert (edition.year, edition.status) == (2026, "draft")
    assert edition.definition == base()
    assert Question.objects.filter(edition=edition).count() == sum(
        len(s["questions"]) for s in base()["sections"]
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.source) == ("survey.import", f"upload: {name}")


def test_uploading_a_workbook_replaces_a_draft_as_the_yaml_does(client, cast):
    edition_import(actor=None, content=definition())
    changed = base()
    changed["title"] = {"nb": "Ny tittel"}
    client.force_login(cast.admin)
    assert _workbook_upload(client, "ny.xlsx", definition_to_workbook(changed)).status_code == 302
    assert SurveyEdition.objects.get().title == {"nb": "Ny tittel"}
    assert AuditEntry.objects.filter(action="survey.replace", source="upload: ny.xlsx").exists()


def test_uploading_a_bad_workbook_lists_every_problem_and_saves_nothing(client, cast):
    content = definition_to_workbook(base())
    required = cell(content, "survey", "required", name="has_plan")
    relevant = cell(content, "survey", "relevant", name="plan_year")
    content = set_cell(content, "survey", required, "kanskje")
    content = set_cell(content, "survey", relevant, "has_plan in (yes")
    client.force_login(cast.admin)
    with translation.override("nb"):
        response = _workbook_upload(client, "bad.xlsx", content)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert [e.split(":")[0] for e in errors] == [
        f"{required}, spørsmål «has_plan»",
        f"{relevant}, spørsmål «plan_year»",
    ]
    assert "Definisjonen har 2 feil. Ingenting er lagret." in response.content.decode()
    assert not SurveyEdition.objects.exists() and not AuditEntry.objects.exists()


def test_a_workbook_whose_year_has_answers_is_refused_at_the_year_cell(cast):
    edition = edition_import(actor=None, content=definition())
    response = Response.objects.create(edition=edition, municipality=cast.a)
    Answer.objects.create(
        response=response,
        municipality=cast.a,
        question=edition.questions.get(key="has_plan"),
        value="yes",
    )
    with pytest.raises(WorkbookError) as info:
        edition_import_workbook(actor=None, content=definition_to_workbook(base()))
    assert info.value.errors == [
        "settings!A2: the 2026 edition already has answers and cannot be replaced; use a new year"
    ]


def test_export_and_import_commands_take_workbooks(db, tmp_path):
    edition = edition_import(actor=None, content=definition())
    path = tmp_path / "2026.xlsx"
    call_command("export_survey", "2026", "--format", "xlsx", "-o", str(path), stderr=io.StringIO())
    assert workbook_to_definition(path.read_bytes()) == edition.definition
    out = io.StringIO()
    call_command("import_survey", "--check", str(path), stdout=out)
    assert out.getvalue().startswith(f"{path}: valid (2026, 2 sections, ")
    SurveyEdition.objects.all().delete()
    out = io.StringIO()
    call_command("import_survey", str(path), stdout=out)
    assert out.getvalue().startswith("Imported the 2026 edition (")
    assert SurveyEdition.objects.get().definition == edition.definition


def test_the_commands_refuse_a_bad_workbook_and_a_workbook_to_standard_output(db, tmp_path):
    edition_import(actor=None, content=definition())
    with pytest.raises(CommandError, match="add -o FILE.xlsx"):
        call_command("export_survey", "2026", "--format", "xlsx", stdout=io.StringIO())
    content = definition_to_workbook(base())
    ref = cell(content, "survey", "min", name="plan_year")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(set_cell(content, "survey", ref, "abc"))
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 problem\(s\) in .*bad.xlsx; nothing was written"):
        call_command("import_survey", str(path), stdout=io.StringIO(), stderr=err)
    assert f"{ref}, question 'plan_year': “abc” is not a number" in err.getvalue()
    assert SurveyEdition.objects.get().definition == base()
