from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import throttle
from portal.accounts.access import Perm, get_municipality, perms_for, require_perm
from portal.accounts.models import Membership
from portal.accounts.sessions import login_required_json
from surveys.models import Response, SurveyEdition
from surveys.respondent import questions as qtypes
from surveys.respondent import selectors, services
from surveys.respondent.context import render_text
from surveys.respondent.forms import AssignForm, AutosaveForm, SectionAnswersForm, SubmitForm
from surveys.respondent.pdf import pdf_file_name, render_response_pdf
from surveys.respondent.presenters import question_view


def _edition(year: int, *, include_draft: bool = False) -> SurveyEdition:
    edition = selectors.edition_by_year(year)
    if edition is None or (edition.status == SurveyEdition.Status.DRAFT and not include_draft):
        raise Http404
    return edition


def _load(request: HttpRequest, number: str, year: int, perm: Perm = Perm.SURVEY):
    municipality = get_municipality(request.user, number, perm)
    edition = _edition(year)
    return municipality, edition, selectors.survey_state(edition, municipality)


def _can_edit(request, municipality, edition, state) -> bool:
    return (
        Perm.EDIT in perms_for(request.user, municipality)
        and edition.status == SurveyEdition.Status.OPEN
        and not (state.response and state.response.is_locked)
    )


@login_required
def survey_overview(request: HttpRequest, number: str, year: int) -> HttpResponse:
    municipality, edition, state = _load(request, number, year)
    rows = []
    mine = []
    for section in state.sections:
        if section.key not in state.visible_sections:
            continue
        answered, total = state.progress(section)
        assignment = state.assignments.get(section.pk)
        row = {"section": section, "answered": answered, "total": total, "assignment": assignment}
        (mine if assignment and assignment.assignee_id == request.user.pk else rows).append(row)
    answered, total = state.total_progress()
    can_edit = _can_edit(request, municipality, edition, state)
    colleagues = (
        Membership.objects.filter(municipality=municipality, role__in=["editor", "signatory"])
        .select_related("user")
        .order_by("user__first_name")
    )
    return render(
        request,
        "surveys/overview.html",
        {
            "municipality": municipality,
            "edition": edition,
            "state": state,
            "mine": mine,
            "rows": rows,
            "answered": answered,
            "total": total,
            "percent": answered * 100 // total if total else 0,
            "next_step": selectors.next_step(state, request.user, can_edit=can_edit),
            "can_edit": can_edit,
            "can_submit": Perm.SUBMIT in perms_for(request.user, municipality),
            "colleagues": [m.user for m in colleagues],
            "category": state.org.settlement_category,
            "edition_intro": render_text(edition.intro, state.org.placeholders()),
            "general_comments": state.comments.get(None, []),
        },
    )


def _section_context(request, municipality, edition, state, section, **extra) -> dict[str, Any]:
    last_year = selectors.last_year_answers(edition, municipality)
    can_edit = _can_edit(request, municipality, edition, state)
    views = [
        question_view(q, state, last_year=last_year, **extra)
        for q in state.questions_in(section, visible_only=False)
        if q.key in state.visible or can_edit  # hidden questions are rendered hidden for routing
    ]
    visible_sections = [s for s in state.sections if s.key in state.visible_sections]
    index = next((i for i, s in enumerate(visible_sections) if s.pk == section.pk), 0)
    return {
        "municipality": municipality,
        "edition": edition,
        "state": state,
        "section": section,
        "section_intro": render_text(section.intro, state.org.placeholders()),
        "questions": views,
        "can_edit": can_edit,
        "previous_section": visible_sections[index - 1] if index > 0 else None,
        "next_section": visible_sections[index + 1] if index + 1 < len(visible_sections) else None,
        "sections": [(s, *state.progress(s)) for s in visible_sections],
        "error_count": len(extra.get("errors") or {}) + len(extra.get("conflicts") or {}),
    }


