"""Fuzz tests: whatever a person or a file sends to an importer or the survey definition parser
gets a clear error or a valid import — never a server error, never a partial write."""

import csv
import datetime as dt
import io

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from housing import files as housing_files
from portal.core.spreadsheets import XLSX_ILLEGAL_CHARACTERS
from portal.municipalities import key_figure_import
from surveys.editions.definition import DefinitionError, parse_definition

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

KEY_FIGURE_COLUMNS = ["number", "year", *key_figure_import.OPTIONAL_COLUMNS]
HOUSING_COLUMNS = list(housing_files.COLUMNS)

# Cells a person might type in Excel, good and bad.
cell = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "4204",
            "0301",
            "030101",
            "2025",
            "12",
            "-3",
            "1 234",
            "12,5",
            "12.5",
            "abc",
            "=SUM(A1)",
            "+47",
            "@x",
            "1e9",
            "99999999999999999999",
            "ja",
            "nei",
            "yes",
            "true",
            "01.02.2026",
            "2026-02-30",
            "EKG05",
            "\u00a0",
            "”",
            '"',
            ";",
            ",",
        ]
    ),
    st.text(max_size=12),
)


def _csv(header, rows, delimiter):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def csv_files(draw, columns):
    header = draw(
        st.lists(st.sampled_from([*columns, "unknown", "", "Number"]), min_size=1, max_size=8)
    )
    width = draw(
        st.sampled_from([len(header), len(header), len(header) + 1, max(len(header) - 1, 0)])
    )
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=6))
    return _csv(header, rows, draw(st.sampled_from([",", ";"])))


any_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8")),
    st.text(max_size=200).map(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
)


@FUZZ
@given(content=st.one_of(any_bytes, csv_files(KEY_FIGURE_COLUMNS)))
def test_key_figure_parser_never_crashes(content):
    result = key_figure_import.parse(content)
    assert result.rows or result.errors
    for error in result.errors:
        assert str(error.message).strip()


@pytest.mark.django_db
@FUZZ
@given(content=csv_files(KEY_FIGURE_COLUMNS))
def test_key_figure_import_writes_all_or_nothing(cast, content):
    from portal.core.audit.models import AuditEntry
    from portal.municipalities.models import KeyFigures
    from portal.municipalities.services import key_figures_import

    before = (KeyFigures.objects.count(), AuditEntry.objects.count())
    report = key_figures_import(actor=cast.admin, content=content, source="fuzz.csv")
    if report.errors:
        assert (KeyFigures.objects.count(), AuditEntry.objects.count()) == before
    else:
        assert report.created + report.updated + report.unchanged > 0


def test_key_figure_parser_huge_field_is_an_error_not_a_crash():
    content = b"number,year,population\n4204,2025," + b"9" * 200_000 + b"\n"
    result = key_figure_import.parse(content)
    assert result.errors


@FUZZ
@given(content=st.one_of(any_bytes, csv_files(HOUSING_COLUMNS)))
def test_housing_parser_never_crashes(content):
    result = housing_files.parse(content)
    assert result.rows or result.errors or result.error_count == 0


@FUZZ
@given(content=st.binary(max_size=300).map(lambda b: housing_files.XLSX_MAGIC + b))
def test_housing_parser_survives_broken_spreadsheets(content):
    result = housing_files.parse(content)
    assert result.errors


# Cells of an Excel file: what a person types, and what Excel stores (numbers, dates, booleans).
xlsx_cell = st.one_of(
    cell.map(lambda text: XLSX_ILLEGAL_CHARACTERS.sub("", text)),
    st.none(),
    st.booleans(),
    st.integers(-10, 30),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 1, 1)),
)


@st.composite
def xlsx_files(draw):
    header = draw(
        st.lists(
            st.sampled_from([*HOUSING_COLUMNS, "unknown", None, "Tenure"]), min_size=1, max_size=8
        )
    )
    rows = draw(st.lists(st.lists(xlsx_cell, max_size=len(header) + 2), max_size=6))
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@FUZZ
@given(content=xlsx_files())
def test_housing_parser_never_crashes_on_workbooks(content):
    result = housing_files.parse(content)
    assert result.rows or result.errors or result.error_count == 0
    for error in result.errors:
        assert str(error.message).strip()


