"""Pages of the benchmark report.

A member of an organisation (any role), its regional adviser, settlement officers and admins
may read and request the organisation's report (``Perm.VIEW``); another organisation's report
answers 404 like a missing one. The peer settings and batches are the IMDi admins'.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.access import Perm, get_municipality, require_directorate
from portal.accounts.models import DirectorateRole
from portal.benchmark import selectors, services
from portal.benchmark.forms import BatchStartForm, PeerConfigForm, ReportRequestForm
from portal.benchmark.models import BenchmarkReport, PeerConfig, ReportBatch
from portal.benchmark.report.labels import variable_labels


def _report(request: HttpRequest, number: str, identifier: str, *, heavy: bool = False):
    municipality = get_municipality(request.user, number, Perm.VIEW)
    qs = BenchmarkReport.objects.filter(municipality=municipality, identifier=identifier)
    if not heavy:
        qs = qs.defer("pdf", "csv")
    report = qs.first()
    if report is None:
        raise Http404
    return municipality, report


def _status_payload(report: BenchmarkReport) -> dict:
    return {
        "status": report.status,
        "label": str(report.get_status_display()),
        "stage": report.stage,
        "progress_label": report.progress_label,
        "step": report.step,
        "steps": report.STEPS,
        "ready": report.is_ready,
        "url": reverse("benchmark:report", args=[report.municipality.number, report.identifier]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_home(request: HttpRequest, number: str) -> HttpResponse:
    """Choose a year and language and ask for the report; earlier reports below."""
    municipality = get_municipality(request.user, number, Perm.VIEW)
    years = selectors.report_years()
    if request.method == "POST":
        form = ReportRequestForm(request.POST, years=years)
        if form.is_valid():
            try:
                report = services.report_request(
                    actor=request.user,
                    municipality=municipality,
                    year=form.cleaned_data["year"],
                    language=form.cleaned_data["language"],
                )
            except services.ReportRequestInvalid as error:
                form.add_error(None, str(error))
            else:
                return redirect("benchmark:report", municipality.number, report.identifier)
    else:
        form = ReportRequestForm(
            years=years,
            initial={"year": years[0] if years else None, "language": municipality.language},
        )
    return render(
        request,
        "benchmark/home.html",
        {
            "municipality": municipality,
            "form": form,
            "years": years,
            "reports": selectors.reports_for(municipality)[:20],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def report_detail(request: HttpRequest, number: str, identifier: str) -> HttpResponse:
    """The report as a web page once it is ready; its progress until then."""
    municipality, report = _report(request, number, identifier)
    template = "benchmark/report.html" if report.is_ready else "benchmark/progress.html"
    return render(
        request,
        template,
        {"municipality": municipality, "report_row": report, "report": report.data},
    )


@login_required
@require_GET
def report_status(request: HttpRequest, number: str, identifier: str) -> JsonResponse:
    _municipality, report = _report(request, number, identifier)
    return JsonResponse(_status_payload(report))


@login_required
@require_GET
def report_pdf(request: HttpRequest, number: str, identifier: str) -> HttpResponse:
    _municipality, report = _report(request, number, identifier, heavy=True)
    if not report.is_ready or not report.pdf:
        raise Http404
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.identifier}.pdf"'
    return response


@login_required
@require_GET
def report_csv(request: HttpRequest, number: str, identifier: str) -> HttpResponse:
    _municipality, report = _report(request, number, identifier, heavy=True)
    if not report.is_ready:
        raise Http404
    response = HttpResponse(
        ("\ufeff" + report.csv).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{report.identifier}.csv"'
    return response


# --- The directorate -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def benchmark_admin(request: HttpRequest) -> HttpResponse:
    """Peer settings (saved as a new version), and the batches of every organisation's report."""
    require_directorate(request.user, DirectorateRole.ADMIN)
    labels = variable_labels()
    active = selectors.active_config()
    years = selectors.report_years()
    form = PeerConfigForm(
        request.POST if request.method == "POST" else None,
        instance=PeerConfig.objects.get(pk=active.pk) if active else PeerConfig(),
    )
    if request.method == "POST" and form.is_valid():
        config = services.peer_config_new_version(
            actor=request.user, base=active, values=form.config_values()
        )
        messages.success(
            request,
            _("Saved as %(config)s. Reports made from now on use it.") % {"config": config},
        )
        return redirect("benchmark:admin")
    return render(
        request,
        "benchmark/admin.html",
        {
            "active": active,
            "form": form,
            "versions": [
                (version, [(labels.get(n, n), w) for n, w in version.variables.items()])
                for version in PeerConfig.objects.order_by("name", "-version")[:20]
            ],
            "batch_form": BatchStartForm(years=years),
            "batches": ReportBatch.objects.order_by("-created_at")[:10],
            "gaps": _gap_warnings(years[0], active, labels) if years else [],
        },
        status=400 if request.method == "POST" else 200,
    )