@login_required
@require_http_methods(["GET", "POST"])
def survey_section(request: HttpRequest, number: str, year: int, section_key: str) -> HttpResponse:
    municipality, edition, state = _load(request, number, year)
    section = state.section(section_key)
    if section is None or section.key not in state.visible_sections:
        raise Http404
    if request.method == "POST":
        if not _can_edit(request, municipality, edition, state):
            if Perm.EDIT not in perms_for(request.user, municipality):
                raise PermissionDenied
            messages.error(request, _("The answers can no longer be changed."))
            return redirect("surveys:section", number=number, year=year, section_key=section_key)
        posted = SectionAnswersForm(request.POST, state=state, section=section).posted()
        copy = posted.copy_last_year
        result = services.answers_save(
            actor=request.user,
            edition=edition,
            municipality=municipality,
            answers=posted.answers,
            copy_last_year=copy,
        )
        if result.refused:
            return render(
                request,
                "surveys/refused.html",
                {"message": result.refused, "municipality": municipality, "edition": edition},
                status=400,
            )
        if result.ok:
            if result.warnings:
                messages.warning(
                    request, _("Saved. Some numbers look unusual: confirm or explain them below.")
                )
            else:
                messages.success(request, _("Saved."))
            target = section
            go = posted.go
            fresh = selectors.survey_state(edition, municipality)
            visible = [s for s in fresh.sections if s.key in fresh.visible_sections]
            if go and section in visible and not result.warnings:
                index = visible.index(section) + (1 if go == "next" else -1)
                if 0 <= index < len(visible):
                    target = visible[index]
                elif go == "next":
                    return redirect("surveys:review", number=number, year=year)
            url = reverse("surveys:section", args=[number, year, target.key])
            return redirect(f"{url}#{'q-' + copy if copy and target == section else 'main'}")
        state = selectors.survey_state(edition, municipality)
        context = _section_context(
            request,
            municipality,
            edition,
            state,
            section,
            submitted=result.submitted,
            errors=result.errors,
            conflicts=result.conflicts,
            warnings=result.warnings,
            raw=request.POST,
        )
        context["save_failed"] = True
        return render(request, "surveys/section.html", context, status=200)
    return render(
        request,
        "surveys/section.html",
        _section_context(request, municipality, edition, state, section),
    )


def _refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"status": "refused", "message": message}, status=status)


def _saved(
    result: services.SaveResult,
    key: str,
    *,
    version: int,
    fingerprint: str,
    display: str = "",
    warning: str = "",
) -> JsonResponse:
    """What the page keeps of a save of one question: its version and fingerprint, how it now
    reads, what is shown and the progress."""
    answer = result.answers.get(key)
    question = answer.question if answer else None
    section_answered, section_total = (
        result.section_progress.get(question.section_id, (0, 0)) if question else (0, 0)
    )
    return JsonResponse(
        {
            "status": "saved",
            "question": key,
            "version": version,
            "fingerprint": fingerprint,
            "display": display,
            "warning": warning,
            "visible": sorted(result.visible),
            "progress": {
                "answered": result.answered,
                "total": result.total,
                "section_answered": section_answered,
                "section_total": section_total,
            },
            "saved_at": time_format(timezone.localtime(), "H:i"),
        }
    )


@login_required_json
@require_POST
def survey_autosave(request: HttpRequest, number: str, year: int) -> JsonResponse:
    """One question saved as it is answered (the page's script). Answers JSON.

    Once the organisation has a response, one query reads it with the organisation, the edition,
    the user's role and the stored answer (``selectors.autosave_target``), and the save works
    from the response's kept save state; the first save goes the long way and creates both.
    """
    target = selectors.autosave_target(
        request.user, number, year, str(request.POST.get("question", ""))[:100]
    )
    if target is not None:
        require_perm(request.user, target.municipality, Perm.EDIT, target.member_role)
        municipality, edition = target.municipality, target.edition
        if edition.status == SurveyEdition.Status.DRAFT:
            raise Http404
    else:
        municipality = get_municipality(request.user, number, Perm.EDIT)
    if throttle.hit("autosave", str(request.user.pk), window=60) > settings.AUTOSAVE_PER_MINUTE:
        message = _(
            "The answers are coming faster than the portal takes them. Wait a minute and "
            "change the answer again; what you typed is still on the page."
        )
        return _refused(message, status=429)
    if target is None:
        edition = _edition(year)
    posted = AutosaveForm(request.POST, edition=edition).posted()
    [(key, answer_posted)] = posted.answers.items()
    try:
        if target is not None:
            result = services.answer_autosave(
                actor=request.user,
                target=target,
                key=key,
                posted=answer_posted,
                copy_last_year=posted.copy_last_year,
            )
        else:
            result = services.answers_save(
                actor=request.user,
                edition=edition,
                municipality=municipality,
                answers=posted.answers,
                copy_last_year=posted.copy_last_year,
            )
    except services.SurveyClosed as exc:
        return _refused(" ".join(exc.messages))
    if result.refused:
        return _refused(result.refused)
    if result.errors:
        return JsonResponse({"status": "invalid", "errors": result.errors}, status=422)
    if result.conflicts:
        conflict = result.conflicts[key]
        return JsonResponse(
            {
                "status": "conflict",
                "question": key,
                "theirs": conflict.theirs_display,
                "yours": conflict.yours_display,
                "by": conflict.by,
                "at": time_format(timezone.localtime(conflict.at), "H:i"),
                "version": conflict.version,
            },
            status=409,
        )
    if key not in result.saved:
        # Nothing was written (the value is what the page already had): keep the page's own
        # version, so a colleague's newer answer still raises a conflict on the next change.
        return _saved(
            result,
            key,
            version=0 if answer_posted.version is None else answer_posted.version,
            fingerprint=answer_posted.fingerprint or "",
        )
    answer = result.answers[key]
    return _saved(
        result,
        key,
        version=answer.version,
        fingerprint=qtypes.fingerprint(answer.value, answer.other_text),
        display=qtypes.display(answer.question, answer.value, answer.other_text),
        warning=result.warnings.get(key, ""),
    )


