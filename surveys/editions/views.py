"""The directorate's survey pages: editions, upload, status, preview, settlement categories."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.access import require_directorate
from portal.accounts.models import DirectorateRole
from portal.municipalities.models import Municipality, Region
from surveys.editions import services
from surveys.editions.definition import DefinitionError, questions_by_key, to_yaml
from surveys.editions.forms import (
    CategoryForm,
    DefinitionUploadForm,
    EditionSettingsForm,
    PreviewPickForm,
)
from surveys.editions.rule_words import conditions
from surveys.editions.workbook import (
    XLSX_CONTENT_TYPE,
    WorkbookError,
    definition_to_workbook,
    is_workbook,
)
from surveys.models import Response, SettlementCategory, SettlementCategoryOverride, SurveyEdition
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
        content = upload.read()
        source = f"upload: {upload.name}"[:200]
        try:
            if is_workbook(content, upload.name):  # by its bytes, or an Excel file's name
                edition = services.edition_import_workbook(
                    actor=request.user, content=content, source=source
                )
            else:
                edition = services.edition_import(
                    actor=request.user, content=content, source=source
                )
        except (DefinitionError, WorkbookError) as exc:
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


def edition_for_admin(request: HttpRequest, year: int) -> SurveyEdition:
    """The edition of this year, drafts too, for IMDi's administrators (403 for others)."""
    require_directorate(request.user, DirectorateRole.ADMIN)
    edition = selectors.edition_by_year(year)
    if edition is None:
        raise Http404
    return edition


def _edition_page(
    request: HttpRequest, edition: SurveyEdition, *, category_form: CategoryForm | None = None
) -> HttpResponse:
    settings_form = EditionSettingsForm(
        initial={
            "deadline": edition.deadline,
            "reminder_days": ", ".join(str(d) for d in edition.reminder_days),
            "reminders_before_head": edition.reminders_before_head,
        }
    )
    sections = edition.sections.prefetch_related("questions").order_by("position")
    overrides = SettlementCategoryOverride.objects.filter(year=edition.year).select_related(
        "municipality", "set_by"
    )
    return render(
        request,
        "surveys/directorate/edition.html",
        {
            "edition": edition,
            "sections": sections,
            "overrides": overrides,
            "category_form": CategoryForm() if category_form is None else category_form,
            "settings_form": settings_form,
            "response_count": Response.objects.filter(edition=edition).count(),
            "preview_form": _preview_form(),
            "next_edition": SurveyEdition.objects.filter(year=edition.year + 1).first(),
        },
    )


def _preview_form(data=None, *, initial_number: str = "") -> PreviewPickForm:
    """The organisation picker of the preview: every current municipality and city district."""
    organisations = Municipality.objects.filter(valid_to__isnull=True).select_related("county")
    return PreviewPickForm(
        data, organisations=organisations, initial={"organisation": initial_number}
    )


@login_required
@require_GET
def edition_detail(request: HttpRequest, year: int) -> HttpResponse:
    return _edition_page(request, edition_for_admin(request, year))


@login_required
@require_POST
def edition_status(request: HttpRequest, year: int) -> HttpResponse:
    """Open (and on the first time announce), close, or back to draft."""
    edition = edition_for_admin(request, year)
    status = request.POST.get("status", "")
    if status not in SurveyEdition.Status.values:
        messages.error(request, _("Unknown status."))
    elif status == SurveyEdition.Status.OPEN:
        announced = services.edition_launch(actor=request.user, edition=edition)
        messages.success(
            request,
            _("The edition is open. Launch e-mails on their way: %(count)s.")
            % {"count": announced},
        )
    else:
        services.edition_set_status(actor=request.user, edition=edition, status=status)
        messages.success(
            request, _("The edition is now: %(status)s.") % {"status": edition.get_status_display()}
        )
    return redirect("surveys:edition_detail", year=year)


