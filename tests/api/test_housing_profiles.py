"""Housing and service profiles: the housing scope, scoping through the access module, one audit
entry per organisation whose contact persons a response carries (and none for what the client
may not see), pagination, bad filters, and a fixed number of queries per page."""

import pytest

from portal.core.audit.models import AuditEntry
from tests.api.clients import client_as, headers_as

pytestmark = pytest.mark.usefixtures("more_data")

LIST = "/api/v1/housing-profiles"


def _reads():
    return AuditEntry.objects.filter(action="api.personal_data_read").order_by("pk")


def test_one_organisations_profile_and_its_audit_entry(client, cast, as_, more_data):
    response = client.get("/api/v1/organisations/4204/housing-profile", headers=as_("viewer_a"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["organisation"] == "4204"
    assert [s["key"] for s in body["sections"]] == ["schools"]
    assert body["sections"][0]["data"] == {"reception_classes": True}
    assert [h["reference"] for h in body["housing"]] == ["H-4204"]
    assert body["staffed_housing"][0]["places"] == 6
    ids = [p.pk for p in more_data.contacts["4204"]]
    assert sorted(p["id"] for p in body["contact_persons"]) == sorted(ids)

    (entry,) = _reads()
    client_a = client_as(cast, "viewer_a")
    assert entry.actor == client_a.user
    assert entry.municipality == cast.a
    assert entry.object_type == "housing.ContactPerson"
    assert sorted(entry.changes["ids"]) == sorted(ids)
    assert entry.changes["client"] == client_a.consumer_id
    assert entry.changes["endpoint"] == "/api/v1/organisations/4204/housing-profile"


def test_another_organisations_profile_is_404_and_not_audited(client, as_):
    response = client.get("/api/v1/organisations/4601/housing-profile", headers=as_("viewer_a"))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    rows = client.get(LIST, headers=as_("viewer_a")).json()["results"]
    assert [r["organisation"] for r in rows] == ["4204"]
    assert {e.municipality.number for e in _reads()} == {"4204"}


def test_the_directorate_reads_every_profile_one_entry_per_organisation(client, as_):
    response = client.get(LIST, headers=as_("admin"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["organisation"] for r in rows] == ["4204", "4210", "4211", "4212", "4601"]
    # Only 4204, 4210 and 4601 have contact persons: one entry each, for this request.
    assert sorted(e.municipality.number for e in _reads()) == ["4204", "4210", "4601"]


def test_a_settlement_officer_reads_profiles(client, as_):
    assert (
        client.get("/api/v1/organisations/4601/housing-profile", headers=as_("officer")).status_code
        == 200
    )


def test_the_housing_scope_is_needed(client, cast, api_tokens):
    headers = headers_as(cast, api_tokens, "admin", scope="imdi:kommuneportal.read")
    response = client.get(LIST, headers=headers)
    assert response.status_code == 403
    assert response.json()["scope"] == "imdi:kommuneportal.housing"
    assert not _reads().exists()


def test_pages_are_in_a_stable_order_and_audit_only_their_rows(client, as_):
    first = client.get(LIST, {"page_size": 2}, headers=as_("admin")).json()
    assert [r["organisation"] for r in first["results"]] == ["4204", "4210"]
    assert sorted(e.municipality.number for e in _reads()) == ["4204", "4210"]
    second = client.get(first["next"], headers=as_("admin")).json()
    assert [r["organisation"] for r in second["results"]] == ["4211", "4212"]


@pytest.mark.parametrize(
    ("query", "parameter"), [({"region": "nord"}, "region"), ({"page_size": "0"}, "page_size")]
)
def test_bad_filters_are_400_naming_the_parameter(client, as_, query, parameter):
    response = client.get(LIST, query, headers=as_("admin"))
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_region_filter(client, as_):
    rows = client.get(LIST, {"region": "vest"}, headers=as_("admin")).json()["results"]
    assert [r["organisation"] for r in rows] == ["4601"]


def test_queries_per_page_do_not_grow_with_rows_beyond_the_audit(
    client, as_, django_assert_num_queries
):
    headers = as_("admin")
    client.get(LIST, headers=headers)  # keys loaded, the client's first call made
    # One organisation with contact persons: the client, the region, the count, the page, its
    # four kinds of rows, and one audit entry.
    with django_assert_num_queries(8 + AUDIT_ENTRY):
        client.get(LIST, {"region": "vest"}, headers=headers)
    # Five organisations, three with contact persons: the same reads and three audit entries.
    with django_assert_num_queries(7 + 3 * AUDIT_ENTRY):
        client.get(LIST, headers=headers)


AUDIT_ENTRY = 3  # one audit entry: its own transaction (a savepoint here) and the insert


def test_one_profile_costs_a_fixed_number_of_queries(client, as_, django_assert_num_queries):
    headers = as_("viewer_a")
    url = "/api/v1/organisations/4204/housing-profile"
    client.get(url, headers=headers)
    # The client, the organisation and the client's membership (the access check), the profile
    # and its four kinds of rows, and the one audit entry.
    with django_assert_num_queries(DETAIL_READS + AUDIT_ENTRY):
        assert client.get(url, headers=headers).status_code == 200


DETAIL_READS = 8