@login_required
@require_POST
def section_assign(request: HttpRequest, number: str, year: int, section_key: str) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.EDIT)
    edition = _edition(year)
    if edition.status != SurveyEdition.Status.OPEN:
        raise Http404
    state = selectors.survey_state(edition, municipality)
    section = state.section(section_key)
    if section is None:
        raise Http404
    response = services.response_start(
        actor=request.user, edition=edition, municipality=municipality
    )
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("surveys:overview", number=number, year=year)
    try:
        services.section_assign(
            actor=request.user,
            response=response,
            section=section,
            assignee=form.cleaned_data["assignee"],
            unit=form.cleaned_data["unit"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The section “%(section)s” was assigned.") % {"section": section.title_text}
        )
    return redirect("surveys:overview", number=number, year=year)


@login_required
def survey_review(request: HttpRequest, number: str, year: int) -> HttpResponse:
    municipality, edition, state = _load(request, number, year)
    last_year = selectors.last_year_answers(edition, municipality)
    blocks = []
    for section in state.sections:
        if section.key in state.visible_sections:
            blocks.append(
                {
                    "section": section,
                    "questions": [
                        question_view(q, state, last_year=last_year)
                        for q in state.questions_in(section)
                    ],
                }
            )
    answered, total = state.total_progress()
    perms = perms_for(request.user, municipality)
    return render(
        request,
        "surveys/review.html",
        {
            "municipality": municipality,
            "edition": edition,
            "state": state,
            "blocks": blocks,
            "answered": answered,
            "total": total,
            "warnings": state.warnings(),
            "can_submit": Perm.SUBMIT in perms
            and edition.status == SurveyEdition.Status.OPEN
            and not (state.response and state.response.is_locked),
            "is_signatory_role": Perm.SUBMIT in perms,
        },
    )


@login_required
@require_POST
def survey_submit(request: HttpRequest, number: str, year: int) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.SUBMIT)
    edition = _edition(year)
    response = Response.objects.filter(edition=edition, municipality=municipality).first()
    if response is None:
        messages.error(request, _("There are no answers to submit yet."))
        return redirect("surveys:review", number=number, year=year)
    form = SubmitForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.response_submit(
            actor=request.user,
            response=response,
            on_behalf_of=form.cleaned_data["on_behalf_of"],
            confirmed=form.cleaned_data["confirm"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("surveys:review", number=number, year=year)
    messages.success(
        request,
        _(
            "Thank you! The answers were submitted. A receipt with a PDF copy is on its way by e-mail."
        ),
    )
    return redirect("surveys:overview", number=number, year=year)


@login_required
def survey_pdf(request: HttpRequest, number: str, year: int) -> HttpResponse:
    """The answers as a PDF: the submitted copy, or the answers so far marked as a draft."""
    municipality = get_municipality(request.user, number, Perm.SURVEY)
    edition = _edition(year)
    response = (
        Response.objects.filter(edition=edition, municipality=municipality)
        .select_related("edition", "municipality", "submitted_by")
        .first()
    )
    if response is None:
        raise Http404
    pdf = render_response_pdf(response)
    reply = HttpResponse(pdf, content_type="application/pdf")
    reply["Content-Disposition"] = f'attachment; filename="{pdf_file_name(response)}"'
    return reply
