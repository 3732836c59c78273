"""Pages of the housing and service profile, and the settlement officer's search.

Reading a profile needs ``Perm.VIEW`` (the municipality's members, its regional adviser,
settlement officers, admins); changing it needs ``Perm.EDIT`` (editors, signatories, admins).
Everyone reads the same profile page; those who may edit also get the buttons to do so.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from housing import files, search, selectors, services
from housing.forms import (
    AsOfForm,
    ConfirmAllForm,
    ContactPersonForm,
    FactsForm,
    FreshnessFilterForm,
    HousingLineForm,
    HousingUploadForm,
    SettlementSearchForm,
    StaffedHousingForm,
    VacancyForm,
)
from housing.models import ContactPerson, HousingLine, ProfileSection, SectionKey, StaffedHousing
from housing.sections import SERVICE_FACTS, SLUG_SECTIONS, section_label
from portal.accounts.access import Perm, get_municipality, perms_for, require_directorate

VACANCY_PAGE_SIZE = 100
SEARCH_PAGE_SIZE = 50


def _profile_url(municipality, anchor: str = "") -> str:
    url = reverse("housing:profile", args=[municipality.number])
    return f"{url}#{anchor}" if anchor else url


def _section_key(slug: str) -> str:
    key = SLUG_SECTIONS.get(slug)
    if key is None:
        raise Http404
    return key


def _base_context(request: HttpRequest, municipality) -> dict:
    perms = perms_for(request.user, municipality)
    return {"municipality": municipality, "can_edit": Perm.EDIT in perms}


# --- the profile -----------------------------------------------------------------------


@login_required
def profile(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.VIEW)
    context = _base_context(request, municipality)
    # "See it as the settlement officers do": the same page without the buttons.
    context["preview"] = request.GET.get("visning") == "bosetter"
    if context["preview"]:
        context["can_edit"] = False
    context.update(
        profile=selectors.current_profile(municipality),
        key_figures=selectors.latest_key_figures(municipality),
        as_of_form=AsOfForm(),
    )
    return render(request, "housing/profile.html", context)


@login_required
def profile_as_of(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.VIEW)
    form = AsOfForm(request.GET or None)
    context = {**_base_context(request, municipality), "form": form, "can_edit": False}
    if form.is_valid():
        day = form.cleaned_data["dato"]
        if day > timezone.localdate():
            form.add_error("dato", _("Choose today or a day before."))
        else:
            then = selectors.profile_as_of(municipality, day)
            now = selectors.current_profile(municipality)
            context.update(
                profile=then,
                day=day,
                changes=selectors.changes_since(then, now),
                started=selectors.first_version_date(municipality),
            )
    return render(request, "housing/profile_as_of.html", context)


@login_required
def profile_history(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.VIEW)
    section = request.GET.get("del", "")
    if section not in SectionKey.values:
        section = ""
    versions = selectors.profile_versions(municipality, section=section)
    page = Paginator(versions, 25).get_page(request.GET.get("page"))
    context = {
        **_base_context(request, municipality),
        "page": page,
        "entries": selectors.with_diffs(list(page)),
        "section": section,
        "sections": SectionKey.choices,
        "as_of_form": AsOfForm(),
        "query": f"del={section}" if section else "",
    }
    return render(request, "housing/history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, number: str, slug: str) -> HttpResponse:
    key = _section_key(slug)
    if key not in SERVICE_FACTS:
        raise Http404
    municipality = get_municipality(request.user, number, Perm.EDIT)
    section = ProfileSection.objects.filter(municipality=municipality, key=key).first()
    form = FactsForm(request.POST or None, key=key, data_initial=section.data if section else {})
    if request.method == "POST" and form.is_valid():
        services.section_update(
            actor=request.user, municipality=municipality, key=key, data=form.cleaned_data
        )
        messages.success(
            request, _("%(section)s: saved and confirmed.") % {"section": section_label(key)}
        )
        return redirect(_profile_url(municipality, key))
    return render(
        request,
        "housing/section_form.html",
        {
            **_base_context(request, municipality),
            "form": form,
            "key": key,
            "title": section_label(key),
            "status": selectors.section_statuses(municipality)[key],
        },
    )


@login_required
@require_POST
def section_confirm(request: HttpRequest, number: str, slug: str) -> HttpResponse:
    key = _section_key(slug)
    municipality = get_municipality(request.user, number, Perm.EDIT)
    services.section_confirm(actor=request.user, municipality=municipality, key=key)
    messages.success(
        request, _("%(section)s: confirmed as still correct.") % {"section": section_label(key)}
    )
    return redirect(_profile_url(municipality, key))


def _labels(keys: list[str]) -> str:
    return ", ".join(section_label(key) for key in keys)


@login_required
@require_http_methods(["GET", "POST"])
def profile_confirm_all(request: HttpRequest, number: str) -> HttpResponse:
    """Confirm everything that is still correct: first the list of what that confirms (every
    part with something filled in, with when it was last confirmed), then the confirmation."""
    municipality = get_municipality(request.user, number, Perm.EDIT)
    profile_view = selectors.current_profile(municipality)
    form = ConfirmAllForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.sections_confirm_all(
            actor=request.user, municipality=municipality, seen=form.cleaned_data["seen"]
        )
        if result.confirmed:
            messages.success(
                request,
                ngettext(
                    "%(n)s part confirmed as still correct: %(parts)s.",
                    "%(n)s parts confirmed as still correct: %(parts)s.",
                    len(result.confirmed),
                )
                % {"n": len(result.confirmed), "parts": _labels(result.confirmed)},
            )
        if result.changed:
            messages.warning(
                request,
                _(
                    "Not confirmed, because it was changed after the list was shown: "
                    "%(parts)s. Look at it and confirm it on its own."
                )
                % {"parts": _labels(result.changed)},
            )
        if result.emptied:
            messages.warning(
                request,
                _("Not confirmed, because nothing is filled in any more: %(parts)s.")
                % {"parts": _labels(result.emptied)},
            )
        if result.already:
            messages.info(
                request,
                _("Already confirmed after the list was shown: %(parts)s.")
                % {"parts": _labels(result.already)},
            )
        return redirect(_profile_url(municipality))
    ticked = set(form.data.getlist("parts")) if form.is_bound else None
    return render(
        request,
        "housing/confirm_all.html",
        {
            **_base_context(request, municipality),
            "form": form,
            "filled": profile_view.filled,
            "empty": [s for s in profile_view.sections if s.empty],
            "ticked": ticked,
        },
    )


# --- housing lines ---------------------------------------------------------------------


@login_required
def housing_lines(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.VIEW)
    profile_view = selectors.current_profile(municipality)
    return render(
        request,
        "housing/housing_lines.html",
        {
            **_base_context(request, municipality),
            "section": profile_view.section(SectionKey.HOUSING),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def housing_line_form(request: HttpRequest, number: str, pk: int | None = None) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.EDIT)
    line = get_object_or_404(HousingLine, pk=pk, municipality=municipality) if pk else None
    form = HousingLineForm(request.POST or None, instance=line)
    if request.method == "POST" and form.is_valid():
        services.housing_line_save(
            actor=request.user, municipality=municipality, line=line, **form.cleaned_data
        )
        messages.success(request, _("The housing line is saved."))
        return redirect("housing:lines", number=municipality.number)
    return render(
        request,
        "housing/row_form.html",
        {
            **_base_context(request, municipality),
            "form": form,
            "object": line,
            "title": _("Change housing line") if line else _("New housing line"),
            "back": reverse("housing:lines", args=[municipality.number]),
            "delete_url": reverse("housing:line_delete", args=[municipality.number, line.pk])
            if line
            else "",
        },
    )


@login_required
@require_POST
def housing_line_delete(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.EDIT)
    line = get_object_or_404(HousingLine, pk=pk, municipality=municipality)
    services.housing_line_delete(actor=request.user, line=line)
    messages.success(request, _("The housing line is deleted."))
    return redirect("housing:lines", number=municipality.number)


@login_required
@require_http_methods(["GET", "POST"])
def housing_vacancies(request: HttpRequest, number: str) -> HttpResponse:
    """Update the vacancies of many lines in one go (a hundred lines per page)."""
    municipality = get_municipality(request.user, number, Perm.EDIT)
    page = Paginator(selectors.housing_lines(municipality), VACANCY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    forms = [VacancyForm(request.POST or None, line=line) for line in page]
    if request.method == "POST" and all(f.is_valid() for f in forms):
        try:
            changed = services.housing_vacancies_update(
                actor=request.user,
                municipality=municipality,
                updates={f.line.pk: f.cleaned_data for f in forms},
            )
        except ValidationError as exc:  # a line changed by someone else meanwhile
            messages.error(request, " ".join(exc.messages))
        else:
            if changed:
                messages.success(
                    request, _("Vacancies saved for %(n)s housing lines.") % {"n": changed}
                )
            else:
                messages.success(request, _("No changes; the housing is confirmed as correct."))
            return redirect(f"{request.path}?page={page.number}")
    return render(
        request,
        "housing/vacancies.html",
        {**_base_context(request, municipality), "page": page, "forms": forms},
    )


@login_required
@require_http_methods(["GET", "POST"])
def housing_upload(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.EDIT)
    form = HousingUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = services.housing_lines_upload(
            actor=request.user,
            municipality=municipality,
            content=upload.read(),
            filename=upload.name[:150],
            dry_run=form.cleaned_data["dry_run"],
        )
        if report.ok and not report.dry_run:
            messages.success(
                request,
                _(
                    "The housing lines are replaced: %(lines)s lines with %(units)s dwellings (before: %(before)s lines)."
                )
                % {"lines": report.lines, "units": report.units, "before": report.replaced},
            )
            return redirect("housing:lines", number=municipality.number)
    return render(
        request,
        "housing/upload.html",
        {
            **_base_context(request, municipality),
            "form": form,
            "report": report,
            "guide": files.column_guide(),
        },
    )


def _file_response(content: bytes, filename: str, fmt: str) -> HttpResponse:
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "text/csv; charset=utf-8"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _format(request: HttpRequest) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


@login_required
def housing_download(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.VIEW)
    rows = services.housing_rows_for_file(municipality)
    fmt = _format(request)
    content = files.to_xlsx(rows) if fmt == "xlsx" else files.to_csv(rows)
    day = timezone.localdate().isoformat()
    return _file_response(content, f"boliger-{municipality.number}-{day}", fmt)


@login_required
def housing_template(request: HttpRequest, number: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.VIEW)
    fmt = _format(request)
    content = (
        files.to_xlsx(files.TEMPLATE_EXAMPLE, with_guide=True)
        if fmt == "xlsx"
        else files.to_csv(files.TEMPLATE_EXAMPLE)
    )
    return _file_response(content, f"boliger-mal-{municipality.number}", fmt)


# --- staffed housing and contact persons -----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def staffed_housing_form(request: HttpRequest, number: str, pk: int | None = None) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.EDIT)
    home = get_object_or_404(StaffedHousing, pk=pk, municipality=municipality) if pk else None
    form = StaffedHousingForm(request.POST or None, instance=home)
    if request.method == "POST" and form.is_valid():
        services.staffed_housing_save(
            actor=request.user, municipality=municipality, home=home, **form.cleaned_data
        )
        messages.success(request, _("The staffed housing is saved."))
        return redirect(_profile_url(municipality, SectionKey.STAFFED_HOUSING))
    return render(
        request,
        "housing/row_form.html",
        {
            **_base_context(request, municipality),
            "form": form,
            "object": home,
            "title": _("Change staffed housing") if home else _("New staffed housing"),
            "back": _profile_url(municipality, SectionKey.STAFFED_HOUSING),
            "delete_url": reverse(
                "housing:staffed_housing_delete", args=[municipality.number, home.pk]
            )
            if home
            else "",
        },
    )


@login_required
@require_POST
def staffed_housing_delete(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.EDIT)
    home = get_object_or_404(StaffedHousing, pk=pk, municipality=municipality)
    services.staffed_housing_delete(actor=request.user, home=home)
    messages.success(request, _("The staffed housing is deleted."))
    return redirect(_profile_url(municipality, SectionKey.STAFFED_HOUSING))


@login_required
@require_http_methods(["GET", "POST"])
def contact_form(request: HttpRequest, number: str, pk: int | None = None) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.EDIT)
    contact = get_object_or_404(ContactPerson, pk=pk, municipality=municipality) if pk else None
    form = ContactPersonForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        services.contact_person_save(
            actor=request.user, municipality=municipality, contact=contact, **form.cleaned_data
        )
        messages.success(request, _("The contact person is saved."))
        return redirect(_profile_url(municipality, SectionKey.CONTACTS))
    return render(
        request,
        "housing/row_form.html",
        {
            **_base_context(request, municipality),
            "form": form,
            "object": contact,
            "title": _("Change contact person") if contact else _("New contact person"),
            "back": _profile_url(municipality, SectionKey.CONTACTS),
            "delete_url": reverse("housing:contact_delete", args=[municipality.number, contact.pk])
            if contact
            else "",
        },
    )


@login_required
@require_POST
def contact_delete(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.EDIT)
    contact = get_object_or_404(ContactPerson, pk=pk, municipality=municipality)
    services.contact_person_delete(actor=request.user, contact=contact)
    messages.success(request, _("The contact person is deleted."))
    return redirect(_profile_url(municipality, SectionKey.CONTACTS))


# --- the directorate -------------------------------------------------------------------


def _search(request: HttpRequest) -> tuple[SettlementSearchForm, search.SearchResult]:
    form = SettlementSearchForm(request.GET or None)
    return form, search.settlement_search(user=request.user, criteria=form.criteria())


@login_required
def settlement_search(request: HttpRequest) -> HttpResponse:
    require_directorate(request.user)
    form, result = _search(request)
    page = Paginator(result.rows, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "housing/search.html",
        {
            "form": form,
            "result": result,
            "page": page,
            "query": query.urlencode(),
            "searched": bool(request.GET) and form.is_valid(),
        },
    )


@login_required
def settlement_search_export(request: HttpRequest) -> HttpResponse:
    require_directorate(request.user)
    _form, result = _search(request)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    header = [
        _("Number"),
        _("Municipality"),
        _("Region"),
        _("Meets every need"),
        _("Needs met"),
        _("Needs"),
    ]
    for need in result.needs:
        header += [need.label, f"{need.label} – {_('last confirmed')}"]
    header += [
        _("Year"),
        _("Decided"),
        _("Settled"),
        _("Remaining"),
        _("Sections needing confirmation"),
        _("Contact person"),
        _("Role"),
        _("E-mail"),
        _("Phone"),
        _("Profile"),
    ]
    writer.writerow([files.safe_cell(h) for h in header])
    base = request.build_absolute_uri("/").rstrip("/")
    for row in result.rows:
        cells: list = [
            row.municipality.number,
            row.municipality.name,
            row.municipality.region.name,
            _("yes") if row.full else _("no"),
            row.met,
            row.total,
        ]
        for checked in row.needs:
            cells += [
                (_("yes") if checked.met else _("no")) + f" – {checked.detail}",
                date_format(timezone.localtime(checked.confirmed_at), "Y-m-d")
                if checked.confirmed_at
                else (_("never") if checked.need.section else ""),
            ]
        contact = row.contact or {}
        cells += [
            row.figures_year or "",
            "" if row.decided is None else row.decided,
            "" if row.settled is None else row.settled,
            "" if row.remaining is None else row.remaining,
            row.stale_count,
            contact.get("name", ""),
            contact.get("role", ""),
            contact.get("email", ""),
            contact.get("phone", ""),
            base + reverse("housing:profile", args=[row.municipality.number]),
        ]
        writer.writerow([files.safe_cell(c) for c in cells])
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="bosetting-sok-{day}.csv"'
    return response


@login_required
def profile_freshness(request: HttpRequest) -> HttpResponse:
    """The directorate's overview: which organisations have sections that need confirming."""
    require_directorate(request.user)
    form = FreshnessFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    region = filters.get("region", "")
    rows = selectors.freshness_overview(
        user=request.user, region=region, only_stale=bool(filters.get("only_stale"))
    )
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "housing/freshness.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "stale_total": sum(1 for r in rows if r.stale),
            "total": len(rows),
            "sections": selectors.SECTION_ORDER,
        },
    )
