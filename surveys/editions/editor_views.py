"""The questionnaire editor: IMDi's admins change an edition's sections and questions in the
browser. One view per action; every write goes through surveys.editions.authoring."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys.editions import authoring
from surveys.editions.definition import DefinitionError, questions_by_key
from surveys.editions.editor_forms import (
    FIELDS_BY_TYPE,
    TYPE_NAMES,
    EditionTextsForm,
    MissingFilterForm,
    MoveQuestionForm,
    MoveSectionForm,
    QuestionEditor,
    SectionEditor,
    TypeChoiceForm,
    problem_in_words,
)
from surveys.editions.editor_selectors import (
    earlier_questions,
    edition_history,
    edition_outline,
    missing_translations,
    region_names,
)
from surveys.editions.rule_words import rule_in_words
from surveys.editions.views import edition_for_admin
from surveys.models import SurveyEdition

ACTION_WORDS = {
    "survey.edit.section_add": gettext_lazy("Section added"),
    "survey.edit.section_update": gettext_lazy("Section changed"),
    "survey.edit.section_move": gettext_lazy("Section moved"),
    "survey.edit.section_remove": gettext_lazy("Section removed"),
    "survey.edit.question_add": gettext_lazy("Question added"),
    "survey.edit.question_update": gettext_lazy("Question changed"),
    "survey.edit.question_move": gettext_lazy("Question moved"),
    "survey.edit.question_remove": gettext_lazy("Question removed"),
    "survey.edit.text_fix": gettext_lazy("Text corrected"),
    "survey.edit.edition_texts": gettext_lazy("Title or introduction changed"),
}


def _overview(year: int, anchor: str = "") -> HttpResponse:
    response = redirect("surveys:editor_overview", year=year)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _context(edition: SurveyEdition, **extra) -> dict:
    return {
        "edition": edition,
        "opened": authoring.is_opened(edition),
        "type_names": TYPE_NAMES,
        "fields_by_type": FIELDS_BY_TYPE,
        **extra,
    }


@login_required
@require_GET
def editor_overview(request: HttpRequest, year: int) -> HttpResponse:
    """Sections and questions, their rules in words, what lacks a translation; the controls."""
    edition = edition_for_admin(request, year)
    outline = edition_outline(edition.definition, region_names())
    missing = missing_translations(edition.definition)
    own = [m for m in missing if not m.section]
    return render(
        request,
        "surveys/editor/overview.html",
        _context(
            edition,
            outline=outline,
            missing_nn=sum(m.language == "nn" for m in missing),
            missing_en=sum(m.language == "en" for m in missing),
            own_missing_nn=sum(m.language == "nn" for m in own),
            own_missing_en=sum(m.language == "en" for m in own),
            section_choices=[(s.key, s.title) for s in outline],
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def edition_texts_edit(request: HttpRequest, year: int) -> HttpResponse:
    """The edition's own title and introduction (in an opened edition: text fixes)."""
    edition = edition_for_admin(request, year)
    form = EditionTextsForm(request.POST or None, edition_texts=edition.definition)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            authoring.edition_texts_update(
                actor=request.user,
                edition=edition,
                title=form.texts_of("title"),
                intro=form.texts_of("intro"),
            )
        except DefinitionError as exc:
            problems = form.attach_problems(exc.problems)
        else:
            messages.success(request, _("The title and introduction were saved."))
            return _overview(year)
    form.mark_errors()
    return render(
        request,
        "surveys/editor/edition_form.html",
        _context(edition, form=form, problems=[*problems, *form.non_field_errors()]),
    )


@login_required
@require_GET
def editor_translations(request: HttpRequest, year: int) -> HttpResponse:
    """The texts that lack nynorsk or English, with a link to each question."""
    edition = edition_for_admin(request, year)
    form = MissingFilterForm(request.GET or None)
    language = form.cleaned_data["language"] if form.is_valid() else ""
    missing = missing_translations(edition.definition, language)
    return render(
        request,
        "surveys/editor/translations.html",
        _context(edition, form=form, missing=missing),
    )


@login_required
@require_GET
def editor_history(request: HttpRequest, year: int) -> HttpResponse:
    """Who changed what in the editor, when, from what to what."""
    edition = edition_for_admin(request, year)
    page = Paginator(edition_history(edition), 50).get_page(request.GET.get("side"))
    return render(
        request,
        "surveys/editor/history.html",
        _context(edition, page=page, action_words=ACTION_WORDS),
    )


def _refused(request: HttpRequest, exc: authoring.EditRefused, year: int) -> HttpResponse:
    messages.error(request, exc.message)
    return _overview(year)


