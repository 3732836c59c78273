"""The one way in: who may see and do what in which organisation.

Every view that shows or changes an organisation's data turns ``(user, number, permission)``
into a municipality here. An organisation the user cannot see answers 404, exactly like one
that does not exist; one the user can see but not act on answers 403.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.accounts.models import DirectorateRole, Membership, MunicipalRole, User
from portal.municipalities.models import Municipality


class Perm(StrEnum):
    VIEW = "view"  # read the organisation's pages
    SURVEY = "survey"  # read its survey responses
    EDIT = "edit"  # fill in its forms and registers
    SUBMIT = "submit"  # sign and submit on behalf of the head of administration
    INVITE = "invite"  # invite colleagues
    FOLLOW_UP = "follow_up"  # directorate: review submissions, log follow-up
    ADMINISTER = "administer"  # directorate admin: key figures, overrides


MUNICIPAL_ROLE_PERMS: dict[str, frozenset[Perm]] = {
    MunicipalRole.VIEWER: frozenset({Perm.VIEW, Perm.SURVEY}),
    MunicipalRole.EDITOR: frozenset({Perm.VIEW, Perm.SURVEY, Perm.EDIT, Perm.INVITE}),
    MunicipalRole.SIGNATORY: frozenset(
        {Perm.VIEW, Perm.SURVEY, Perm.EDIT, Perm.SUBMIT, Perm.INVITE}
    ),
}

DIRECTORATE_ROLE_PERMS: dict[str, frozenset[Perm]] = {
    DirectorateRole.ADMIN: frozenset(
        {Perm.VIEW, Perm.SURVEY, Perm.EDIT, Perm.INVITE, Perm.FOLLOW_UP, Perm.ADMINISTER}
    ),
    DirectorateRole.REGIONAL_ADVISER: frozenset({Perm.VIEW, Perm.SURVEY, Perm.FOLLOW_UP}),
    DirectorateRole.SETTLEMENT_OFFICER: frozenset({Perm.VIEW}),
}

# Roles a member may hand out when inviting a colleague.
INVITABLE_ROLES: dict[str, tuple[str, ...]] = {
    MunicipalRole.EDITOR: (MunicipalRole.EDITOR, MunicipalRole.VIEWER),
    MunicipalRole.SIGNATORY: (MunicipalRole.SIGNATORY, MunicipalRole.EDITOR, MunicipalRole.VIEWER),
}


def membership_roles(user: User) -> dict[int, str]:
    """``{municipality_id: role}`` for the user's memberships, read once per request."""
    if not user.is_authenticated:
        return {}
    cached = user.__dict__.get("_membership_roles")
    if cached is None:
        cached = dict(user.memberships.values_list("municipality_id", "role"))
        user.__dict__["_membership_roles"] = cached
    return cached


def perms_for(user: User, municipality: Municipality) -> frozenset[Perm]:
    """What the user may do in this organisation; empty means it is not theirs to see."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()  # before the membership read
    return perms_with_role(user, municipality, membership_roles(user).get(municipality.pk))


def member_role_sql(municipality_column: str) -> str:
    """SQL for the user's membership role in the organisation of ``municipality_column`` (NULL
    if not a member), for a query written out by hand; its one parameter is the user's id.
    What the role allows is ``perms_with_role``'s to say."""
    return _MEMBER_ROLE_SQL.format(table=Membership._meta.db_table, column=municipality_column)


_MEMBER_ROLE_SQL = (
    '(SELECT ms."role" FROM "{table}" ms '
    'WHERE ms."user_id" = %s AND ms."municipality_id" = {column} LIMIT 1)'
)


def require_perm(
    user: User, municipality: Municipality, perm: Perm, member_role: str | None
) -> frozenset[Perm]:
    """``get_municipality``'s check for an organisation read with ``member_role_sql``:
    Http404 when it is not the user's to see, PermissionDenied without ``perm``."""
    perms = perms_with_role(user, municipality, member_role)
    if not perms:
        raise Http404
    if perm not in perms:
        raise PermissionDenied
    return perms


def perms_with_role(user: User, municipality: Municipality, role: str | None) -> frozenset[Perm]:
    """What ``user`` may do in the organisation, given their membership role there (or None)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    perms: set[Perm] = set()
    if role:
        perms |= MUNICIPAL_ROLE_PERMS[role]
    if user.directorate_role == DirectorateRole.REGIONAL_ADVISER:
        if user.region_id is not None and municipality.region_id == user.region_id:
            perms |= DIRECTORATE_ROLE_PERMS[DirectorateRole.REGIONAL_ADVISER]
    elif user.directorate_role:
        perms |= DIRECTORATE_ROLE_PERMS[user.directorate_role]
    return frozenset(perms)


def visible_municipalities(
    user: User, qs: QuerySet[Municipality] | None = None
) -> QuerySet[Municipality]:
    """Scope a queryset of organisations to those the user may see."""
    qs = Municipality.objects.all() if qs is None else qs
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.directorate_role in (DirectorateRole.ADMIN, DirectorateRole.SETTLEMENT_OFFICER):
        return qs
    member_ids = list(membership_roles(user))
    if user.directorate_role == DirectorateRole.REGIONAL_ADVISER:
        return qs.filter(Q(region_id=user.region_id) | Q(pk__in=member_ids))
    return qs.filter(pk__in=member_ids)


def municipalities_with(
    user: User, perm: Perm, qs: QuerySet[Municipality] | None = None
) -> QuerySet[Municipality]:
    """Scope a queryset of organisations to those in which the user may ``perm`` (a list of
    survey answers for a settlement officer, who sees every organisation but not its survey,
    is empty)."""
    qs = Municipality.objects.all() if qs is None else qs
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    role = user.directorate_role
    if role and role != DirectorateRole.REGIONAL_ADVISER and perm in DIRECTORATE_ROLE_PERMS[role]:
        return qs
    member_ids = [pk for pk, r in membership_roles(user).items() if perm in MUNICIPAL_ROLE_PERMS[r]]
    if role == DirectorateRole.REGIONAL_ADVISER and perm in DIRECTORATE_ROLE_PERMS[role]:
        return qs.filter(Q(region_id=user.region_id) | Q(pk__in=member_ids))
    return qs.filter(pk__in=member_ids)


def scope_to_municipalities(user: User, qs: QuerySet, field: str = "municipality") -> QuerySet:
    """Scope any queryset of municipality-owned rows to the organisations the user may see."""
    return qs.filter(**{f"{field}__in": visible_municipalities(user)})


def get_municipality(user: User, number: str, perm: Perm = Perm.VIEW) -> Municipality:
    """The current organisation with this number, if the user may ``perm`` it.

    Raises Http404 when it does not exist or is not the user's to see, PermissionDenied when the
    user can see it but lacks ``perm``.
    """
    municipality = (
        Municipality.objects.select_related("county", "region", "parent")
        .filter(number=number, valid_to__isnull=True)
        .first()
    )
    if municipality is None:
        raise Http404
    perms = perms_for(user, municipality)
    if not perms:
        raise Http404
    if perm not in perms:
        raise PermissionDenied
    return municipality


def require_directorate(user: User, *roles: str) -> None:
    """Directorate pages: 403 for everyone but the named directorate roles (any role if none)."""
    if not user.is_authenticated:
        raise PermissionDenied
    allowed = roles or tuple(DirectorateRole.values[1:])
    if user.directorate_role not in allowed:
        raise PermissionDenied


def is_directorate_admin(user: User) -> bool:
    return user.is_authenticated and user.directorate_role == DirectorateRole.ADMIN
