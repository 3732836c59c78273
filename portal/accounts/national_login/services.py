"""Writes of the national login: binding a person to a user, the requirement, the sessions."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import (
    NationalIdentity,
    NationalLoginPolicy,
    NationalLoginSession,
    User,
)
from portal.accounts.national_login.providers import Person
from portal.accounts.services import _claim_invitation, _grant
from portal.core.audit.services import audit_log
from portal.municipalities.models import Municipality

logger = logging.getLogger("portal.accounts.national_login")

# Why a login that the provider vouched for still lets nobody in (the page shown for each).
NOT_INVITED = "not_invited"
OTHER_PERSON = "other_person"
INVITATION_INVALID = "invitation_invalid"
ACCOUNT_INACTIVE = "account_inactive"


class LoginRefused(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _bind(*, user: User, person: Person, provider: str, actor: User) -> NationalIdentity:
    identity = NationalIdentity.objects.create(
        user=user, pid_hash=person.pid_hash, bound_with=provider, last_login_at=timezone.now()
    )
    audit_log(
        actor=actor,
        action="national_identity.bind",
        obj=user,
        changes={"national_login": [None, provider]},
    )
    return identity


@transaction.atomic
def identity_bind(*, user: User, person: Person, provider: str) -> NationalIdentity:
    """Bind the person who logged in at the provider to ``user`` (who proved the account with
    the password, or is logged in). One person, one account: a person bound elsewhere, or an
    account bound to someone else, is refused."""
    user = User.objects.select_for_update().get(pk=user.pk)
    existing = NationalIdentity.objects.filter(pid_hash=person.pid_hash).first()
    if existing is not None:
        if existing.user_id == user.pk:
            return existing
        raise LoginRefused(OTHER_PERSON, f"person already bound to user {existing.user_id}")
    if NationalIdentity.objects.filter(user=user).exists():
        raise LoginRefused(OTHER_PERSON, f"user {user.pk} is bound to another person")
    return _bind(user=user, person=person, provider=provider, actor=user)


def _unique_username(email: str) -> str:
    base = email.split("@")[0][:130] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@transaction.atomic
def invitation_accept_national(*, token: str, person: Person, provider: str) -> User:
    """Accept an invitation by logging in with ID-porten: the person is bound to the invited
    address's account (created when there is none) and joins with the invited role.

    The invitation link went to that address, which is the same proof that a password reset
    asks for; so a password user who opens their invitation and logs in with ID-porten has
    their account bound too."""
    try:
        invitation = _claim_invitation(token)
    except Exception as exc:
        raise LoginRefused(INVITATION_INVALID, "invitation not open") from exc
    identity = (
        NationalIdentity.objects.select_related("user").filter(pid_hash=person.pid_hash).first()
    )
    if identity is not None:
        user = identity.user
        if (user.email or "").casefold() != invitation.email.casefold():
            raise LoginRefused(
                OTHER_PERSON,
                f"invitation {invitation.pk} is for another address than user {user.pk}",
            )
    else:
        user_or_none = User.objects.filter(email__iexact=invitation.email).first()
        if user_or_none is None:
            user = User(
                username=_unique_username(invitation.email),
                first_name=person.given_name[:150],
                last_name=person.family_name[:150],
                email=invitation.email,
                language=invitation.municipality.language,
            )
            user.set_unusable_password()
            user.save()
        else:
            user = user_or_none
            if NationalIdentity.objects.filter(user=user).exists():
                raise LoginRefused(
                    OTHER_PERSON, f"invitation {invitation.pk}: user {user.pk} is another person"
                )
        _bind(user=user, person=person, provider=provider, actor=user)
    if not user.is_active:
        raise LoginRefused(ACCOUNT_INACTIVE, f"user {user.pk} is not active")
    _grant(invitation, user)
    return user


def user_for_person(*, person: Person) -> User:
    """The user bound to the person, or why nobody is logged in."""
    identity = (
        NationalIdentity.objects.select_related("user").filter(pid_hash=person.pid_hash).first()
    )
    if identity is None:
        raise LoginRefused(NOT_INVITED, "no user is bound to this person")
    if not identity.user.is_active:
        raise LoginRefused(ACCOUNT_INACTIVE, f"user {identity.user_id} is not active")
    NationalIdentity.objects.filter(pk=identity.pk).update(last_login_at=timezone.now())
    return identity.user


@transaction.atomic
def identity_unbind(*, actor: User, user: User) -> bool:
    """Remove the binding (a person's identity number bound by mistake): an administrator, or
    the person themselves while the password still lets them in."""
    if actor.pk != user.pk and not (actor.is_portal_admin or actor.is_superuser):
        raise PermissionDenied
    if actor.pk == user.pk and not user.has_usable_password():
        raise PermissionDenied  # it is their only way in
    removed, _detail = NationalIdentity.objects.filter(user=user).delete()
    if removed:
        audit_log(
            actor=actor,
            action="national_identity.unbind",
            obj=user,
            changes={"bound": [True, False]},
        )
    return bool(removed)


def policy() -> NationalLoginPolicy:
    return NationalLoginPolicy.objects.get_or_create(pk=NationalLoginPolicy.SINGLETON_PK)[0]


@transaction.atomic
def policy_set(
    *, actor: User, required_for_everyone: bool, organisations: Iterable[Municipality]
) -> NationalLoginPolicy:
    """Require ID-porten (password login refused) for everyone or for some organisations'
    members. The directorate's administrators and superusers only."""
    if not (actor.is_portal_admin or actor.is_superuser):
        raise PermissionDenied
    row = NationalLoginPolicy.objects.select_for_update().get_or_create(
        pk=NationalLoginPolicy.SINGLETON_PK
    )[0]
    before = sorted(row.organisations.values_list("number", flat=True))
    organisations = list(organisations)
    after = sorted(m.number for m in organisations)
    changes: dict[str, list] = {}
    if row.required_for_everyone != required_for_everyone:
        changes["required_for_everyone"] = [row.required_for_everyone, required_for_everyone]
    if before != after:
        changes["organisations"] = [before, after]
    row.required_for_everyone = required_for_everyone
    row.save()
    row.organisations.set(organisations)
    if changes:
        audit_log(actor=actor, action="national_login.require", obj=row, changes=changes)
    return row


def _policy_for_update() -> NationalLoginPolicy:
    return NationalLoginPolicy.objects.select_for_update().get_or_create(
        pk=NationalLoginPolicy.SINGLETON_PK
    )[0]


def _require_admin(actor: User) -> None:
    if not (actor.is_portal_admin or actor.is_superuser):
        raise PermissionDenied


@transaction.atomic
def policy_organisation_set(*, actor: User, municipality: Municipality, required: bool) -> bool:
    """Require ID-porten (password login refused) for the members of one organisation, or stop
    requiring it. The directorate's administrators and superusers only. Returns whether
    anything changed; a repeat changes nothing and writes no audit entry."""
    _require_admin(actor)
    row = _policy_for_update()
    before = sorted(row.organisations.values_list("number", flat=True))
    if (municipality.number in before) == required:
        return False
    if required:
        row.organisations.add(municipality)
    else:
        row.organisations.remove(municipality)
    row.save(update_fields=["updated_at"])
    after = sorted(row.organisations.values_list("number", flat=True))
    audit_log(
        actor=actor,
        action="national_login.require",
        obj=row,
        municipality=municipality,
        changes={"organisations": [before, after]},
    )
    return True


@transaction.atomic
def policy_everyone_set(*, actor: User, required: bool) -> bool:
    """Require ID-porten for everyone (superusers excepted), or stop requiring it. The
    directorate's administrators and superusers only. Returns whether anything changed."""
    _require_admin(actor)
    row = _policy_for_update()
    if row.required_for_everyone == required:
        return False
    audit_log(
        actor=actor,
        action="national_login.require",
        obj=row,
        changes={"required_for_everyone": [row.required_for_everyone, required]},
    )
    row.required_for_everyone = required
    row.save(update_fields=["required_for_everyone", "updated_at"])
    return True


def session_record(*, session_key: str, provider: str, sid: str) -> None:
    """Remember which portal session the provider's session ``sid`` opened."""
    if not sid or not session_key:
        return
    NationalLoginSession.objects.update_or_create(
        session_key=session_key, defaults={"provider": provider, "sid": sid}
    )


def sessions_end(*, provider: str, sid: str) -> int:
    """Front-channel logout: end every portal session opened by the provider's session."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = list(NationalLoginSession.objects.filter(provider=provider, sid=sid))
    for row in rows:
        store(session_key=row.session_key).delete()
    NationalLoginSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        NationalLoginSession.objects.filter(session_key=session_key).delete()