# --- sections -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def section_add(request: HttpRequest, year: int) -> HttpResponse:
    """A new section with its first question, at the end."""
    edition = edition_for_admin(request, year)
    if authoring.is_opened(edition):
        return _refused(request, authoring.EditRefused(_opened_message(edition)), year)
    definition = edition.definition
    kind = request.GET.get("type", "")
    if request.method == "GET" and kind not in FIELDS_BY_TYPE:
        return render(
            request,
            "surveys/editor/choose_type.html",
            _context(edition, form=TypeChoiceForm(), heading=_("New section"), back=None),
        )
    earlier = earlier_questions(definition)
    regions = region_names()
    editor = SectionEditor(request.POST or None, earlier=earlier, regions=regions)
    question = QuestionEditor(
        request.POST or None, earlier=earlier, kind=kind, prefix="q", regions=regions
    )
    if request.method == "POST":
        valid = editor.is_valid() & question.is_valid()
        if valid:
            try:
                authoring.section_add(
                    actor=request.user,
                    edition=edition,
                    section=editor.build(),
                    question=question.build(),
                )
            except DefinitionError as exc:
                editor.attach_problems(
                    exc.problems, ("sections", len(definition["sections"])), question
                )
            except authoring.EditRefused as exc:
                return _refused(request, exc, year)
            else:
                messages.success(request, _("The section was added."))
                return _overview(year, f"section-{editor.form.cleaned_data['key']}")
    return render(
        request,
        "surveys/editor/section_form.html",
        _context(edition, editor=editor, question=question, adding=True),
    )


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, year: int, section_key: str) -> HttpResponse:
    edition = edition_for_admin(request, year)
    definition = edition.definition
    index = authoring.find_section(definition, section_key)
    if index is None:
        raise Http404
    opened = authoring.is_opened(edition)
    earlier = earlier_questions(definition, section_index=-(index + 1))
    section = definition["sections"][index]
    regions = region_names()
    editor = SectionEditor(
        request.POST or None,
        section=section,
        earlier=earlier,
        texts_only=opened,
        regions=regions,
    )
    if request.method == "POST" and editor.is_valid():
        new = editor.build()
        try:
            authoring.section_update(
                actor=request.user, edition=edition, key=section_key, section=new
            )
        except DefinitionError as exc:
            editor.attach_problems(exc.problems, ("sections", index))
        except authoring.EditRefused as exc:
            return _refused(request, exc, year)
        else:
            messages.success(request, _("The section was saved."))
            return _overview(year, f"section-{new['key']}")
    return render(
        request,
        "surveys/editor/section_form.html",
        _context(
            edition,
            editor=editor,
            section=section,
            rule=rule_in_words(section.get("show_if"), questions_by_key(definition), regions),
        ),
    )


@login_required
@require_POST
def section_move(request: HttpRequest, year: int, section_key: str) -> HttpResponse:
    edition = edition_for_admin(request, year)
    if authoring.find_section(edition.definition, section_key) is None:
        raise Http404
    form = MoveSectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say which way the section should move."))
        return _overview(year)
    try:
        authoring.section_move(
            actor=request.user,
            edition=edition,
            key=section_key,
            direction=form.cleaned_data["direction"],
        )
    except authoring.EditRefused as exc:
        return _refused(request, exc, year)
    except DefinitionError as exc:
        for problem in exc.problems:
            messages.error(request, problem_in_words(problem))
    return _overview(year, f"section-{section_key}")


@login_required
@require_http_methods(["GET", "POST"])
def section_remove(request: HttpRequest, year: int, section_key: str) -> HttpResponse:
    """Asks first; the POST removes the section and its questions."""
    edition = edition_for_admin(request, year)
    index = authoring.find_section(edition.definition, section_key)
    if index is None:
        raise Http404
    section = edition.definition["sections"][index]
    errors: list[str] = []
    if request.method == "POST":
        try:
            authoring.section_remove(actor=request.user, edition=edition, key=section_key)
        except authoring.EditRefused as exc:
            return _refused(request, exc, year)
        except DefinitionError as exc:
            errors = [problem_in_words(p) for p in exc.problems]
        else:
            messages.success(request, _("The section was removed."))
            return _overview(year)
    return render(
        request,
        "surveys/editor/remove.html",
        _context(
            edition,
            what=_("the section “%(title)s” and its %(count)s questions")
            % {"title": section["title"].get("nb", ""), "count": len(section["questions"])},
            errors=errors,
        ),
    )


# --- questions ------------------------------------------------------------------------------


