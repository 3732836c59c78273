"""Registering API clients: the service user follows the client; every change is audited; the
admin site goes through the services; reads of personal data leave an entry."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.api.models import ApiClient
from portal.api.scopes import Scope
from portal.api.services import api_client_register, api_client_update, api_personal_data_read
from portal.core.audit.models import AuditEntry


def test_a_municipalitys_client_reads_as_a_viewer(cast):
    client = api_client_register(
        actor=cast.admin,
        name="Fagsystem",
        consumer_orgno="964965226",
        municipality=cast.a,
        scopes=[Scope.READ, Scope.HOUSING],
    )
    user = client.user
    assert not user.has_usable_password()
    assert list(user.memberships.values_list("municipality", "role")) == [(cast.a.pk, "viewer")]
    assert user.directorate_role == ""
    entry = AuditEntry.objects.get(action="api_client.register")
    assert entry.actor == cast.admin and entry.municipality == cast.a
    assert entry.changes["consumer_orgno"] == [None, "964965226"]


def test_changes_follow_on_the_service_user(cast):
    client = api_client_register(
        actor=cast.admin,
        name="IMDi",
        consumer_orgno="974760673",
        directorate_role="admin",
        scopes=[Scope.READ],
    )
    assert client.user.directorate_role == "admin"
    api_client_update(
        actor=cast.admin, client=client, directorate_role="adviser", region=cast.a.region
    )
    client.user.refresh_from_db()
    assert (client.user.directorate_role, client.user.region) == ("adviser", cast.a.region)
    api_client_update(
        actor=cast.admin, client=client, directorate_role="", municipality=cast.b, is_active=False
    )
    client.user.refresh_from_db()
    assert client.user.directorate_role == "" and client.user.region is None
    assert not client.user.is_active
    assert list(client.user.memberships.values_list("municipality", flat=True)) == [cast.b.pk]
    entry = AuditEntry.objects.filter(action="api_client.update").first()
    assert entry.changes["is_active"] == [True, False]


@pytest.mark.parametrize(
    "fields, words",
    [
        ({}, "either for one organisation or with a directorate role"),
        ({"directorate_role": "adviser"}, "needs a region"),
        ({"directorate_role": "admin", "scopes": ["imdi:other"]}, "Unknown scopes"),
        ({"directorate_role": "admin", "consumer_orgno": "12345"}, "9 digits"),
    ],
)
def test_refused_registrations(cast, fields, words):
    kwargs = {"actor": cast.admin, "name": "X", "consumer_orgno": "912345678", "scopes": []}
    kwargs.update(fields)
    with translation.override("en"):
        with pytest.raises(ValidationError) as raised:
            api_client_register(**kwargs)
        assert words in " ".join(raised.value.messages)
    assert not ApiClient.objects.exists()


def test_the_admin_site_registers_through_the_service(client, cast):
    client.force_login(cast.admin)
    response = client.post(
        "/admin/api/apiclient/add/",
        {
            "name": "Kristiansand fagsystem",
            "consumer_orgno": "963296746",
            "municipality": cast.a.pk,
            "directorate_role": "",
            "scopes": [Scope.READ.value],
            "rate_limit_per_minute": 60,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    registered = ApiClient.objects.get()
    assert registered.user.memberships.get().municipality == cast.a
    assert AuditEntry.objects.filter(action="api_client.register", actor=cast.admin).count() == 1
    refused = client.post(
        "/admin/api/apiclient/add/",
        {
            "name": "Both",
            "consumer_orgno": "963296747",
            "municipality": cast.a.pk,
            "directorate_role": "admin",
            "rate_limit_per_minute": 60,
        },
    )
    assert refused.status_code == 200
    assert "enten for én organisasjon" in refused.content.decode()  # in bokmål, the default


def test_a_read_of_personal_data_is_audited(cast):
    client = api_client_register(
        actor=None,
        name="Fagsystem",
        consumer_orgno="964965226",
        municipality=cast.a,
        scopes=[Scope.HOUSING],
    )
    api_personal_data_read(
        client=client,
        municipality=cast.a,
        object_type="housing.ContactPerson",
        object_ids=[3, 5],
        endpoint="/api/v1/x",
    )
    entry = AuditEntry.objects.get(action="api.personal_data_read")
    assert entry.municipality == cast.a and entry.actor == client.user
    assert entry.changes == {"ids": [3, 5], "endpoint": "/api/v1/x", "client": "0192:964965226"}


def test_a_client_is_not_listed_among_the_organisations_people(client, cast):
    """Its service user reads through a viewer membership, but it is no colleague: the people
    page (where a member could remove it) and the organisation page leave it out."""
    api_client_register(
        actor=cast.admin,
        name="Fagsystem",
        consumer_orgno="964965226",
        municipality=cast.a,
        scopes=[Scope.READ],
    )
    client.force_login(cast.editor_a)
    page = client.get(f"/kommune/{cast.a.number}/personer/")
    assert page.status_code == 200
    people = [m.user for m in page.context["members"]]
    assert cast.editor_a in people
    assert all(not hasattr(u, "api_client") for u in people)
    assert "api-964965226@clients.invalid" not in page.content.decode()
