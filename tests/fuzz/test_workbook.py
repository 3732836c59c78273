"""Fuzz tests of routing rule texts and of the survey workbook importer: a rule text reads back
as the rule it was written from, and whatever bytes or cells an upload holds, the importer gives
a definition or a WorkbookError — never another exception."""

import io
import string
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from portal.core.spreadsheets import XLSX_ILLEGAL_CHARACTERS
from surveys.editions.definition import parse_definition
from surveys.editions.rules import ATTRIBUTE_VALUES, RuleError, parse_rule, rule_text
from surveys.editions.workbook import (
    SHEETS,
    WorkbookError,
    definition_to_workbook,
    workbook_to_definition,
)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Every example reads a whole workbook: fewer of them, so the suite stays quick.
WORKBOOK_FUZZ = settings(FUZZ, max_examples=50)
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = parse_definition((ROOT / "surveys" / "editions" / "example.yaml").read_bytes())
EXAMPLE_WORKBOOK = definition_to_workbook(EXAMPLE)

# --- routing rules -----------------------------------------------------------------------------

keys = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True) | st.sampled_from(
    ["and", "or", "in", "not", "if", "answered", "unanswered", "kind", "region", "category"]
)
values = st.one_of(
    keys,
    st.integers(-10_000, 10_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=10),
    st.sampled_from(["TRUE", "FALSE", "yes", "no", "dont_know", "not_relevant", "1", "-2", ""]),
)


@st.composite
def answer_rules(draw):
    rule = {"question": draw(keys)}
    if draw(st.booleans()):
        rule["item"] = draw(keys)
    test = draw(st.sampled_from(["in", "not_in", "answered"]))
    if test == "answered":
        rule["answered"] = draw(st.booleans())
    else:
        rule[test] = draw(st.lists(values, min_size=1, max_size=4))
        unanswered = draw(st.sampled_from([None, "show", "hide"]))
        if unanswered:
            rule["if_unanswered"] = unanswered
    return rule


@st.composite
def show_ifs(draw):
    show_if = {}
    for field, allowed in ATTRIBUTE_VALUES.items():
        if draw(st.booleans()):
            show_if[field] = draw(st.lists(st.sampled_from(allowed), min_size=1, unique=True))
    answers = draw(st.lists(answer_rules(), max_size=4))
    if answers:
        show_if["answers"] = answers
    return show_if


@FUZZ
@given(show_if=show_ifs())
def test_a_rule_reads_back_as_written(show_if):
    back = parse_rule(rule_text(show_if))
    assert back == show_if
    # numbers stay numbers, texts stay texts, booleans stay booleans
    for rule, again in zip(show_if.get("answers", []), back.get("answers", []), strict=True):
        for field in ("in", "not_in"):
            assert [type(v) for v in rule.get(field, [])] == [type(v) for v in again.get(field, [])]


rule_words = st.sampled_from(
    ["x", "=", "!=", "in", "not", "(", ")", ",", "and", "or", "if", "answered", "unanswered"]
    + ["region", "kind", "category", "vest", "1", "-2.5", '"a"', "'b'", ".", "${y}", "TRUE"]
)


@FUZZ
@given(text=st.one_of(st.text(max_size=60), st.lists(rule_words, max_size=12).map(" ".join)))
def test_any_rule_text_reads_or_is_refused_with_a_position(text):
    try:
        show_if = parse_rule(text)
    except RuleError as exc:
        assert 1 <= exc.position <= len(text) + 1
        assert str(exc).strip()
    else:
        assert parse_rule(rule_text(show_if)) == show_if


# --- the workbook importer ---------------------------------------------------------------------


def _import(content: bytes):
    try:
        definition = workbook_to_definition(content)
    except WorkbookError as exc:
        assert exc.errors and all(e.strip() for e in exc.errors)
        return None
    assert definition["sections"]
    return definition


@WORKBOOK_FUZZ
@given(content=st.binary(max_size=500))
def test_random_bytes(content):
    assert _import(content) is None