# Text a person types into a housing line: formula characters, apostrophes, spaces and line
# breaks among letters; the upload strips the ends, as the form does.
typed = st.text(
    alphabet=st.one_of(
        st.sampled_from("=+-@'\t\n ;,\"\u00a0|%"),
        st.characters(categories=("L", "N", "P", "S", "Zs")),
    ),
    max_size=30,
).map(str.strip)


@FUZZ
@given(reference=typed, area=typed, notes=typed)
def test_housing_download_holds_no_formula_and_uploads_unchanged(reference, area, notes):
    row = {
        **housing_files.DEFAULTS,
        "tenure": "shared",
        "rooms": 3,
        "units": 1,
        "reference": reference,
        "area": area,
        "notes": notes,
    }
    workbook = housing_files.to_xlsx([row])
    cells = [c for r in load_workbook(io.BytesIO(workbook)).active.iter_rows() for c in r]
    assert all(c.data_type != "f" for c in cells)
    for content in (housing_files.to_csv([row]), workbook):
        result = housing_files.parse(content)
        assert not result.errors, result.errors
        values = result.rows[0].values
        assert (values["reference"], values["area"], values["notes"]) == (reference, area, notes)


def test_housing_parser_huge_field_is_an_error_not_a_crash():
    content = b"tenure,rooms,units\nmunicipal_rental,3," + b"1" * 200_000 + b"\n"
    result = housing_files.parse(content)
    assert result.errors


@pytest.mark.django_db
@FUZZ
@given(content=st.one_of(any_bytes, csv_files(HOUSING_COLUMNS), xlsx_files()))
def test_housing_upload_replaces_all_or_nothing(cast, content):
    from housing.models import HousingLine
    from housing.services import housing_line_save, housing_lines_upload

    if not HousingLine.objects.filter(municipality=cast.a).exists():
        housing_line_save(
            actor=None, municipality=cast.a, tenure="municipal_rental", rooms=3, units=2
        )
    before = list(HousingLine.objects.filter(municipality=cast.a).values_list("pk", "units"))
    report = housing_lines_upload(
        actor=cast.editor_a, municipality=cast.a, content=content, filename="fuzz.csv"
    )
    after = list(HousingLine.objects.filter(municipality=cast.a).values_list("pk", "units"))
    if report.error_count:
        assert after == before
    else:
        assert len(after) == report.lines


# --- The survey definition parser ---------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 3000), st.floats(allow_nan=True), st.text(max_size=8)
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "year",
                    "title",
                    "sections",
                    "questions",
                    "key",
                    "type",
                    "text",
                    "options",
                    "label",
                    "show_if",
                    "scale",
                    "min",
                    "max",
                    "nb",
                    "opens",
                    "deadline",
                    "items",
                ]
            )
            | st.text(max_size=5),
            children,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


def _as_file(document) -> bytes:
    """What an uploaded definition file holds: the document written as YAML."""
    return yaml.safe_dump(document, allow_unicode=True).encode("utf-8")


@FUZZ
@given(document=documents)
def test_definition_parser_rejects_nonsense_in_words(document):
    try:
        parse_definition(_as_file(document))
    except DefinitionError as error:
        assert error.errors and all(str(e).strip() for e in error.errors)


@FUZZ
@given(text=st.text(max_size=300))
def test_definition_parser_takes_any_text(text):
    try:
        parse_definition(text)
    except DefinitionError as error:
        assert error.errors


def test_definition_parser_refuses_alias_bombs():
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        + "\n".join(f"c{i}: &c{i} [*b, *b, *b, *b, *b, *b, *b, *b, *b]" for i in range(3))
    )
    with pytest.raises(DefinitionError):
        parse_definition(bomb)


@pytest.mark.django_db
@FUZZ
@given(document=documents)
def test_edition_import_writes_nothing_on_error(document):
    from surveys.editions.services import edition_import
    from surveys.models import Question, SurveyEdition

    before = (SurveyEdition.objects.count(), Question.objects.count())
    try:
        edition_import(actor=None, content=_as_file(document))
    except DefinitionError:
        assert (SurveyEdition.objects.count(), Question.objects.count()) == before
