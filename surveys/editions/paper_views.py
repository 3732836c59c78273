"""The blank questionnaire to print: a page with a print stylesheet, and a PDF.

The respondent prints its own organisation's (``kommune/<number>/undersokelse/<year>/skjema/``);
IMDi's administrators print it as any organisation gets it, from the preview, or for everyone
with every rule in words (``direktoratet/undersokelser/<year>/skjema/``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal.accounts.access import Perm, get_municipality
from surveys.editions.paper import PaperForm, paper_form, render_paper_pdf
from surveys.editions.views import edition_for_admin, preview_organisation
from surveys.models import SurveyEdition
from surveys.respondent import selectors


def _published_edition(year: int) -> SurveyEdition:
    """An edition the organisations have been shown (open or closed); a draft is IMDi's own."""
    edition = selectors.edition_by_year(year)
    if edition is None or edition.status == SurveyEdition.Status.DRAFT:
        raise Http404
    return edition


def _page(request: HttpRequest, form: PaperForm, *, pdf_url: str, back: str) -> HttpResponse:
    return render(
        request, "surveys/paper/print.html", {"form": form, "pdf_url": pdf_url, "back": back}
    )


def _pdf(form: PaperForm) -> HttpResponse:
    year = form.edition.year
    who = form.municipality.number if form.municipality else "alle"
    reply = HttpResponse(render_paper_pdf(form), content_type="application/pdf")
    reply["Content-Disposition"] = f'attachment; filename="sporreskjema-{year}-{who}.pdf"'
    return reply


@login_required
@require_GET
def paper(request: HttpRequest, number: str, year: int) -> HttpResponse:
    """The organisation's own questionnaire, blank, to print."""
    municipality = get_municipality(request.user, number, Perm.SURVEY)
    form = paper_form(_published_edition(year), municipality)
    return _page(
        request, form, pdf_url=reverse("surveys:paper_pdf", args=[number, year]), back="overview"
    )


@login_required
@require_GET
def paper_pdf(request: HttpRequest, number: str, year: int) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.SURVEY)
    return _pdf(paper_form(_published_edition(year), municipality))


@login_required
@require_GET
def edition_paper(request: HttpRequest, year: int) -> HttpResponse:
    """Every question of the edition, with who it is for and what it follows in words."""
    form = paper_form(edition_for_admin(request, year))
    return _page(
        request, form, pdf_url=reverse("surveys:edition_paper_pdf", args=[year]), back="edition"
    )


@login_required
@require_GET
def edition_paper_pdf(request: HttpRequest, year: int) -> HttpResponse:
    return _pdf(paper_form(edition_for_admin(request, year)))


@login_required
@require_GET
def edition_preview_paper(request: HttpRequest, year: int, number: str) -> HttpResponse:
    """The questionnaire as this organisation gets it, for IMDi's administrators."""
    edition = edition_for_admin(request, year)
    form = paper_form(edition, preview_organisation(number))
    return _page(
        request,
        form,
        pdf_url=reverse("surveys:edition_preview_paper_pdf", args=[year, number]),
        back="preview",
    )


@login_required
@require_GET
def edition_preview_paper_pdf(request: HttpRequest, year: int, number: str) -> HttpResponse:
    edition = edition_for_admin(request, year)
    return _pdf(paper_form(edition, preview_organisation(number)))
