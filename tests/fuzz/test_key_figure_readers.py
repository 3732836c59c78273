"""Fuzz tests for the readers of published key-figure tables (SSB JSON-stat 2.0, SSB CSV, IMDi
settlement): random and mutated input gives rows or located errors, never an exception."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.municipalities import figure_readers
from portal.municipalities.figure_readers import imdi, jsonstat, ssb_csv

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DATA = Path(__file__).resolve().parent.parent / "municipalities" / "data"
TODAY = dt.date(2025, 6, 1)
SAMPLE_JSON = json.loads((DATA / "ssb_07459_structure_2024.json").read_text(encoding="utf-8"))
SAMPLE_SHARE = json.loads((DATA / "ssb_09817_share.json").read_text(encoding="utf-8"))

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["..", ":", ".", "K-4204", "2024", "0", "Personer1", "2.0", "dataset"]),
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _check(result):
    assert result.rows or result.errors or result.skipped or result.missing
    for error in result.errors:
        assert str(error).strip()


@st.composite
def mutated_jsonstat(draw):
    document = copy.deepcopy(draw(st.sampled_from([SAMPLE_JSON, SAMPLE_SHARE])))
    for _ in range(draw(st.integers(1, 3))):
        target = draw(
            st.sampled_from(
                [
                    ("value",),
                    ("status",),
                    ("size",),
                    ("id",),
                    ("version",),
                    ("class",),
                    ("dimension", "Region", "category", "index"),
                    ("dimension", "Region", "category", "label"),
                    ("dimension", "Tid", "category", "index"),
                    ("dimension", "ContentsCode", "category", "index"),
                    ("dimension", "ContentsCode", "category", "label"),
                    ("role",),
                    ("extension",),
                ]
            )
        )
        node = document
        for key in target[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, dict):
            if draw(st.booleans()) and isinstance(node.get(target[-1]), list) and node[target[-1]]:
                items = node[target[-1]]
                items[draw(st.integers(0, len(items) - 1))] = draw(json_value)
            else:
                node[target[-1]] = draw(json_value)
    return json.dumps(document, allow_nan=True).encode()


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=300),
        json_value.map(lambda v: json.dumps(v, allow_nan=True).encode()),
        mutated_jsonstat(),
    )
)
def test_jsonstat_reader_never_crashes(content):
    _check(jsonstat.parse(content, today=TODAY))


ssb_cell = st.one_of(
    st.sampled_from(
        [
            "",
            "..",
            ":",
            ".",
            "4204 Kristiansand",
            "K-4204",
            "0 Hele landet",
            "42 Agder",
            "9999 Uoppgitt",
            "2024",
            "Personer",
            "Befolkning 2024",
            "15,3",
            "116986",
            "-1",
            "1e9",
            '"',
            ";",
            "Prikket (<5)",
            "avventer vedtak",
            "Anmodning 2024",
            "Bosatt EM",
            "år",
            "region",
        ]
    ),
    st.text(max_size=10),
)


@st.composite
def semicolon_files(draw, headers, encoding):
    header = draw(st.sampled_from(headers))
    if draw(st.booleans()):
        header = [draw(ssb_cell) if draw(st.booleans()) else h for h in header]
    width = draw(st.sampled_from([len(header), len(header), len(header) + 1]))
    rows = draw(st.lists(st.lists(ssb_cell, min_size=width, max_size=width), max_size=6))
    lines = [
        ";".join(f'"{c}"' if draw(st.booleans()) else c for c in row) for row in [header, *rows]
    ]
    title = "07459: Befolkning, etter region, statistikkvariabel og år\r\n\r\n"
    text = (title if draw(st.booleans()) else "") + "\r\n".join(lines)
    return text.encode(draw(st.sampled_from(encoding)), errors="replace")


SSB_HEADERS = [
    [
        "region",
        "statistikkvariabel",
        "år",
        "07459: Befolkning, etter region, statistikkvariabel og år",
    ],
    ["region", "Personer 2023", "Personer 2024"],
    ["region", "statistikkvariabel", "2023", "2024"],
]
IMDI_HEADERS = [
    ["Kommunenummer", "Kommune", "Anmodning 2024", "Vedtak 2024", "Bosatt 2024", "Vedtak EM 2024"],
    ["Kommune", "År", "Anmodning", "Vedtak", "Bosatt", "Bosatt EM"],
    ["kommunenummer", "year", "requested", "settled", "bydelsnummer", "notes"],
]


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=300), semicolon_files(SSB_HEADERS, ["utf-8", "cp1252", "utf-8-sig"])
    )
)
def test_ssb_csv_reader_never_crashes(content):
    _check(ssb_csv.parse(content, today=TODAY))


@FUZZ
@given(
    content=st.one_of(st.binary(max_size=300), semicolon_files(IMDI_HEADERS, ["utf-8", "cp1252"]))
)
def test_imdi_reader_never_crashes(content):
    _check(imdi.parse(content, today=TODAY))


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=300),
        mutated_jsonstat(),
        semicolon_files(SSB_HEADERS + IMDI_HEADERS, ["utf-8"]),
    )
)
def test_format_detection_never_crashes(content):
    _check(figure_readers.read(content, today=TODAY))


@pytest.mark.django_db
@FUZZ
@given(
    content=st.one_of(
        mutated_jsonstat(),
        semicolon_files(SSB_HEADERS + IMDI_HEADERS, ["utf-8", "cp1252"]),
    ),
    structure=st.sampled_from([None, 2024]),
)
def test_published_tables_import_all_or_nothing(cast, content, structure):
    from portal.core.audit.models import AuditEntry
    from portal.municipalities.models import KeyFigures
    from portal.municipalities.services import key_figures_import

    before = (KeyFigures.objects.count(), AuditEntry.objects.count())
    report = key_figures_import(
        actor=cast.admin, content=content, source="fuzz", structure=structure, today=TODAY
    )
    if not report.ok:
        assert report.errors
        assert (KeyFigures.objects.count(), AuditEntry.objects.count()) == before
    else:
        plan = report.plan
        assert plan is not None
        assert report.created + report.updated + report.unchanged == len(plan.rows)