def _gap_warnings(year: int, config: PeerConfig | None, labels: dict[str, str]) -> list[str]:
    """The weighted variables that municipalities lack figures for in the latest year, in words."""
    warnings = []
    for gap in selectors.peer_variable_gaps(year, config):
        words = {
            "variable": labels.get(gap.variable, gap.variable),
            "period": selectors.peer_window_label(year),
            "year": year,
            "missing": gap.missing,
            "total": gap.total,
        }
        if gap.nobody:
            warnings.append(
                _(
                    "No municipality has figures for %(variable)s for %(period)s, so it is left "
                    "out of the choice of peers for %(year)s although it has a weight. Import "
                    "the figures, or set its weight to 0."
                )
                % words
            )
        else:
            warnings.append(
                ngettext(
                    "%(missing)d of %(total)d municipalities has no figures for %(variable)s for "
                    "%(period)s: for it, the variable is left out of the choice of peers for "
                    "%(year)s.",
                    "%(missing)d of %(total)d municipalities have no figures for %(variable)s for "
                    "%(period)s: for them, the variable is left out of the choice of peers for "
                    "%(year)s.",
                    gap.missing,
                )
                % words
            )
    return warnings


@login_required
@require_POST
def batch_start(request: HttpRequest) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    form = BatchStartForm(request.POST, years=selectors.report_years())
    if not form.is_valid():
        messages.error(request, _("Choose a year that has figures or a survey."))
        return redirect("benchmark:admin")
    try:
        batch = services.batch_start(actor=request.user, year=form.cleaned_data["year"])
    except services.ReportRequestInvalid as error:
        messages.error(request, str(error))
        return redirect("benchmark:admin")
    return redirect("benchmark:batch", batch.pk)


@login_required
@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    batch = get_object_or_404(ReportBatch, pk=batch_id)
    progress = selectors.batch_progress(batch)
    failed = (
        batch.reports.filter(status=BenchmarkReport.Status.FAILED)
        .select_related("municipality")
        .defer("pdf", "csv", "data")[:50]
    )
    return render(
        request,
        "benchmark/batch.html",
        {"batch": batch, "progress": progress, "failed": failed},
    )


@login_required
@require_GET
def batch_status(request: HttpRequest, batch_id: int) -> JsonResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    batch = get_object_or_404(ReportBatch, pk=batch_id)
    return JsonResponse(selectors.batch_progress(batch))


@login_required
@require_POST
def batch_resume(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_directorate(request.user, DirectorateRole.ADMIN)
    batch = get_object_or_404(ReportBatch, pk=batch_id)
    sent = services.batch_resume(actor=request.user, batch=batch)
    messages.info(
        request,
        ngettext(
            "%(n)d report sent to be made again.", "%(n)d reports sent to be made again.", sent
        )
        % {"n": sent},
    )
    return redirect("benchmark:batch", batch.pk)
