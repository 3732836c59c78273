from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from housing.selectors import stale_sections_for
from portal import changes
from portal.accounts.access import Perm, get_municipality, perms_for
from portal.accounts.models import DirectorateRole
from portal.accounts.selectors import memberships_of
from portal.core.audit.selectors import (
    audit_entries,
    organisation_entries,
    organisation_entry_years,
)
from portal.municipalities.models import KeyFigures
from portal.municipalities.selectors import current_organisations
from portal.municipalities.services import UPLOAD_PENDING_MINUTES
from surveys.respondent import selectors as survey_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What is the user's to do: their organisations, or the directorate's work."""
    user = request.user
    year = timezone.localdate().year
    memberships = list(memberships_of(user))
    # The latest year with settlement figures, per organisation.
    figures = {
        kf.municipality_id: kf
        for kf in KeyFigures.objects.filter(
            municipality_id__in=[m.municipality_id for m in memberships], requested__isnull=False
        ).order_by("year")
    }
    edition = survey_selectors.open_edition()
    surveys = {}
    if edition is not None:
        for membership in memberships:
            state = survey_selectors.survey_state(edition, membership.municipality)
            answered, total = state.total_progress()
            mine = [
                state.section_by_pk(a.section_id)
                for a in state.assignments.values()
                if a.assignee_id == user.pk
            ]
            surveys[membership.municipality_id] = {
                "edition": edition,
                "response": state.response,
                "answered": answered,
                "total": total,
                "assigned": [s for s in mine if s is not None],
            }
    stale = stale_sections_for([m.municipality_id for m in memberships])
    context = {
        "memberships": [
            (
                m,
                figures.get(m.municipality_id),
                surveys.get(m.municipality_id),
                stale.get(m.municipality_id, []),
            )
            for m in memberships
        ],
        "year": year,
        "open_edition": edition,
    }
    if user.directorate_role:
        organisations = current_organisations()
        if user.directorate_role == DirectorateRole.REGIONAL_ADVISER:
            organisations = organisations.filter(region_id=user.region_id)
        context["organisation_count"] = organisations.count()
    if user.directorate_role == DirectorateRole.ADMIN:
        context["recent_changes"] = list(audit_entries()[:8])
    return render(request, "portal/home.html", context)


@login_required
def change_log(request: HttpRequest, number: str) -> HttpResponse:
    """The organisation's own change log, for everyone who may see the organisation: its
    members and the directorate. Survey answers only for those who may read them (not the
    settlement officers, who read profiles)."""
    municipality = get_municipality(request.user, number, Perm.VIEW)
    perms = perms_for(request.user, municipality)
    kinds = [changes.PROFILE] if Perm.SURVEY not in perms else [changes.SURVEY, changes.PROFILE]
    years = organisation_entry_years(
        municipality_id=municipality.pk, actions=changes.actions_of(kinds)
    )
    form = changes.ChangeLogFilterForm(request.GET or None, kinds=kinds, years=years)
    entries = organisation_entries(
        municipality_id=municipality.pk,
        actions=changes.actions_of(form.chosen_kinds()),
        year=form.chosen_year(),
    )
    page = Paginator(entries, changes.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/change_log.html",
        {
            "municipality": municipality,
            "form": form,
            "page": page,
            "rows": changes.entry_views(list(page), municipality),
            "query": query.urlencode(),
            "filtered": bool(form.is_bound and form.is_valid() and any(form.cleaned_data.values())),
        },
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and docker-compose: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok", "time": dt.datetime.now(dt.UTC).isoformat()})


# The day each statement was last reviewed against the portal; change it with the text.
ACCESSIBILITY_STATEMENT_UPDATED = dt.date(2026, 12, 7)
PRIVACY_STATEMENT_UPDATED = dt.date(2026, 12, 7)


@require_GET
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement the regulation on universal design of ICT asks for: open to
    everyone, logged in or not."""
    return render(
        request,
        "portal/accessibility.html",
        {
            "updated": ACCESSIBILITY_STATEMENT_UPDATED,
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        },
    )


@require_GET
def privacy_statement(request: HttpRequest) -> HttpResponse:
    """What the portal keeps about whom, why and for how long: open to everyone."""
    return render(
        request,
        "portal/privacy.html",
        {
            "updated": PRIVACY_STATEMENT_UPDATED,
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
            "invitation_days": settings.INVITATION_VALID_FOR.days,
            "lockout_minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60),
            "upload_minutes": UPLOAD_PENDING_MINUTES,
        },
    )
