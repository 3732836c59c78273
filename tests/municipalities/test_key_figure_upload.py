"""The portal's upload → preview → confirm or cancel, and fetch_key_figures against a fake SSB."""

import datetime as dt
import io
import json
import urllib.error
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.accounts.models import DirectorateRole
from portal.municipalities import ssb_api
from portal.municipalities.management.commands.fetch_key_figures import Command as FetchCommand
from portal.municipalities.models import KeyFigures, KeyFigureUpload, Municipality
from tests.factories import KeyFiguresFactory, MunicipalityFactory, UserFactory

DATA = Path(__file__).resolve().parent / "data"
URL = "/direktoratet/nokkeltall/import/"
WIDE = (
    '"07459: Befolkning, etter region, statistikkvariabel og år"\n\n'
    '"region";"Personer 2024"\n"4204 Kristiansand";116986\n"4601 Bergen";..\n"0 Hele landet";1\n'
).encode()


def upload(client, content=WIDE, name="07459.csv", **fields):
    file = SimpleUploadedFile(name, content, "text/csv")
    return client.post(URL, {"file": file, "format": "auto", **fields})


def test_upload_shows_a_preview_and_only_the_confirmation_writes(client, cast):
    KeyFiguresFactory(municipality=cast.b, year=2024, population=290000)
    client.force_login(cast.admin)
    response = upload(client)
    assert response.status_code == 302
    pending = KeyFigureUpload.objects.get()
    assert pending.user == cast.admin and pending.format == "ssb-csv"
    assert response.url == f"{URL}{pending.pk}/"
    body = client.get(response.url).content.decode()
    assert "Bekreft import" in body and "Avbryt" in body
    assert "4204 Kristiansand" in body and "116986" in body
    assert "Hele landet" in body  # skipped, and said so
    assert "manglende: 1" in body  # Bergen's ".." is counted, not written
    assert KeyFigures.objects.count() == 1

    response = client.post(f"{URL}{pending.pk}/bekreft/", follow=True)
    assert "Nøkkeltallene er importert" in response.content.decode()
    kf = KeyFigures.objects.get(municipality=cast.a, year=2024)
    assert kf.population == 116986 and kf.sources["population"]["file"] == "07459.csv"
    assert KeyFigures.objects.get(municipality=cast.b).population == 290000
    # A second confirmation does nothing, and says so.
    response = client.post(f"{URL}{pending.pk}/bekreft/", follow=True)
    assert "allerede importert" in response.content.decode()
    assert KeyFigures.objects.count() == 2
    # The municipality page names the source.
    assert "SSB 07459 (07459.csv" in client.get("/kommune/4204/").content.decode()


def test_cancel_writes_nothing(client, cast):
    client.force_login(cast.admin)
    response = upload(client)
    pending = KeyFigureUpload.objects.get()
    response = client.post(f"{response.url}avbryt/", follow=True)
    assert "avbrutt" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    client.post(f"{URL}{pending.pk}/bekreft/")
    assert not KeyFigures.objects.exists()


def test_another_admins_upload_is_not_found(client, cast):
    client.force_login(cast.admin)
    upload(client)
    pending = KeyFigureUpload.objects.get()
    other = UserFactory(username="other-admin", directorate_role=DirectorateRole.ADMIN)
    client.force_login(other)
    assert client.get(f"{URL}{pending.pk}/").status_code == 404
    assert client.post(f"{URL}{pending.pk}/bekreft/").status_code == 404
    assert not KeyFigures.objects.exists()


def test_a_bad_file_is_not_kept_and_its_errors_are_shown(client, cast):
    client.force_login(cast.admin)
    bad = b'"07459: Befolkning"\n"region";"Personer 2024"\n"4204 Kristiansand";mange\n"9876 Ingen";5\n'
    response = upload(client, bad, format="ssb-csv")
    assert response.status_code == 200
    body = response.content.decode()
    assert "linje 3" in body and "mange" in body and "linje 4" in body
    assert not KeyFigureUpload.objects.exists()


def test_the_structure_field_is_passed_on(client, cast):
    client.force_login(cast.admin)
    response = upload(client, structure="2024")
    assert KeyFigureUpload.objects.get().structure_year == 2024
    assert "2024" in client.get(response.url).content.decode()


