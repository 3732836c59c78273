"""The directorate's survey pages: editions, upload, status, preview, settlement categories."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.access import require_directorate
from portal.accounts.models import DirectorateRole
from portal.municipalities.models import Municipality
from surveys.editions import services
from surveys.editions.definition import DefinitionError, to_yaml
from surveys.editions.forms import CategoryForm, DefinitionUploadForm, EditionSettingsForm
from surveys.followup.services import edition_launch
from surveys.models import Response, SettlementCategoryOverride, SurveyEdition
from surveys.respondent import selectors
from surveys.respondent.presenters import question_view
from surveys.respondent.routing import attributes_match, visible_questions


@login_required
@require_http_methods(["GET", "POST"])
def edition_list(request: HttpRequest) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    form = DefinitionUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            edition = services.edition_import(
                actor=request.user, content=upload.read(), source=f"upload: {upload.name}"[:200]
            )
        except DefinitionError as exc:
            errors = exc.errors
        else:
            messages.success(
                request, _("The %(year)s edition was saved as a draft.") % {"year": edition.year}
            )
            return redirect("surveys:edition_detail", year=edition.year)
    editions = SurveyEdition.objects.annotate(
        started=Count("responses", distinct=True),
        submitted=Count(
            "responses", filter=Q(responses__status__in=["submitted", "approved"]), distinct=True
        ),
    ).order_by("-year")
    return render(
        request,
        "surveys/directorate/editions.html",
        {"editions": editions, "form": form, "errors": errors},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edition_detail(request: HttpRequest, year: int) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    edition = selectors.edition_by_year(year)
    if edition is None:
        raise Http404
    category_form = CategoryForm(request.POST if "number" in request.POST else None)
    if request.method == "POST":
        if "status" in request.POST:
            status = request.POST["status"]
            if status not in SurveyEdition.Status.values:
                messages.error(request, _("Unknown status."))
            elif status == SurveyEdition.Status.OPEN:
                announced = edition_launch(actor=request.user, edition=edition)
                messages.success(
                    request,
                    _("The edition is open. Launch e-mails on their way: %(count)s.")
                    % {"count": announced},
                )
            else:
                services.edition_set_status(actor=request.user, edition=edition, status=status)
                messages.success(
                    request,
                    _("The edition is now: %(status)s.") % {"status": edition.get_status_display()},
                )
            return redirect("surveys:edition_detail", year=year)
        if "reminder_days" in request.POST:
            settings_form = EditionSettingsForm(request.POST)
            if settings_form.is_valid():
                try:
                    services.edition_settings_update(
                        actor=request.user, edition=edition, **settings_form.cleaned_data
                    )
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, _("Saved."))
                    return redirect("surveys:edition_detail", year=year)
            else:
                messages.error(
                    request,
                    " ".join(str(e) for errors in settings_form.errors.values() for e in errors),
                )
            return redirect("surveys:edition_detail", year=year)
        if category_form.is_valid():
            municipality = Municipality.objects.filter(
                number=category_form.cleaned_data["number"].strip(), valid_to__isnull=True
            ).first()
            if municipality is None:
                category_form.add_error(
                    "number", _("No current municipality or city district has this number.")
                )
            else:
                services.settlement_category_override(
                    actor=request.user,
                    municipality=municipality,
                    year=year,
                    category=category_form.cleaned_data["category"] or None,
                    reason=category_form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    _("The settlement category of %(name)s was saved.")
                    % {"name": municipality.name},
                )
                return redirect("surveys:edition_detail", year=year)
    settings_form = EditionSettingsForm(
        initial={
            "deadline": edition.deadline,
            "reminder_days": ", ".join(str(d) for d in edition.reminder_days),
            "reminders_before_head": edition.reminders_before_head,
        }
    )
    sections = edition.sections.prefetch_related("questions").order_by("position")
    overrides = SettlementCategoryOverride.objects.filter(year=year).select_related(
        "municipality", "set_by"
    )
    return render(
        request,
        "surveys/directorate/edition.html",
        {
            "edition": edition,
            "sections": sections,
            "overrides": overrides,
            "category_form": category_form,
            "settings_form": settings_form,
            "response_count": Response.objects.filter(edition=edition).count(),
        },
    )


@login_required
def edition_export(request: HttpRequest, year: int) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    edition = selectors.edition_by_year(year)
    if edition is None:
        raise Http404
    reply = HttpResponse(
        to_yaml(edition.definition), content_type="application/yaml; charset=utf-8"
    )
    reply["Content-Disposition"] = f'attachment; filename="survey-{year}.yaml"'
    return reply


@login_required
def edition_preview(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """The edition as one organisation would see it: its routing, its key figures."""
    require_directorate(request.user, DirectorateRole.ADMIN)
    edition = selectors.edition_by_year(year)
    municipality = (
        Municipality.objects.select_related("region", "county")
        .filter(number=number, valid_to__isnull=True)
        .first()
    )
    if edition is None or municipality is None:
        raise Http404
    state = selectors.survey_state(edition, municipality, response=None)
    state.answers = {}

    # A preview starts from no answers: questions that follow an answer are listed as such.
    state.visible_sections, state.visible = visible_questions(
        state.sections, state.questions, state.org, {}
    )
    blocks = []
    for section in state.sections:
        shown = section.key in state.visible_sections
        blocks.append(
            {
                "section": section,
                "shown": shown,
                "questions": [
                    (question_view(q, state), _preview_visibility(q, state))
                    for q in state.questions
                    if q.section_id == section.pk
                ],
            }
        )
    return render(
        request,
        "surveys/directorate/preview.html",
        {"edition": edition, "municipality": municipality, "state": state, "blocks": blocks},
    )


def _preview_visibility(question, state) -> str:
    """'shown', 'after_answer' (its attributes match; it waits for an answer) or 'hidden'."""
    if question.key in state.visible:
        return "shown"
    rules = question.show_if or {}
    if rules.get("answers") and attributes_match(rules, state.org):
        return "after_answer"
    return "hidden"


@login_required
@require_POST
def edition_preview_pick(request: HttpRequest, year: int) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    number = request.POST.get("number", "").strip()
    if not Municipality.objects.filter(number=number, valid_to__isnull=True).exists():
        messages.error(request, _("No current municipality or city district has this number."))
        return redirect("surveys:edition_detail", year=year)
    return redirect("surveys:edition_preview", year=year, number=number)