@login_required
@require_POST
def edition_settings(request: HttpRequest, year: int) -> HttpResponse:
    """The deadline and the automatic reminders."""
    edition = edition_for_admin(request, year)
    form = EditionSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.edition_settings_update(
                actor=request.user, edition=edition, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("surveys:edition_detail", year=year)


@login_required
@require_POST
def settlement_category_override(request: HttpRequest, year: int) -> HttpResponse:
    """One organisation's settlement category this year, set by hand (or back to computed)."""
    edition = edition_for_admin(request, year)
    form = CategoryForm(request.POST)
    if form.is_valid():
        municipality = Municipality.objects.filter(
            number=form.cleaned_data["number"].strip(), valid_to__isnull=True
        ).first()
        if municipality is None:
            form.add_error("number", _("No current municipality or city district has this number."))
        else:
            services.settlement_category_override(
                actor=request.user,
                municipality=municipality,
                year=year,
                category=form.cleaned_data["category"] or None,
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("The settlement category of %(name)s was saved.") % {"name": municipality.name},
            )
            return redirect("surveys:edition_detail", year=year)
    return _edition_page(request, edition, category_form=form)


@login_required
def edition_export(request: HttpRequest, year: int) -> HttpResponse:
    edition = edition_for_admin(request, year)
    reply = HttpResponse(
        to_yaml(edition.definition), content_type="application/yaml; charset=utf-8"
    )
    reply["Content-Disposition"] = f'attachment; filename="survey-{year}.yaml"'
    return reply


@login_required
@require_GET
def edition_export_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    """The definition as an Excel workbook (surveys.editions.workbook) to edit and upload again."""
    edition = edition_for_admin(request, year)
    try:
        content = definition_to_workbook(edition.definition)
    except WorkbookError as exc:
        messages.error(
            request,
            _("The definition cannot be written as an Excel workbook: %(problems)s")
            % {"problems": " ".join(exc.errors)},
        )
        return redirect("surveys:edition_detail", year=year)
    reply = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="survey-{year}.xlsx"'
    return reply


def preview_organisation(number: str) -> Municipality:
    """The current municipality or city district with this number, for a preview (or 404)."""
    municipality = (
        Municipality.objects.select_related("region", "county")
        .filter(number=number, valid_to__isnull=True)
        .first()
    )
    if municipality is None:
        raise Http404
    return municipality


@login_required
def edition_preview(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """The edition as one organisation would see it: its routing, its key figures."""
    edition = edition_for_admin(request, year)
    municipality = preview_organisation(number)
    state = selectors.survey_state(edition, municipality, response=None)
    state.answers = {}

    # A preview starts from no answers: questions that follow an answer are listed as such.
    state.visible_sections, state.visible = visible_questions(
        state.sections, state.questions, state.org, {}
    )
    regions = dict(Region.objects.values_list("code", "name"))
    definitions = questions_by_key(edition.definition)

    def rule(holder) -> list:
        return conditions(holder.show_if, definitions, regions=regions, org=state.org)

    # Which of the organisation's attributes hid something: sections, and questions of shown ones.
    hidden_by = dict.fromkeys(("settlement_category", "kind", "region"), 0)
    blocks = []
    for section in state.sections:
        shown = section.key in state.visible_sections
        section_rule = rule(section)
        questions = []
        for q in state.questions:
            if q.section_id != section.pk:
                continue
            question_rule = rule(q)
            questions.append(
                (question_view(q, state), _preview_visibility(q, state), question_rule)
            )
            if shown:
                for condition in question_rule:
                    if condition.holds is False:
                        hidden_by[condition.attribute] += 1
        for condition in section_rule:
            if condition.holds is False:
                hidden_by[condition.attribute] += len(questions)
        blocks.append(
            {"section": section, "shown": shown, "rule": section_rule, "questions": questions}
        )
    return render(
        request,
        "surveys/directorate/preview.html",
        {
            "edition": edition,
            "municipality": municipality,
            "state": state,
            "blocks": blocks,
            "category": SettlementCategory(state.org.settlement_category).label,
            "hidden_by": hidden_by,
            "preview_form": _preview_form(initial_number=municipality.number),
        },
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
    """The organisation chosen by name or typed by number: on to its preview."""
    require_directorate(request.user, DirectorateRole.ADMIN)
    form = _preview_form(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("surveys:edition_detail", year=year)
    number = form.cleaned_data["municipality"].number
    return redirect("surveys:edition_preview", year=year, number=number)
