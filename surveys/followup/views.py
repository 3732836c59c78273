"""The directorate's follow-up pages: dashboard, representativeness, one organisation's review."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.access import Perm, get_municipality, require_directorate
from portal.accounts.models import DirectorateRole
from portal.municipalities.models import Municipality
from surveys.followup import services, status
from surveys.followup.forms import (
    STATUS_LABELS,
    DashboardFilter,
    ExtensionForm,
    NoteForm,
    ReviewCommentForm,
)
from surveys.followup.status import Dashboard
from surveys.models import FollowUp, Question, Response, SettlementCategory, SurveyEdition
from surveys.respondent import selectors
from surveys.respondent.presenters import question_view

DIRECTORATE_FOLLOW_UP = (DirectorateRole.ADMIN, DirectorateRole.REGIONAL_ADVISER)


def _edition(year: int) -> SurveyEdition:
    edition = selectors.edition_by_year(year)
    if edition is None or edition.status == SurveyEdition.Status.DRAFT:
        raise Http404
    return edition


def _dashboard(request: HttpRequest, edition: SurveyEdition) -> tuple[DashboardFilter, Dashboard]:
    """The dashboard's filter (from the query string) and the organisations it lists."""
    form = DashboardFilter(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    board = status.edition_dashboard(
        user=request.user,
        edition=edition,
        region=filters.get("region", ""),
        county=filters.get("county", ""),
        category=filters.get("category", ""),
        status=filters.get("status", ""),
        sort=filters.get("sort") or "number",
    )
    return form, board


@login_required
@require_GET
def edition_dashboard(request: HttpRequest, year: int) -> HttpResponse:
    require_directorate(request.user, *DIRECTORATE_FOLLOW_UP)
    edition = _edition(year)
    form, board = _dashboard(request, edition)
    return render(
        request,
        "surveys/followup/dashboard.html",
        {
            "edition": edition,
            "board": board,
            "form": form,
            "status_labels": STATUS_LABELS,
            "category_labels": dict(SettlementCategory.choices),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def edition_remind(request: HttpRequest, year: int) -> HttpResponse:
    """Reminders now to the chosen organisations of the dashboard's list (its filter is in the
    query string), or to all of them; back to the dashboard as it was filtered."""
    require_directorate(request.user, *DIRECTORATE_FOLLOW_UP)
    edition = _edition(year)
    _form, board = _dashboard(request, edition)
    chosen = set(request.POST.getlist("organisation"))
    targets = [
        r.municipality
        for r in board.rows
        if str(r.municipality.pk) in chosen or request.POST.get("all")
    ]
    if not targets:
        messages.error(request, _("Choose at least one organisation."))
    else:
        try:
            sent = services.reminders_send_now(
                actor=request.user, edition=edition, municipalities=targets
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Reminders on their way: %(count)s.") % {"count": sent})
    dashboard = reverse("surveys:edition_dashboard", args=[year])
    return redirect(f"{dashboard}?{request.GET.urlencode()}")


@login_required
def edition_representativeness(request: HttpRequest, year: int) -> HttpResponse:
    require_directorate(request.user, *DIRECTORATE_FOLLOW_UP)
    edition = _edition(year)
    tables, totals = status.representativeness(user=request.user, edition=edition)
    titles = {
        "population": _("Population"),
        "centrality": _("Centrality class"),
        "immigrant_share": _("Immigrant share"),
        "years_with_settlement": _("Years with settlement, the last five years"),
    }
    return render(
        request,
        "surveys/followup/representativeness.html",
        {"edition": edition, "tables": [(titles[t.title], t) for t in tables], "totals": totals},
    )


@dataclass(frozen=True)
class _Organisation:
    """One organisation's part of an edition, as the follow-up pages load it."""

    edition: SurveyEdition
    municipality: Municipality
    response: Response | None


def _organisation(request: HttpRequest, year: int, number: str) -> _Organisation:
    """The organisation, if the user follows it up (403 or 404 otherwise), and its answers."""
    require_directorate(request.user, *DIRECTORATE_FOLLOW_UP)
    municipality = get_municipality(request.user, number, Perm.FOLLOW_UP)
    edition = _edition(year)
    response = Response.objects.filter(edition=edition, municipality=municipality).first()
    return _Organisation(edition, municipality, response)


def _answered(organisation: _Organisation) -> Response:
    if organisation.response is None:
        raise ValidationError(_("The organisation has not answered yet."))
    return organisation.response


def _organisation_page(
    request: HttpRequest,
    organisation: _Organisation,
    *,
    note_form: NoteForm | None = None,
    extension_form: ExtensionForm | None = None,
) -> HttpResponse:
    edition, municipality = organisation.edition, organisation.municipality
    response = organisation.response
    state = selectors.survey_state(edition, municipality, response=response)
    blocks = []
    for section in state.sections:
        if section.key in state.visible_sections:
            blocks.append(
                {
                    "section": section,
                    "questions": [question_view(q, state) for q in state.questions_in(section)],
                }
            )
    answered, total = state.total_progress()
    log = FollowUp.objects.filter(edition=edition, municipality=municipality).select_related("by")
    return render(
        request,
        "surveys/followup/organisation.html",
        {
            "edition": edition,
            "municipality": municipality,
            "response": response,
            "state": state,
            "blocks": blocks,
            "answered": answered,
            "total": total,
            "log": log,
            "note_form": NoteForm() if note_form is None else note_form,
            "extension_form": ExtensionForm() if extension_form is None else extension_form,
            "deadline": status.effective_deadline(edition, municipality),
            "general_comments": list(state.comments.get(None, [])),
        },
    )


def _refused(
    request: HttpRequest, organisation: _Organisation, error: ValidationError, **forms
) -> HttpResponse:
    """The organisation's page again, with why the action was refused (and its form's errors)."""
    messages.error(request, " ".join(error.messages))
    return _organisation_page(request, organisation, **forms)


def _done(request: HttpRequest, organisation: _Organisation, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(
        "surveys:organisation_follow_up",
        year=organisation.edition.year,
        number=organisation.municipality.number,
    )


@login_required
@require_GET
def organisation_follow_up(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """One organisation: its answers to review and comment, its follow-up log, its deadline."""
    return _organisation_page(request, _organisation(request, year, number))


@login_required
@require_POST
def follow_up_note(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """A phone call or a note in the organisation's follow-up log."""
    organisation = _organisation(request, year, number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            organisation,
            ValidationError(_("Check the form and try again.")),
            note_form=form,
        )
    try:
        services.follow_up_note(
            actor=request.user,
            edition=organisation.edition,
            municipality=organisation.municipality,
            **form.cleaned_data,
        )
    except ValidationError as exc:
        return _refused(request, organisation, exc, note_form=form)
    return _done(request, organisation, _("Added to the follow-up log."))


@login_required
@require_POST
def follow_up_extend(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """A later deadline for this organisation."""
    organisation = _organisation(request, year, number)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            organisation,
            ValidationError(_("Check the form and try again.")),
            extension_form=form,
        )
    try:
        services.deadline_extend(
            actor=request.user,
            edition=organisation.edition,
            municipality=organisation.municipality,
            deadline=form.cleaned_data["deadline"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        return _refused(request, organisation, exc, extension_form=form)
    return _done(request, organisation, _("The deadline was extended."))


@login_required
@require_POST
def follow_up_remind(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """A reminder to this organisation, now."""
    organisation = _organisation(request, year, number)
    try:
        sent = services.reminders_send_now(
            actor=request.user,
            edition=organisation.edition,
            municipalities=[organisation.municipality],
        )
    except ValidationError as exc:
        return _refused(request, organisation, exc)
    return _done(request, organisation, _("Reminders on their way: %(count)s.") % {"count": sent})


@login_required
@require_POST
def review_comment(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """A comment on one answer, or on the answers as a whole."""
    organisation = _organisation(request, year, number)
    try:
        response = _answered(organisation)
        form = ReviewCommentForm(request.POST)
        if not form.is_valid():  # a question that is not a number
            raise ValidationError(_("The question is not in this survey."))
        question = None
        if form.cleaned_data["question"] is not None:
            question = Question.objects.filter(
                edition=organisation.edition, pk=form.cleaned_data["question"]
            ).first()
            if question is None:
                raise ValidationError(_("The question is not in this survey."))
        services.review_comment_add(
            actor=request.user,
            response=response,
            question=question,
            text=form.cleaned_data["text"],
        )
    except ValidationError as exc:
        return _refused(request, organisation, exc)
    return _done(request, organisation, _("The comment was saved."))


@login_required
@require_POST
def response_return(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """The answers back to the organisation for correction, with an optional message."""
    organisation = _organisation(request, year, number)
    try:
        services.response_return(
            actor=request.user,
            response=_answered(organisation),
            message=request.POST.get("text", ""),
        )
    except ValidationError as exc:
        return _refused(request, organisation, exc)
    return _done(
        request,
        organisation,
        _("The answers were returned for correction; the municipality has been told."),
    )


@login_required
@require_POST
def response_approve(request: HttpRequest, year: int, number: str) -> HttpResponse:
    organisation = _organisation(request, year, number)
    try:
        services.response_approve(actor=request.user, response=_answered(organisation))
    except ValidationError as exc:
        return _refused(request, organisation, exc)
    return _done(request, organisation, _("The answers were approved."))
