from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.access import Perm, get_municipality, perms_for, require_directorate
from portal.accounts.models import DirectorateRole
from portal.accounts.selectors import members_of, national_login_status
from portal.core.audit.selectors import audit_entries
from portal.municipalities import selectors, services
from portal.municipalities.forms import (
    KeyFigureUploadForm,
    MunicipalityFilterForm,
    MunicipalitySettingsForm,
)
from portal.municipalities.models import KeyFigureUpload


@login_required
def municipality_list(request: HttpRequest) -> HttpResponse:
    require_directorate(request.user)
    form = MunicipalityFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    year = filters.get("year") or timezone.localdate().year
    organisations = selectors.municipality_list(
        user=request.user,
        year=year,
        region=filters.get("region", ""),
        county=filters.get("county", ""),
        kind=filters.get("kind", ""),
        query=filters.get("q", ""),
    )
    page = Paginator(organisations, 100).get_page(request.GET.get("page"))
    rows = [(m, m.figures_for_year[0] if m.figures_for_year else None) for m in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "municipalities/list.html",
        {"form": form, "page": page, "rows": rows, "year": year, "query": query.urlencode()},
    )


@login_required
def municipality_detail(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.VIEW)
    perms = perms_for(request.user, municipality)
    can_see_people = (
        bool(perms & {Perm.EDIT, Perm.FOLLOW_UP})
        or request.user.memberships.filter(municipality=municipality).exists()
    )
    context = {
        "municipality": municipality,
        "perms": perms,
        "key_figures": selectors.key_figures_for(municipality),
        "history": selectors.municipality_history(municipality),
        "members": list(members_of(municipality)) if can_see_people else None,
        "districts": list(municipality.districts.filter(valid_to__isnull=True).order_by("number")),
        "can_invite": Perm.INVITE in perms,
        # Whether ID-porten is required for the members: the directorate's administrators.
        "national_login": national_login_status(municipality) if Perm.ADMINISTER in perms else None,
        # The whole audit trail, the directorate's own entries too: for the directorate only.
        # The organisation's members read theirs in its change log (portal/changes.py).
        "recent_changes": list(audit_entries(municipality_ids=[municipality.pk])[:10])
        if Perm.FOLLOW_UP in perms
        else None,
    }
    return render(request, "municipalities/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def municipality_settings(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.ADMINISTER)
    initial = {
        "written_standard": municipality.written_standard,
        "email": municipality.email,
        "head_email": municipality.head_email,
    }
    form = MunicipalitySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.municipality_update(
            actor=request.user, municipality=municipality, **form.cleaned_data
        )
        messages.success(request, _("Saved."))
        return redirect("municipalities:detail", number=municipality.number)
    return render(
        request, "municipalities/settings.html", {"municipality": municipality, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_figure_import(request: HttpRequest) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    form = KeyFigureUploadForm(request.POST or None, request.FILES or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = PurePath(str(upload.name).replace("\\", "/")).name
        pending, plan = services.key_figure_upload_start(
            actor=request.user,
            content=upload.read(),
            file_name=name,
            format=form.cleaned_data["format"],
            structure=form.cleaned_data["structure"],
        )
        if pending is not None:
            return redirect("municipalities:key_figure_import_preview", pk=pending.pk)
    return render(request, "municipalities/key_figure_import.html", {"form": form, "plan": plan})


def _own_upload(request: HttpRequest, pk: int):
    require_directorate(request.user, DirectorateRole.ADMIN)
    upload = selectors.key_figure_upload(request.user, pk)
    if upload is None:
        raise Http404
    return upload


PREVIEW_ROWS = 500


@login_required
def key_figure_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _own_upload(request, pk)
    pending = upload.status == KeyFigureUpload.Status.PENDING
    expired = pending and upload.expires_at <= timezone.now()
    plan = None
    if pending and not expired:
        plan = services.key_figures_preview(
            content=bytes(upload.content), format=upload.format, structure=upload.structure_year
        )
    sections = []
    if plan is not None and plan.ok:
        for action, title in (
            ("create", _("New rows")),
            ("change", _("Changed rows")),
            ("unchanged", _("Unchanged rows")),
        ):
            rows = [row for row in plan.rows if row.action == action]
            sections.append(
                {
                    "action": action,
                    "title": title,
                    "rows": rows[:PREVIEW_ROWS],
                    "count": len(rows),
                    "more": max(len(rows) - PREVIEW_ROWS, 0),
                }
            )
    return render(
        request,
        "municipalities/key_figure_preview.html",
        {
            "upload": upload,
            "plan": plan,
            "expired": expired,
            "sections": sections,
            "missing_counts": plan.missing_counts() if plan else {},
            "not_applicable": plan.missing_counts().get("not applicable", 0) if plan else 0,
            "limit": PREVIEW_ROWS,
        },
    )


@login_required
@require_POST
def key_figure_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _own_upload(request, pk)
    report = services.key_figure_upload_confirm(actor=request.user, upload=upload)
    if report is None:
        messages.info(
            request,
            _("This upload was already imported, cancelled or has expired; nothing was done."),
        )
        return redirect("municipalities:key_figure_import")
    if report.stale:
        messages.warning(
            request,
            _(
                "The stored figures changed after the preview was made. Nothing was saved; "
                "check the new preview and confirm again."
            ),
        )
        return redirect("municipalities:key_figure_import_preview", pk=upload.pk)
    if not report.ok:
        messages.error(request, _("The file no longer checks out. Nothing was saved."))
        return redirect("municipalities:key_figure_import_preview", pk=upload.pk)
    messages.success(
        request,
        _(
            "Key figures imported. Rows – new: %(created)s, changed: %(updated)s, unchanged: %(unchanged)s."
        )
        % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
    )
    return redirect("municipalities:key_figure_import")


@login_required
@require_POST
def key_figure_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _own_upload(request, pk)
    if services.key_figure_upload_cancel(actor=request.user, upload=upload):
        messages.info(request, _("The import was cancelled. Nothing was saved."))
    return redirect("municipalities:key_figure_import")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    entries = audit_entries(action=request.GET.get("action", "")[:60])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "municipalities/audit_log.html", {"page": page})
