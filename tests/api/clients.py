"""API clients acting as the standard cast (tests/conftest.py), and their tokens.

Each cast member gets a registered client with the same rights: the members of an organisation
a client of that organisation (a viewer: the API only reads), the directorate's staff a client
with their directorate role (and region). Anonymous sends no token.
"""

from __future__ import annotations

from portal.api.models import ApiClient
from portal.api.scopes import Scope
from portal.api.services import api_client_register

ALL_SCOPES = " ".join(Scope.values)

# One organisation number per cast member (9 digits, made up).
ORGNOS = {
    "editor_a": "910000001",
    "viewer_a": "910000002",
    "signatory_a": "910000003",
    "editor_b": "910000004",
    "adviser_a": "910000005",
    "adviser_other": "910000006",
    "officer": "910000007",
    "admin": "910000008",
}


def client_as(cast, who: str, *, scopes: list[str] | None = None, **extra) -> ApiClient:
    orgno = ORGNOS[who]
    existing = ApiClient.objects.filter(consumer_orgno=orgno).first()
    if existing is not None:
        return existing
    user = cast.member(who)
    memberships = list(user.memberships.all())
    if memberships:
        acts = {"municipality": memberships[0].municipality}
    else:
        acts = {"directorate_role": user.directorate_role, "region": user.region}
    return api_client_register(
        actor=None,
        name=f"System of {who}",
        consumer_orgno=orgno,
        scopes=list(Scope.values) if scopes is None else scopes,
        **acts,
        **extra,
    )


def headers_as(cast, issuer, who: str, *, scope: str = ALL_SCOPES) -> dict[str, str]:
    """The request headers of a client acting as ``who`` (none for anonymous)."""
    if who == "anonymous":
        return {}
    client = client_as(cast, who)
    return {"Authorization": f"Bearer {issuer.token(client.consumer_orgno, scope)}"}