@WORKBOOK_FUZZ
@given(content=st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b))
def test_random_bytes_that_start_like_a_zip(content):
    assert _import(content) is None


@WORKBOOK_FUZZ
@given(
    cut=st.integers(0, len(EXAMPLE_WORKBOOK)),
    flips=st.lists(
        st.tuples(st.integers(0, len(EXAMPLE_WORKBOOK) - 1), st.integers(0, 255)), max_size=8
    ),
)
def test_mutated_bytes_of_a_valid_workbook(cut, flips):
    content = bytearray(EXAMPLE_WORKBOOK[: max(cut, 4)] if cut % 3 == 0 else EXAMPLE_WORKBOOK)
    for index, byte in flips:
        if index < len(content):
            content[index] = byte
    _import(bytes(content))


def _parts_mutated(draw_part, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, draw_part(info.filename, source.read(info.filename)))
    return out.getvalue()


@WORKBOOK_FUZZ
@given(data=st.data())
def test_mutated_parts_of_a_valid_workbook(data):
    def mutate(name, part):
        if not data.draw(st.booleans(), label=f"mutate {name}"):
            return part
        start = data.draw(st.integers(0, len(part)), label="start")
        junk = data.draw(st.sampled_from([b"", b"<", b">", b"&", b"\x00", b"<x/>", b"\"'"]))
        return part[:start] + junk + part[start + data.draw(st.integers(0, 20)) :]

    _import(_parts_mutated(mutate, EXAMPLE_WORKBOOK))


# Cells a person might type, and what Excel stores.
cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 3000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.sampled_from(
        [
            "",
            " ",
            "yes",
            "ja",
            "nei",
            "TRUE",
            "select_one x",
            "begin_group",
            "end_group",
            "end group",
            "integer",
            "rank",
            "scale_grid",
            "yes_no_grid x",
            "x = yes",
            "x in (1, 2)",
            "region = nord",
            "12,5",
            "2026-11-02",
            "02.11.2026",
            "2026-02-30",
            "=1+1",
            "'=1",
            "#N/A",
            "label::nb",
            "relevant",
            "{organisation}",
            "{",
        ]
    ),
    st.text(alphabet=string.ascii_lowercase + "_ ", max_size=12),
    st.text(max_size=12).map(lambda t: XLSX_ILLEGAL_CHARACTERS.sub("", t)),
)


@WORKBOOK_FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(SHEETS), st.integers(1, 40), st.integers(1, 40), cell_values),
        min_size=1,
        max_size=10,
    )
)
def test_random_cells_in_a_valid_workbook(edits):
    workbook = load_workbook(io.BytesIO(EXAMPLE_WORKBOOK))
    for sheet, row, column, value in edits:
        workbook[sheet].cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    _import(buffer.getvalue())


@WORKBOOK_FUZZ
@given(
    sheets=st.lists(
        st.tuples(
            st.sampled_from([*SHEETS, "Survey", "notes", "settings "]),
            st.lists(st.lists(cell_values, max_size=8), max_size=8),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_random_workbooks(sheets):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, (name, rows) in enumerate(sheets):
        sheet = workbook.create_sheet(f"{name}{index}" if name in workbook else name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    _import(buffer.getvalue())


@pytest.mark.django_db
@WORKBOOK_FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(SHEETS), st.integers(1, 30), st.integers(1, 30), cell_values),
        min_size=1,
        max_size=4,
    )
)
def test_workbook_import_writes_all_or_nothing(edits):
    from surveys.editions.services import edition_import_workbook
    from surveys.models import Question, SurveyEdition

    workbook = load_workbook(io.BytesIO(EXAMPLE_WORKBOOK))
    for sheet, row, column, value in edits:
        workbook[sheet].cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = (SurveyEdition.objects.count(), Question.objects.count())
    try:
        edition_import_workbook(actor=None, content=buffer.getvalue(), source="fuzz.xlsx")
    except WorkbookError:
        assert (SurveyEdition.objects.count(), Question.objects.count()) == before
