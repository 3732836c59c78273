"""Writes of the API app: registering and changing API clients, and the audit of reads of
personal data. Each is one transaction with one audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.accounts.models import DirectorateRole, Membership, MunicipalRole, User
from portal.api.models import ApiClient
from portal.api.scopes import Scope
from portal.core.audit.services import audit_log, diff_fields, snapshot
from portal.municipalities.models import Municipality, Region

AUDITED_FIELDS = (
    "name",
    "consumer_orgno",
    "municipality",
    "directorate_role",
    "region",
    "scopes",
    "rate_limit_per_minute",
    "is_active",
)


def check_client_fields(
    *,
    municipality: Municipality | None,
    directorate_role: str,
    region: Region | None,
    scopes: list[str],
) -> list[str]:
    if (municipality is None) == (not directorate_role):
        raise ValidationError(
            _("An API client acts either for one organisation or with a directorate role.")
        )
    if municipality is not None and municipality.valid_to is not None:
        raise ValidationError(
            _("%(org)s is no longer a current organisation.") % {"org": municipality}
        )
    if directorate_role and directorate_role not in DirectorateRole.values[1:]:
        raise ValidationError(_("Unknown directorate role: %(role)s.") % {"role": directorate_role})
    if directorate_role == DirectorateRole.REGIONAL_ADVISER and region is None:
        raise ValidationError(_("A regional adviser's client needs a region."))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValidationError(_("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)})
    return [s for s in Scope.values if s in scopes]


def _sync_user(client: ApiClient) -> None:
    """The service user reads with exactly the client's rights."""
    user = client.user
    user.first_name = "API"
    user.last_name = client.name[:150]
    user.is_active = client.is_active
    user.directorate_role = client.directorate_role
    user.region = (
        client.region if client.directorate_role == DirectorateRole.REGIONAL_ADVISER else None
    )
    user.save()
    if client.municipality_id is None:
        user.memberships.all().delete()
    else:
        user.memberships.exclude(municipality_id=client.municipality_id).delete()
        Membership.objects.update_or_create(
            user=user,
            municipality_id=client.municipality_id,
            defaults={"role": MunicipalRole.VIEWER, "title": "API"},
        )


@transaction.atomic
def api_client_register(
    *,
    actor: User | None,
    name: str,
    consumer_orgno: str,
    municipality: Municipality | None = None,
    directorate_role: str = "",
    region: Region | None = None,
    scopes: list[str],
    rate_limit_per_minute: int = 120,
    is_active: bool = True,
) -> ApiClient:
    scopes = check_client_fields(
        municipality=municipality, directorate_role=directorate_role, region=region, scopes=scopes
    )
    if ApiClient.objects.filter(consumer_orgno=consumer_orgno).exists():
        raise ValidationError(
            _("Organisation number %(orgno)s is already registered.") % {"orgno": consumer_orgno}
        )
    user = User(
        username=f"api-{consumer_orgno}",
        email=f"api-{consumer_orgno}@clients.invalid",
    )
    user.set_unusable_password()
    user.save()
    client = ApiClient(
        name=name,
        consumer_orgno=consumer_orgno,
        municipality=municipality,
        directorate_role=directorate_role,
        region=region if directorate_role == DirectorateRole.REGIONAL_ADVISER else None,
        scopes=scopes,
        rate_limit_per_minute=rate_limit_per_minute,
        is_active=is_active,
        user=user,
    )
    client.full_clean(exclude=["user"])
    client.save()
    _sync_user(client)
    audit_log(
        actor=actor,
        action="api_client.register",
        obj=client,
        municipality=municipality,
        changes={f: [None, v] for f, v in snapshot(client, AUDITED_FIELDS).items()},
    )
    return client


@transaction.atomic
def api_client_update(*, actor: User | None, client: ApiClient, **fields: Any) -> ApiClient:
    """Change a registered client (any of AUDITED_FIELDS); its service user follows."""
    unknown = set(fields) - set(AUDITED_FIELDS)
    if unknown:
        raise TypeError(f"api_client_update() got unexpected fields: {sorted(unknown)}")
    before = snapshot(ApiClient.objects.get(pk=client.pk), AUDITED_FIELDS)
    for field, value in fields.items():
        setattr(client, field, value)
    if client.directorate_role != DirectorateRole.REGIONAL_ADVISER:
        client.region = None
    client.scopes = check_client_fields(
        municipality=client.municipality,
        directorate_role=client.directorate_role,
        region=client.region,
        scopes=list(client.scopes),
    )
    client.full_clean(exclude=["user"])
    client.save()
    _sync_user(client)
    changes = diff_fields(before, snapshot(client, AUDITED_FIELDS))
    audit_log(
        actor=actor,
        action="api_client.update",
        obj=client,
        municipality=client.municipality,
        changes=changes,
    )
    return client


@transaction.atomic
def api_personal_data_read(
    *,
    client: ApiClient,
    municipality: Municipality,
    object_type: str,
    object_ids: list[int],
    endpoint: str,
) -> None:
    """Record that a client read personal data (contact persons) of one organisation: one
    entry per organisation per request, naming the rows it was given."""
    audit_log(
        actor=client.user,
        action="api.personal_data_read",
        municipality=municipality,
        object_type=object_type,
        object_label=f"{len(object_ids)} × {object_type}",
        changes={"ids": object_ids, "endpoint": endpoint, "client": client.consumer_id},
        source=f"API {client.name}"[:200],
    )
