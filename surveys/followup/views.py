"""The directorate's follow-up pages: dashboard, representativeness, one organisation's review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.access import Perm, get_municipality, require_directorate
from portal.accounts.models import DirectorateRole
from surveys.followup import services, status
from surveys.followup.forms import STATUS_LABELS, DashboardFilter, ExtensionForm, NoteForm
from surveys.models import FollowUp, Question, Response, SettlementCategory, SurveyEdition
from surveys.respondent import selectors
from surveys.respondent.presenters import question_view

DIRECTORATE_FOLLOW_UP = (DirectorateRole.ADMIN, DirectorateRole.REGIONAL_ADVISER)


def _edition(year: int) -> SurveyEdition:
    edition = selectors.edition_by_year(year)
    if edition is None or edition.status == SurveyEdition.Status.DRAFT:
        raise Http404
    return edition


@login_required
@require_http_methods(["GET", "POST"])
def edition_dashboard(request: HttpRequest, year: int) -> HttpResponse:
    require_directorate(request.user, *DIRECTORATE_FOLLOW_UP)
    edition = _edition(year)
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
    if request.method == "POST":
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
        return redirect(f"{request.path}?{request.GET.urlencode()}")
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


@login_required
@require_http_methods(["GET", "POST"])
def organisation_follow_up(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """One organisation: its answers to review and comment, its follow-up log, its deadline."""
    require_directorate(request.user, *DIRECTORATE_FOLLOW_UP)
    municipality = get_municipality(request.user, number, Perm.FOLLOW_UP)
    edition = _edition(year)
    response = Response.objects.filter(edition=edition, municipality=municipality).first()
    note_form = NoteForm(request.POST if request.POST.get("action") == "note" else None)
    extension_form = ExtensionForm(request.POST if request.POST.get("action") == "extend" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "note" and note_form.is_valid():
                services.follow_up_note(
                    actor=request.user,
                    edition=edition,
                    municipality=municipality,
                    **note_form.cleaned_data,
                )
                messages.success(request, _("Added to the follow-up log."))
            elif action == "extend" and extension_form.is_valid():
                services.deadline_extend(
                    actor=request.user,
                    edition=edition,
                    municipality=municipality,
                    deadline=extension_form.cleaned_data["deadline"],
                    reason=extension_form.cleaned_data["reason"],
                )
                messages.success(request, _("The deadline was extended."))
            elif action == "remind":
                sent = services.reminders_send_now(
                    actor=request.user, edition=edition, municipalities=[municipality]
                )
                messages.success(request, _("Reminders on their way: %(count)s.") % {"count": sent})
            elif action in ("comment", "return", "approve"):
                if response is None:
                    raise ValidationError(_("The organisation has not answered yet."))
                if action == "comment":
                    question = None
                    if request.POST.get("question"):
                        question = Question.objects.filter(
                            edition=edition, pk=request.POST["question"]
                        ).first()
                        if question is None:
                            raise ValidationError(_("The question is not in this survey."))
                    services.review_comment_add(
                        actor=request.user,
                        response=response,
                        question=question,
                        text=request.POST.get("text", ""),
                    )
                    messages.success(request, _("The comment was saved."))
                elif action == "return":
                    services.response_return(
                        actor=request.user, response=response, message=request.POST.get("text", "")
                    )
                    messages.success(
                        request,
                        _(
                            "The answers were returned for correction; the municipality has been told."
                        ),
                    )
                else:
                    services.response_approve(actor=request.user, response=response)
                    messages.success(request, _("The answers were approved."))
            else:
                raise ValidationError(_("Check the form and try again."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return redirect("surveys:organisation_follow_up", year=year, number=number)
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
            "note_form": note_form,
            "extension_form": extension_form,
            "deadline": status.effective_deadline(edition, municipality),
            "general_comments": list(state.comments.get(None, [])),
        },
    )
