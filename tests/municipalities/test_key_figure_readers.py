"""The readers of published tables: SSB JSON-stat 2.0, SSB CSV (long, wide, Latin-1), IMDi's
settlement tables; each variable mapped, each symbol counted, each bad file located."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from portal.municipalities import figure_readers
from portal.municipalities.figure_readers import imdi, jsonstat, ssb_csv

DATA = Path(__file__).resolve().parent / "data"
TODAY = dt.date(2025, 6, 1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def sample(name):
    return (DATA / name).read_bytes()


def rows(result):
    return {(row.number, row.year): row.values for row in result.rows}


def messages(result):
    with translation.override("en"):
        return [str(e) for e in result.errors]


def test_jsonstat_population_table():
    result = jsonstat.parse(sample("ssb_07459_structure_2024.json"), today=TODAY)
    assert not result.errors
    assert result.table_id == "07459" and result.updated == "2024-02-21T07:00:00Z"
    got = rows(result)
    assert got[("4204", 2024)] == {"population": 116986}
    assert got[("0301", 2020)] == {"population": 693494}
    assert got[("1508", 2022)] == {}  # missing: nothing to write, counted
    assert [(m.number, m.year, m.symbol) for m in result.missing][:1] == [("1508", 2019, "..")]
    assert result.skipped == ["0 Hele landet"]


def test_jsonstat_share_table_adds_up_the_two_immigrant_categories():
    result = jsonstat.parse(sample("ssb_09817_share.json"), today=TODAY)
    assert not result.errors
    assert rows(result)[("4204", 2024)] == {"immigrant_share": Decimal("19.40")}
    assert rows(result)[("0301", 2023)] == {"immigrant_share": Decimal("34.30")}


def _doc(**changes):
    document = json.loads(sample("ssb_07459_structure_2024.json"))
    document.update(changes)
    return document


def _parse(document):
    return jsonstat.parse(json.dumps(document).encode(), today=TODAY)


def test_jsonstat_sparse_values_and_status_per_cell():
    document = _doc()
    document["value"] = {"5": 116986, "4": 115569}
    document["status"] = {"3": ":", "2": "."}
    result = _parse(document)
    assert not result.errors
    assert rows(result)[("4204", 2024)] == {"population": 116986}
    kinds = {(m.year, m.kind) for m in result.missing if m.number == "4204"}
    assert (2022, "suppressed") in kinds and (2021, "not applicable") in kinds
    assert (2019, "missing") in kinds  # a cell absent from a sparse value is missing


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"version": "1.2"}, "version: must be “2.0”"),
        ({"class": "collection"}, "class: must be “dataset”"),
        ({"size": [6, 1]}, "size: must be a list of whole numbers"),
        ({"value": [1, 2, 3]}, "value: has 3 cells, but the sizes make 36"),
        ({"value": {"99": 1}}, "value: has a cell at a position outside the table: 99"),
        ({"id": ["Region", "ContentsCode", "Year"]}, "dimension.Year: is missing"),
    ],
)
def test_jsonstat_broken_documents_are_located(change, expected):
    result = _parse(_doc(**change))
    assert not result.rows
    assert any(m.startswith(expected) for m in messages(result)), messages(result)


def test_jsonstat_unknown_variable_and_split_dimension_are_refused_clearly():
    document = _doc()
    document["dimension"]["ContentsCode"]["category"] = {
        "index": {"Doede": 0},
        "label": {"Doede": "Døde"},
    }
    assert messages(_parse(document)) == [
        "dimension.ContentsCode: the table 07459 has the variable “Døde” (Doede), which is not "
        "a key figure the portal knows; it reads 07459 Personer1 (population), 09817 "
        "AndelBefolkning (immigrant_share)"
    ]
    document = _doc()
    document["id"] = ["Region", "Kjonn", "Tid"]
    document["size"] = [6, 2, 3]
    document["dimension"]["Kjonn"] = {
        "category": {"index": ["1", "2"], "label": {"1": "M", "2": "K"}}
    }
    document["dimension"]["Tid"]["category"]["index"] = ["2022", "2023", "2024"]
    assert messages(_parse(document))[0].startswith(
        "dimension.Kjonn: the table is split by Kjonn (2 values)"
    )


def test_jsonstat_bad_cells_name_their_position():
    document = _doc()
    document["value"][0] = -5
    document["value"][1] = 1.5
    index = document["dimension"]["Region"]["category"]["index"]
    index["Vestlandet"] = index.pop("K-3101")
    result = _parse(document)
    got = messages(result)
    assert (
        "value[12] (Region Vestlandet, ContentsCode Personer1, Tid 2019), Region: “Vestlandet” is not a municipality or city district number"
        in got
    )
    assert got[0].startswith(
        "value[0] (Region K-4204, ContentsCode Personer1, Tid 2019), population:"
    )
    assert "cannot be negative" in got[0]
    assert got[1].startswith(
        "value[1] (Region K-4204, ContentsCode Personer1, Tid 2020), population: must be a whole number"
    )


def test_jsonstat_not_json_and_not_utf8():
    assert messages(jsonstat.parse(b"{nope", today=TODAY))[0].startswith(
        "line 1: is not valid JSON"
    )
    assert messages(jsonstat.parse(b"\xff\xfe{", today=TODAY)) == [
        "The file is not UTF-8 text, so it is not a JSON-stat file."
    ]


def test_ssb_csv_long_form_in_latin1():
    result = ssb_csv.parse(sample("ssb_07459_long_latin1.csv"), today=TODAY)
    assert not result.errors, messages(result)
    assert result.table_id == "07459"
    assert rows(result)[("4204", 2023)] == {"population": 115569}
    assert rows(result)[("1508", 2024)] == {"population": 58509}
    assert [(m.number, m.year, m.symbol) for m in result.missing] == [("1508", 2023, "..")]
    assert result.skipped == ["0 Hele landet"]


def test_ssb_csv_wide_form_with_a_title_line():
    result = ssb_csv.parse(sample("ssb_07459_wide.csv"), today=TODAY)
    assert not result.errors, messages(result)
    assert rows(result)[("0301", 2023)] == {"population": 709037}
    assert rows(result)[("0301", 2024)] == {"population": 717710}
    assert len(result.missing) == 1


def test_ssb_csv_share_with_a_decimal_comma_and_symbols():
    content = (
        '"region";"år";"statistikkvariabel";"09817: Innvandrere og norskfødte med innvandrerforeldre"\n'
        '"4204 Kristiansand";"2024";"Prosent av befolkningen";19,4\n'
        '"0301 Oslo";"2024";"Prosent av befolkningen";:\n'
        '"3101 Halden";"2024";"Prosent av befolkningen";.\n'
    ).encode()
    result = ssb_csv.parse(content, today=TODAY)
    assert not result.errors, messages(result)
    assert rows(result)[("4204", 2024)] == {"immigrant_share": Decimal("19.40")}
    assert [m.kind for m in result.missing] == ["suppressed", "not applicable"]


def test_ssb_csv_errors_carry_line_numbers():
    content = (
        '"region";"år";"statistikkvariabel";"07459: Befolkning"\n'
        '"4204 Kristiansand";"2024";"Personer";mange\n'
        '"Vestlandet";"2024";"Personer";5\n'
        '"4204 Kristiansand";"1700";"Personer";5\n'
        '"4204 Kristiansand";"2023";"Døde";5\n'
        '"4204 Kristiansand";"2024"\n'
    ).encode()
    got = messages(ssb_csv.parse(content, today=TODAY))
    assert [m.split(":")[0] for m in got] == [
        "line 2, 07459",
        "line 3, region",
        "line 4, år",
        "line 5, statistikkvariabel",
        "line 6",
    ]
    assert "mange" in got[0]


def test_ssb_csv_a_table_split_by_another_variable_is_refused():
    content = (
        '"region";"kjønn";"år";"statistikkvariabel";"07459: Befolkning"\n'
        '"4204 Kristiansand";"Menn";"2024";"Personer";58000\n'
        '"4204 Kristiansand";"Kvinner";"2024";"Personer";58986\n'
    ).encode()
    got = messages(ssb_csv.parse(content, today=TODAY))
    assert got[0].startswith("line 3, kjønn: the table is split by this column")


def test_imdi_wide_table_with_suppressed_and_awaited_cells():
    result = imdi.parse(sample("imdi_settlement_2024.csv"), today=TODAY)
    assert not result.errors, messages(result)
    got = rows(result)
    assert got[("4204", 2024)] == {
        "requested": 595,
        "decided": 595,
        "settled": 429,
        "unaccompanied_requested": 14,
        "unaccompanied_decided": 14,
    }
    assert got[("4601", 2024)]["requested"] == 1200  # "1 200"
    assert "unaccompanied_decided" not in got[("0301", 2024)]  # "avventer vedtak"
    assert got[("5612", 2024)] == {}
    kinds = sorted((m.number, m.column, m.kind) for m in result.missing if m.number != "5612")
    assert kinds == [
        ("0301", "unaccompanied_decided", "missing"),
        ("4601", "unaccompanied_decided", "missing"),
    ]
    assert result.ignored_columns == [
        "Herav kollektiv beskyttelse Ukraina 2024",
        "Avtalt ikke bosatt 2024",
    ]


def test_imdi_long_table_with_number_and_name_in_one_column():
    result = imdi.parse(sample("imdi_settlement_long_2023.csv"), today=TODAY)
    assert not result.errors, messages(result)
    assert rows(result)[("0301", 2023)] == {"settled": 2018, "unaccompanied_settled": 46}


def test_imdi_shared_settlement_file_shape():
    content = (
        b"source_id,year,status,as_of,kommunenummer,code_list_version,kommune_name,"
        b"kommunenummer_2024,bydelsnummer,requested,decided,settled,"
        b"settled_collective_protection_ukraine,unaccompanied_minors_requested,notes\n"
        b"s,2024,final,,4204,2024,Kristiansand,4204,,595,595,429,350,14,\n"
        b"s,2014,final,,0301,2013,Oslo,0301,030101,10,9,8,,,\n"
    )
    result = imdi.parse(content, today=TODAY)
    assert not result.errors, messages(result)
    assert rows(result)[("4204", 2024)] == {
        "requested": 595,
        "decided": 595,
        "settled": 429,
        "unaccompanied_requested": 14,
    }
    assert ("030101", 2014) in rows(result)


def test_imdi_bad_files_are_located():
    got = messages(imdi.parse(b"Kommune;Antall innbyggere\n4204;5\n", today=TODAY))
    assert got[0].startswith("line 1, Antall innbyggere: unknown column")
    got = messages(imdi.parse(b"Kommune;Bosatt\n4204 Kristiansand;5\n", today=TODAY))
    assert got == ["line 1, Bosatt: has no year: add a column “År” or name it “Bosatt 2024”"]
    got = messages(
        imdi.parse(b"Kommune;Bosatt 2024\n4204 Kristiansand;fem\nVestlandet;3\n", today=TODAY)
    )
    assert [m.split(":")[0] for m in got] == ["line 2, Bosatt 2024", "line 3, Kommune"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ssb_07459_structure_2024.json", "ssb-jsonstat"),
        ("ssb_07459_long_latin1.csv", "ssb-csv"),
        ("ssb_07459_wide.csv", "ssb-csv"),
        ("imdi_settlement_2024.csv", "imdi-settlement"),
        ("imdi_settlement_long_2023.csv", "imdi-settlement"),
    ],
)
def test_the_format_is_told_from_the_content(name, expected):
    assert figure_readers.detect(sample(name)) == expected
    assert figure_readers.read(sample(name), today=TODAY).format == expected


def test_the_portal_csv_is_still_detected_and_an_unknown_format_is_named():
    assert figure_readers.detect(b"year,municipality_number,settled\n2024,4204,1\n") == "csv"
    result = figure_readers.read(b"x", format="excel", today=TODAY)
    assert messages(result)[0].startswith("Unknown format “excel”")