def _opened_message(edition: SurveyEdition) -> str:
    return _(
        "The %(year)s edition has been opened, so its questions can no longer be added, moved, "
        "removed or restructured. Only texts can be corrected."
    ) % {"year": edition.year}


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest, year: int, section_key: str) -> HttpResponse:
    """A new question at the end of the section; without JavaScript the type is chosen first."""
    edition = edition_for_admin(request, year)
    definition = edition.definition
    index = authoring.find_section(definition, section_key)
    if index is None:
        raise Http404
    if authoring.is_opened(edition):
        return _refused(request, authoring.EditRefused(_opened_message(edition)), year)
    kind = request.GET.get("type", "")
    if request.method == "GET" and kind not in FIELDS_BY_TYPE:
        return render(
            request,
            "surveys/editor/choose_type.html",
            _context(
                edition,
                form=TypeChoiceForm(),
                heading=_("New question in “%(title)s”")
                % {"title": definition["sections"][index]["title"].get("nb", "")},
            ),
        )
    earlier = earlier_questions(definition, section_index=index)
    editor = QuestionEditor(
        request.POST or None, earlier=earlier, kind=kind, regions=region_names()
    )
    if request.method == "POST" and editor.is_valid():
        try:
            authoring.question_add(
                actor=request.user,
                edition=edition,
                section_key=section_key,
                question=editor.build(),
            )
        except DefinitionError as exc:
            at = ("sections", index, "questions", len(definition["sections"][index]["questions"]))
            editor.attach_problems(exc.problems, at)
        except authoring.EditRefused as exc:
            return _refused(request, exc, year)
        else:
            messages.success(request, _("The question was added."))
            return _overview(year, f"question-{editor.form.cleaned_data['key']}")
    return render(
        request,
        "surveys/editor/question_form.html",
        _context(edition, editor=editor, section=definition["sections"][index], adding=True),
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, year: int, key: str) -> HttpResponse:
    edition = edition_for_admin(request, year)
    definition = edition.definition
    found = authoring.find_question(definition, key)
    if found is None:
        raise Http404
    s_index, q_index = found
    question = definition["sections"][s_index]["questions"][q_index]
    opened = authoring.is_opened(edition)
    needs_target = authoring.retired_needing_target(
        edition, key, [o["key"] for o in question.get("options", [])]
    )
    regions = region_names()
    editor = QuestionEditor(
        request.POST or None,
        question=question,
        earlier=earlier_questions(definition, before_key=key),
        texts_only=opened,
        needs_target=needs_target,
        regions=regions,
    )
    if request.method == "POST" and editor.is_valid():
        new = editor.build()
        try:
            authoring.question_update(
                actor=request.user,
                edition=edition,
                key=key,
                question=new,
                renamed={} if opened else editor.renamed(),
                retired={} if opened else editor.retired(),
                confirm_series_break=editor.confirmed,
            )
        except authoring.SeriesBreak as exc:
            editor.warnings = exc.warnings
        except DefinitionError as exc:
            editor.attach_problems(exc.problems, ("sections", s_index, "questions", q_index))
        except authoring.EditRefused as exc:
            editor.problems.append(exc.message)
        else:
            messages.success(request, _("The question “%(key)s” was saved.") % {"key": new["key"]})
            return _overview(year, f"question-{new['key']}")
    return render(
        request,
        "surveys/editor/question_form.html",
        _context(
            edition,
            editor=editor,
            question=question,
            section=definition["sections"][s_index],
            rule=rule_in_words(question.get("show_if"), questions_by_key(definition), regions),
        ),
    )


@login_required
@require_POST
def question_move(request: HttpRequest, year: int, key: str) -> HttpResponse:
    edition = edition_for_admin(request, year)
    if authoring.find_question(edition.definition, key) is None:
        raise Http404
    sections = [(s["key"], s["key"]) for s in edition.definition["sections"]]
    form = MoveQuestionForm(request.POST, sections=sections)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _overview(year, f"question-{key}")
    try:
        authoring.question_move(
            actor=request.user,
            edition=edition,
            key=key,
            direction=form.cleaned_data["direction"],
            to_section=form.cleaned_data["to_section"],
        )
    except authoring.EditRefused as exc:
        return _refused(request, exc, year)
    except DefinitionError as exc:
        for problem in exc.problems:
            messages.error(request, problem_in_words(problem))
    else:
        messages.success(request, _("The question “%(key)s” was moved.") % {"key": key})
    return _overview(year, f"question-{key}")


@login_required
@require_http_methods(["GET", "POST"])
def question_remove(request: HttpRequest, year: int, key: str) -> HttpResponse:
    """Asks first; the POST removes the question."""
    edition = edition_for_admin(request, year)
    found = authoring.find_question(edition.definition, key)
    if found is None:
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        try:
            authoring.question_remove(actor=request.user, edition=edition, key=key)
        except authoring.EditRefused as exc:
            return _refused(request, exc, year)
        except DefinitionError as exc:
            errors = [problem_in_words(p) for p in exc.problems]
        else:
            messages.success(request, _("The question “%(key)s” was removed.") % {"key": key})
            return _overview(year)
    return render(
        request,
        "surveys/editor/remove.html",
        _context(edition, what=_("the question “%(key)s”") % {"key": key}, errors=errors),
    )
