from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from portal.accounts.models import (
    Invitation,
    Membership,
    NationalIdentity,
    NationalLoginPolicy,
    User,
)
from portal.core.queue import sweep_window


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, municipality__valid_to__isnull=True)
        .select_related("municipality", "municipality__region", "municipality__county")
        .order_by("municipality__name")
    )


def members_of(municipality) -> QuerySet[Membership]:
    """The people of an organisation; the service users of its registered API clients (who
    read through a viewer membership, docs/api.md) are not people and are left out."""
    return (
        Membership.objects.filter(municipality=municipality, user__api_client__isnull=True)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name")
    )


def open_invitations(municipality) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        municipality=municipality, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitations_unsent(*, now: dt.datetime | None = None) -> list[int]:
    """The open invitations whose e-mail has not gone out (the broker never took the task, or
    sending failed), oldest first: made between the sweep's cut-off and grace period ago
    (portal.core.queue.sweep_window), and not accepted, withdrawn or expired."""
    now = now or timezone.now()
    oldest, newest = sweep_window(now)
    return list(
        Invitation.objects.filter(
            email_sent_at=None,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=now,
            created_at__gte=oldest,
            created_at__lt=newest,
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def two_factor_required(user) -> bool:
    """Directorate staff (and anyone who can reach the admin) log in with a second factor:
    they see every municipality's answers."""
    return bool(
        user.is_authenticated
        and (getattr(user, "directorate_role", "") or user.is_staff or user.is_superuser)
    )


def confirmed_totp_device(user):
    """The user's authenticator-app device, or None before it is set up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def recovery_device(user):
    """The user's set of one-use recovery codes (django-otp's static device), or None."""
    from django_otp.plugins.otp_static.models import StaticDevice

    return StaticDevice.objects.filter(user=user).order_by("-id").first()


def recovery_codes_remaining(user) -> int:
    """How many of the user's recovery codes are still unused."""
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user).count()


def national_login_policy() -> NationalLoginPolicy | None:
    """The one row saying where ID-porten is required, or None before an admin first set it."""
    return NationalLoginPolicy.objects.filter(pk=NationalLoginPolicy.SINGLETON_PK).first()


def password_login_refusal(user) -> str | None:
    """Why ``user`` may not log in with a password, or None. An administrator can require
    ID-porten for everyone (superusers excepted: the way in when the provider is down) or for
    the members of some organisations; only while a national login is configured."""
    if not settings.NATIONAL_LOGIN_PROVIDERS:
        return None
    policy = national_login_policy()
    if policy is None:
        return None
    if policy.required_for_everyone and not user.is_superuser:
        return "everyone"
    names = list(
        policy.organisations.filter(memberships__user=user)
        .order_by("name")
        .values_list("name", flat=True)
    )
    return ", ".join(names) if names else None


def has_national_identity(user) -> bool:
    return bool(user.is_authenticated) and NationalIdentity.objects.filter(user=user).exists()


def national_login_required_for(municipality) -> bool:
    """Whether new members of ``municipality`` must log in with ID-porten (no password)."""
    if not settings.NATIONAL_LOGIN_PROVIDERS:
        return False
    policy = national_login_policy()
    return policy is not None and (
        policy.required_for_everyone or policy.organisations.filter(pk=municipality.pk).exists()
    )


@dataclass(frozen=True)
class NationalLoginStatus:
    """What the directorate's administrator sees before requiring ID-porten."""

    configured: bool
    required_for_everyone: bool
    required_here: bool
    bound: list[Membership]
    unbound: list[Membership]

    @property
    def members(self) -> int:
        return len(self.bound) + len(self.unbound)


def national_login_status(municipality) -> NationalLoginStatus:
    """Whether ID-porten is required for ``municipality``'s members (or for everyone), and which
    of its active members have connected an ID-porten login and which have not (those the
    password form would refuse until they connect it). Three queries, however many members."""
    if not settings.NATIONAL_LOGIN_PROVIDERS:
        return NationalLoginStatus(False, False, False, [], [])
    policy = national_login_policy()
    required_here = policy is not None and policy.organisations.filter(pk=municipality.pk).exists()
    members = list(
        members_of(municipality)
        .filter(user__is_active=True)
        .annotate(national=Exists(NationalIdentity.objects.filter(user_id=OuterRef("user_id"))))
    )
    return NationalLoginStatus(
        configured=True,
        required_for_everyone=policy is not None and policy.required_for_everyone,
        required_here=required_here,
        bound=[m for m in members if m.national],
        unbound=[m for m in members if not m.national],
    )


@dataclass(frozen=True)
class NationalLoginSiteStatus:
    configured: bool
    required_for_everyone: bool
    organisations: list
    users: int
    bound: int

    @property
    def unconnected(self) -> int:
        return self.users - self.bound


def national_login_site_status() -> NationalLoginSiteStatus:
    """The site-wide requirement, the organisations that require it, and how many of the
    people who log in with a password (active, not superusers) have connected ID-porten."""
    if not settings.NATIONAL_LOGIN_PROVIDERS:
        return NationalLoginSiteStatus(False, False, [], 0, 0)
    policy = national_login_policy()
    people = User.objects.filter(is_active=True, is_superuser=False)
    return NationalLoginSiteStatus(
        configured=True,
        required_for_everyone=policy is not None and policy.required_for_everyone,
        organisations=list(policy.organisations.order_by("name")) if policy else [],
        users=people.count(),
        bound=people.filter(national_identity__isnull=False).count(),
    )
