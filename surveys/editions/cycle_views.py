"""The directorate's pages for a new annual cycle: next year's edition made from this one, and
what changed between two editions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.municipalities.models import Region
from surveys.editions import services
from surveys.editions.definition import DefinitionError
from surveys.editions.describe import diff_words, summary_text
from surveys.editions.diff import definition_diff
from surveys.editions.views import edition_for_admin
from surveys.models import SurveyEdition


@login_required
@require_POST
def edition_next_year(request: HttpRequest, year: int) -> HttpResponse:
    """Next year's draft, copied from this edition."""
    edition = edition_for_admin(request, year)
    try:
        copy = services.edition_next_year(actor=request.user, edition=edition)
    except services.EditionExists as exc:
        messages.error(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("The %(year)s edition already exists; nothing was copied.") % {"year": exc.year},
                reverse("surveys:edition_detail", kwargs={"year": exc.year}),
                _("Open the %(year)s edition") % {"year": exc.year},
            ),
        )
        return redirect("surveys:edition_detail", year=year)
    except DefinitionError as exc:
        messages.error(
            request,
            _("The %(year)s edition could not be copied: %(problems)s")
            % {"year": year, "problems": "; ".join(exc.errors)},
        )
        return redirect("surveys:edition_detail", year=year)
    messages.success(
        request,
        _(
            "The %(year)s edition was made as a draft from %(from)s. Check its dates, texts and "
            "questions before opening it."
        )
        % {"year": copy.year, "from": year},
    )
    return redirect("surveys:edition_detail", year=copy.year)


def _default_base(edition: SurveyEdition, others: list[SurveyEdition]) -> SurveyEdition | None:
    """The edition's previous_year, or else the nearest earlier edition."""
    by_year = {e.year: e for e in others}
    if edition.previous_year in by_year:
        return by_year[edition.previous_year]
    earlier = [e for e in others if e.year < edition.year]
    return max(earlier, key=lambda e: e.year) if earlier else None


@login_required
@require_GET
def edition_diff(request: HttpRequest, year: int) -> HttpResponse:
    """What changed from an earlier edition (its previous_year, or ``?fra=YEAR``) to this one."""
    edition = edition_for_admin(request, year)
    others = list(SurveyEdition.objects.exclude(pk=edition.pk).only("year", "title"))
    by_year = {e.year: e for e in others}
    raw = request.GET.get("fra", "").strip()
    error = ""
    base = None
    if raw:
        if not raw.isdigit() or len(raw) > 4:
            error = _("«%(value)s» is not a year. Choose an edition in the list.") % {
                "value": raw[:20]
            }
        elif int(raw) == edition.year:
            error = _("Choose another edition than %(year)s to compare with.") % {"year": year}
        elif int(raw) not in by_year:
            error = _("There is no %(value)s edition to compare with. Choose one in the list.") % {
                "value": int(raw)
            }
        else:
            base = by_year[int(raw)]
    else:
        base = _default_base(edition, others)
    diff = None
    words: dict = {}
    if base is not None:
        old_definition = SurveyEdition.objects.values_list("definition", flat=True).get(pk=base.pk)
        diff = definition_diff(
            old_definition, edition.definition, edition.option_mappings, base.year
        )
        regions = dict(Region.objects.values_list("code", "name"))
        words = diff_words(diff, old_definition, edition.definition, regions)
    return render(
        request,
        "surveys/directorate/diff.html",
        {
            "edition": edition,
            "base": base,
            "others": others,
            "diff": diff,
            "summary": summary_text(diff.summary) if diff else "",
            "words": words,
            "error": error,
        },
        status=400 if error else 200,
    )
