"""Pages show the right things to the right people, at a constant number of queries."""

import pytest

from portal.core.audit.models import AuditEntry
from portal.municipalities.models import KeyFigures
from tests.factories import KeyFiguresFactory, MunicipalityFactory


def _orgs(cast, n):
    orgs = [MunicipalityFactory(region=cast.a.region, county=cast.a.county) for _ in range(n)]
    for org in orgs:
        KeyFiguresFactory(
            municipality=org, year=2026, population=1000, requested=5, decided=4, settled=3
        )
    return orgs


@pytest.mark.parametrize("n", [3, 30])
def test_municipality_list_query_count_is_constant(client, cast, django_assert_max_num_queries, n):
    _orgs(cast, n)
    client.force_login(cast.admin)
    with django_assert_max_num_queries(9):
        response = client.get("/direktoratet/kommuner/?year=2026")
    assert response.status_code == 200
    assert len(response.context["rows"]) == n + 2


def test_municipality_list_query_count_is_the_same_for_few_and_many(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.admin)
    counts = []
    for n in (2, 40):
        _orgs(cast, n)
        with CaptureQueriesContext(connection) as ctx:
            client.get("/direktoratet/kommuner/?year=2026")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_adviser_sees_only_their_region_in_the_list(client, cast):
    client.force_login(cast.adviser_a)
    response = client.get("/direktoratet/kommuner/")
    numbers = {m.number for m, _ in response.context["rows"]}
    assert cast.a.number in numbers and cast.b.number not in numbers


def test_list_filters(client, cast):
    client.force_login(cast.admin)
    response = client.get("/direktoratet/kommuner/", {"q": "berg"})
    assert [m.number for m, _ in response.context["rows"]] == [cast.b.number]
    response = client.get("/direktoratet/kommuner/", {"q": "42"})
    assert [m.number for m, _ in response.context["rows"]] == [cast.a.number]
    response = client.get("/direktoratet/kommuner/", {"region": "vest"})
    assert [m.number for m, _ in response.context["rows"]] == [cast.b.number]
    # A malformed filter is ignored, not a server error.
    assert (
        client.get("/direktoratet/kommuner/", {"year": "soon", "region": "nowhere"}).status_code
        == 200
    )


def test_detail_shows_key_figures_and_people(client, cast):
    KeyFigures.objects.create(municipality=cast.a, year=2025, requested=35, decided=30, settled=12)
    client.force_login(cast.viewer_a)
    body = client.get(f"/kommune/{cast.a.number}/").content.decode()
    assert "Kristiansand" in body and ">35<" in body and ">30<" in body
    assert "editor_a".title() in body  # the people of the municipality


def test_settlement_officer_sees_figures_but_not_people(client, cast):
    client.force_login(cast.officer)
    response = client.get(f"/kommune/{cast.a.number}/")
    assert response.status_code == 200
    assert response.context["members"] is None


def test_home_shows_each_user_what_is_theirs(client, cast):
    KeyFigures.objects.create(municipality=cast.a, year=2026, requested=35, decided=30, settled=12)
    client.force_login(cast.signatory_a)
    body = client.get("/").content.decode()
    assert f"/kommune/{cast.a.number}/" in body
    assert f"/kommune/{cast.a.number}/personer/" in body
    client.force_login(cast.viewer_a)
    body = client.get("/").content.decode()
    assert f"/kommune/{cast.a.number}/personer/" not in body
    client.force_login(cast.adviser_a)
    response = client.get("/")
    assert response.context["organisation_count"] == 1
    client.force_login(cast.admin)
    body = client.get("/").content.decode()
    assert "/direktoratet/nokkeltall/import/" in body


def test_audit_log_page_query_count(client, cast, django_assert_max_num_queries):
    for i in range(40):
        AuditEntry.objects.create(
            actor_label="x",
            action="test",
            object_type="t",
            municipality=cast.a,
            changes={"f": [i, i + 1]},
        )
    client.force_login(cast.admin)
    with django_assert_max_num_queries(6):
        response = client.get("/direktoratet/logg/")
    assert response.status_code == 200


def test_admin_changes_written_standard_with_audit(client, cast):
    client.force_login(cast.admin)
    response = client.post(
        f"/kommune/{cast.a.number}/innstillinger/",
        {"written_standard": "nn", "email": "post@kristiansand.kommune.no"},
    )
    assert response.status_code == 302
    cast.a.refresh_from_db()
    assert cast.a.written_standard == "nn"
    entry = AuditEntry.objects.get(action="municipality.update")
    assert entry.changes["written_standard"] == ["", "nn"]
    assert entry.actor == cast.admin


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
