"""The directorate's analysis pages: an edition's results, one question in depth, and the coding
of free-text answers into themes. Admins and regional advisers only; an adviser sees their own
region."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.access import is_directorate_admin, require_directorate, visible_municipalities
from portal.accounts.models import DirectorateRole
from surveys.analysis import breakdowns, charts, results, services, tables, trends
from surveys.analysis.forms import TagForm, ThemeForm
from surveys.models import Answer, Question, SurveyEdition, Theme, localized
from surveys.respondent import selectors

ANALYSTS = (DirectorateRole.ADMIN, DirectorateRole.REGIONAL_ADVISER)


def _edition(year: int) -> SurveyEdition:
    edition = selectors.edition_by_year(year)
    if edition is None or edition.status == SurveyEdition.Status.DRAFT:
        raise Http404
    return edition


def _question(edition: SurveyEdition, key: str) -> Question:
    question = Question.objects.filter(edition=edition, key=key).select_related("section").first()
    if question is None:
        raise Http404
    question.edition = edition
    return question


def _percent_text(percent: float | None, count: int) -> str:
    return f"{charts.format_value(percent)} ({count})"


def result_chart(
    question: Question, result: results.Result, chart_id: str, title: str
) -> SafeString | None:
    """A bar chart of one result, or None for questions shown only as a table."""
    if not result.n:
        return None
    kind = question.type
    if kind == "rank":
        bars = [
            charts.Bar(r.label, r.top_percent, _percent_text(r.top_percent, r.top))
            for r in result.ranks
        ]
        title = _("%(title)s: share that ranked the option among the top %(n)s") % {
            "title": title,
            "n": question.config.get("rank", 0),
        }
        return charts.bar_chart(chart_id=chart_id, title=title, bars=bars)
    if kind == "scale_grid":
        _low, high = results.scale_bounds(question)
        bars = [
            charts.Bar(
                item.label,
                item.result.mean,
                _("%(mean)s (N = %(n)s)")
                % {"mean": charts.format_value(item.result.mean, ""), "n": item.result.mean_n},
            )
            for item in result.items
        ]
        title = _("%(title)s: mean per item (scale points only)") % {"title": title}
        return charts.bar_chart(chart_id=chart_id, title=title, bars=bars, max_value=high)
    if kind == "yes_no_grid":
        bars = []
        for item in result.items:
            yes = next((r for r in item.result.rows if r.key == "yes"), None)
            bars.append(
                charts.Bar(
                    item.label,
                    yes.percent if yes else None,
                    _percent_text(yes.percent if yes else None, yes.count if yes else 0),
                )
            )
        title = _("%(title)s: share that answered yes, per item") % {"title": title}
        return charts.bar_chart(chart_id=chart_id, title=title, bars=bars)
    if not result.rows or kind in results.NUMBER_TYPES:
        return None
    bars = [charts.Bar(r.label, r.percent, _percent_text(r.percent, r.count)) for r in result.rows]
    return charts.bar_chart(chart_id=chart_id, title=title, bars=bars)


def series_chart(series: trends.TimeSeries, title: str) -> SafeString | None:
    lines = [charts.Line(s.label, s.points) for s in series.series if s.points]
    if not lines:
        return None
    max_value = None
    if series.question.type == "scale_grid":
        max_value = results.scale_bounds(series.question)[1]
    return charts.line_chart(
        chart_id=f"series-{series.key}",
        title=title,
        years=[y.year for y in series.years],
        lines=lines,
        unit=series.unit,
        max_value=max_value,
    )


def question_title(question: Question) -> str:
    return localized(question.text)


@login_required
def edition_analysis(request: HttpRequest, year: int) -> HttpResponse:
    require_directorate(request.user, *ANALYSTS)
    edition = _edition(year)
    result = breakdowns.edition_analysis(user=request.user, edition=edition)
    sections = []
    for section in result.sections:
        blocks = []
        for qa in section.questions:
            title = question_title(qa.question)
            blocks.append(
                {
                    "analysis": qa,
                    "title": title,
                    "chart": result_chart(
                        qa.question, qa.national, f"chart-{qa.question.key}", title
                    ),
                    "grid": tables.item_table(qa.question, qa.national),
                }
            )
        sections.append({"section": section.section, "questions": blocks})
    return render(
        request,
        "surveys/analysis/edition.html",
        {
            "edition": edition,
            "analysis": result,
            "sections": sections,
            "national_label": breakdowns.national_label(request.user),
        },
    )


@login_required
def question_analysis(request: HttpRequest, year: int, key: str) -> HttpResponse:
    require_directorate(request.user, *ANALYSTS)
    edition = _edition(year)
    question = _question(edition, key)
    panel = request.GET.get("panel") == "1"
    result = breakdowns.question_analysis(user=request.user, question=question)
    series = trends.time_series(user=request.user, key=key, panel=panel)
    title = question_title(question)
    return render(
        request,
        "surveys/analysis/question.html",
        {
            "edition": edition,
            "question": question,
            "title": title,
            "analysis": result,
            "chart": result_chart(question, result.national, f"chart-{key}", title),
            "grid": tables.item_table(question, result.national),
            "regions": [
                {
                    "region": region,
                    "result": region_result,
                    "grid": tables.item_table(question, region_result),
                }
                for region, region_result in result.regions
            ],
            "series": series,
            "series_chart": series_chart(series, _("%(title)s, by year") % {"title": title})
            if series
            else None,
            "panel": panel,
            "national_label": breakdowns.national_label(request.user),
            "themed": question.type in services.THEMED_TYPES,
        },
    )


def _scoped_answer(request: HttpRequest, question: Question) -> Answer:
    """The answer named in the POST, if it is a counted answer the user may see; else 404."""
    try:
        answer_id = int(request.POST.get("answer", ""))
    except ValueError:
        raise Http404 from None
    answer = (
        Answer.objects.filter(
            pk=answer_id,
            question=question,
            response__status__in=breakdowns.COUNTED,
            response__municipality__in=visible_municipalities(request.user),
        )
        .select_related("municipality")
        .first()
    )
    if answer is None:
        raise Http404
    answer.question = question
    return answer


def _themed_question(request: HttpRequest, year: int, key: str) -> Question:
    """A free-text question of an analysed edition, for the analysts; else 403 or 404."""
    require_directorate(request.user, *ANALYSTS)
    edition = _edition(year)
    question = _question(edition, key)
    if question.type not in services.THEMED_TYPES:
        raise Http404
    return question


def _themes_url(question: Question) -> str:
    return reverse("surveys:question_themes", args=[question.edition.year, question.key])


def _themes_page(
    request: HttpRequest, question: Question, *, form: ThemeForm | None = None
) -> HttpResponse:
    """The question's themes and answers; with a refused new theme, its errors (400)."""
    edition = question.edition
    form = ThemeForm() if form is None else form
    themes = list(Theme.objects.filter(question=question).order_by("name"))
    answers = breakdowns.theme_answers(user=request.user, question=question)
    counts = breakdowns.theme_counts(question, answers, themes)
    return render(
        request,
        "surveys/analysis/themes.html",
        {
            "edition": edition,
            "question": question,
            "title": question_title(question),
            "themes": themes,
            "answers": [(a, {t.pk for t in a.themes.all()}) for a in answers],
            "counts": counts,
            "chart": result_chart(question, counts, f"themes-{question.key}", _("Answers by theme"))
            if themes
            else None,
            "form": form,
            "may_create": is_directorate_admin(request.user),
            "analysis_url": reverse("surveys:question_analysis", args=[edition.year, question.key]),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def question_themes(request: HttpRequest, year: int, key: str) -> HttpResponse:
    return _themes_page(request, _themed_question(request, year, key))


@login_required
@require_POST
def theme_create(request: HttpRequest, year: int, key: str) -> HttpResponse:
    """A new theme of the question; IMDi's administrators only."""
    question = _themed_question(request, year, key)
    if not is_directorate_admin(request.user):
        raise PermissionDenied
    form = ThemeForm(request.POST)
    if form.is_valid():
        try:
            theme = services.theme_create(
                actor=request.user, question=question, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, _("The theme “%(name)s” was created.") % {"name": theme.name})
            return redirect(_themes_url(question))
    return _themes_page(request, question, form=form)


@login_required
@require_POST
def answer_themes_set(request: HttpRequest, year: int, key: str) -> HttpResponse:
    """The themes of one answer (none removes them all); back to that answer on the page."""
    question = _themed_question(request, year, key)
    answer = _scoped_answer(request, question)
    form = TagForm(request.POST, question=question)
    if not form.is_valid():
        messages.error(request, _("Choose themes of this question."))
    else:
        services.answer_set_themes(
            actor=request.user, answer=answer, themes=form.cleaned_data["themes"]
        )
        messages.success(
            request,
            _("The themes of %(organisation)s's answer were saved.")
            % {"organisation": answer.municipality.name},
        )
    return redirect(f"{_themes_url(question)}#answer-{answer.pk}")
