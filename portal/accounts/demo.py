"""The demo cast for `make run` (password "demo"); created only when DEBUG is on."""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import DirectorateRole, Membership, MunicipalRole, User
from portal.municipalities.models import Municipality, Region

# The demo directorate users' authenticator key (base32, for adding to an app by hand); the
# current code is printed by `manage.py demo_totp_code`.
DEMO_TOTP_SECRET = "KOMMUNEPORTALENDEMOKOMMUNEPORTAL"  # noqa: S105 - demo only (DEBUG)

# username, first name, last name, directorate role, region code, organisation number, role
DEMO_USERS = [
    ("imdi-admin", "Ingrid", "Admin", DirectorateRole.ADMIN, "", "", ""),
    ("imdi-sor", "Sindre", "Sørlie", DirectorateRole.REGIONAL_ADVISER, "sor", "", ""),
    ("bosetter", "Berit", "Bosetter", DirectorateRole.SETTLEMENT_OFFICER, "", "", ""),
    ("kristiansand-leder", "Kari", "Kommunedirektør", "", "", "4204", MunicipalRole.SIGNATORY),
    ("kristiansand-editor", "Karl", "Flyktningtjenesten", "", "", "4204", MunicipalRole.EDITOR),
    ("kristiansand-viewer", "Kine", "Leser", "", "", "4204", MunicipalRole.VIEWER),
    ("bergen-editor", "Bjørn", "Bergensen", "", "", "4601", MunicipalRole.EDITOR),
    ("gamle-oslo-editor", "Gunn", "Gamlebyen", "", "", "030101", MunicipalRole.EDITOR),
]


def demo_totp_key() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


@transaction.atomic
def ensure_demo_users() -> list[str]:
    """Create the demo users if missing; returns the usernames created. Idempotent."""
    if not settings.DEBUG:
        raise ImproperlyConfigured("Demo users are only created when DEBUG is on.")
    created = []
    for username, first, last, directorate_role, region_code, number, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@demo.kommuneportal.example",
                directorate_role=directorate_role,
                region=Region.objects.get(code=region_code) if region_code else None,
                is_staff=directorate_role == DirectorateRole.ADMIN,
                is_superuser=directorate_role == DirectorateRole.ADMIN,
            )
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
            created.append(username)
        if number:
            municipality = Municipality.objects.get(number=number, valid_to__isnull=True)
            Membership.objects.get_or_create(
                user=user, municipality=municipality, defaults={"role": role}
            )
        if directorate_role:
            TOTPDevice.objects.get_or_create(
                user=user,
                confirmed=True,
                defaults={"name": "Demo", "key": demo_totp_key()},
            )
    return created