def test_preview_page_query_count_does_not_grow_with_rows(
    client, cast, django_assert_max_num_queries
):
    numbers = [f"{5500 + i}" for i in range(30)]
    for number in numbers:
        MunicipalityFactory(
            number=number,
            county=cast.a.county,
            region=cast.a.region,
            valid_from=dt.date(2020, 1, 1),
        )
    content = (
        '"07459: Befolkning"\n"region";"Personer 2023";"Personer 2024"\n'
        + "".join(f'"{n} Test";{i};{i + 1}\n' for i, n in enumerate(numbers))
    ).encode()
    client.force_login(cast.admin)
    response = upload(client, content)
    with django_assert_max_num_queries(14):
        page = client.get(response.url)
    assert page.content.decode().count("<tr>") >= 60


# --- fetch_key_figures ---------------------------------------------------------------------


class FakeSsb:
    def __init__(self, reply=None, error=None):
        self.reply, self.error, self.requests = reply, error, []

    def __call__(self, request):
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return self.reply


@pytest.fixture
def fake(monkeypatch):
    def install(**kwargs):
        ssb = FakeSsb(**kwargs)
        monkeypatch.setattr(FetchCommand, "opener", staticmethod(ssb))
        return ssb

    return install


def test_build_query_asks_for_every_current_municipality_as_json_stat2():
    request = ssb_api.build_query("07459", ["2023", "2024"])
    assert request.url == "https://data.ssb.no/api/v0/no/table/07459"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "query": [
            {
                "code": "Region",
                "selection": {"filter": "agg_single:KommGjeldende", "values": ["*"]},
            },
            {"code": "ContentsCode", "selection": {"filter": "item", "values": ["Personer1"]}},
            {"code": "Tid", "selection": {"filter": "item", "values": ["2023", "2024"]}},
        ],
        "response": {"format": "json-stat2"},
    }
    body = json.loads(ssb_api.build_query("09817").body)
    assert {"code": "InnvandrKat", "selection": {"filter": "item", "values": ["B", "C"]}} in body[
        "query"
    ]
    assert not any(q["code"] == "Tid" for q in body["query"])


def test_fetch_previews_and_imports_through_the_same_reader(cast, fake, capsys):
    share = (DATA / "ssb_09817_share.json").read_bytes()
    since = dt.date(2020, 1, 1)
    Municipality.objects.filter(pk=cast.a.pk).update(valid_from=since)
    MunicipalityFactory(
        number="0301", name="Oslo", county=cast.a.county, region=cast.a.region, valid_from=since
    )
    ssb = fake(reply=share)
    call_command("fetch_key_figures", "09817", "--years", "2023", "2024", "--dry-run")
    assert json.loads(ssb.requests[0].body)["query"][-1]["selection"]["values"] == ["2023", "2024"]
    out = capsys.readouterr().out
    assert "Would import: 4 new" in out and not KeyFigures.objects.exists()
    call_command("fetch_key_figures", "09817")
    kf = KeyFigures.objects.get(municipality=cast.a, year=2024)
    assert str(kf.immigrant_share) == "19.40"
    source = kf.sources["immigrant_share"]
    assert source["table"] == "09817" and source["fetched"] and source["file"] == "SSB API 09817"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"error": urllib.error.URLError("Name or service not known")}, "SSB could not be reached"),
        ({"error": TimeoutError("timed out")}, "SSB could not be reached"),
        (
            {"error": urllib.error.HTTPError("u", 400, "Bad Request", {}, io.BytesIO(b""))},
            "SSB answered HTTP 400 Bad Request",
        ),
        ({"reply": b"<html>Service unavailable</html>"}, "SSB's reply is not JSON"),
        ({"reply": b'{"error": "too many cells"}'}, "SSB's reply is JSON, but not a JSON-stat 2.0"),
    ],
)
def test_fetch_failures_are_one_clear_line(cast, fake, kwargs, message):
    fake(**kwargs)
    with pytest.raises(CommandError) as excinfo:
        call_command("fetch_key_figures", "07459")
    assert str(excinfo.value).startswith(message)
    assert "\n" not in str(excinfo.value)
    assert not KeyFigures.objects.exists()


def test_fetch_refuses_an_unknown_table_or_year_before_asking(fake):
    ssb = fake(reply=b"{}")
    with pytest.raises(CommandError, match="does not read table 12345"):
        call_command("fetch_key_figures", "12345")
    with pytest.raises(CommandError, match="is not a year"):
        call_command("fetch_key_figures", "07459", "--years", "24")
    assert ssb.requests == []


def test_main_entry_point_exits_non_zero_on_a_network_error(cast, fake):
    from django.core.management import ManagementUtility

    fake(error=urllib.error.URLError("down"))
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["manage.py", "fetch_key_figures", "07459"]).execute()
    assert excinfo.value.code != 0
