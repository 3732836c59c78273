"""The benchmark pages as people use them: request, follow, read, download; the admin's settings."""

import pytest
from django.urls import reverse

from portal.benchmark.models import BenchmarkReport, PeerConfig, ReportBatch
from tests.benchmark.test_report import YEAR, _figures
from tests.factories import MunicipalityFactory


@pytest.fixture(autouse=True)
def _batches_in_process(settings):
    settings.BENCHMARK_IN_THREAD = False


@pytest.fixture
def country(cast):
    for i, m in enumerate(
        [cast.a, cast.b, *[MunicipalityFactory(number=f"{3100 + i}") for i in range(6)]]
    ):
        _figures(m, i)
    return PeerConfig.objects.create(name="standard", version=1, is_active=True, k=3)


def _home(cast):
    return reverse("benchmark:home", args=[cast.a.number])


@pytest.mark.django_db
def test_viewer_requests_reads_and_downloads(
    client, cast, country, django_capture_on_commit_callbacks
):
    client.force_login(cast.viewer_a)
    page = client.get(_home(cast))
    assert page.status_code == 200 and "<form" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_home(cast), {"year": YEAR, "language": "en"})
    report = BenchmarkReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "benchmark:report", args=[cast.a.number, report.identifier]
    )

    html = client.get(response["Location"]).content.decode()
    assert "Benchmark report 2026: Kristiansand" in html
    assert report.identifier in html
    for row in BenchmarkReport.objects.get().data["peers"]["rows"]:
        assert row["name"] in html
    assert 'role="img"' in html and "<caption>" in html

    pdf = client.get(reverse("benchmark:report_pdf", args=[cast.a.number, report.identifier]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert f'filename="{report.identifier}.pdf"' in pdf["Content-Disposition"]
    csv_response = client.get(
        reverse("benchmark:report_csv", args=[cast.a.number, report.identifier])
    )
    assert csv_response.content.startswith("\ufeff".encode())
    assert report.identifier in csv_response.content.decode("utf-8-sig")

    status = client.get(reverse("benchmark:report_status", args=[cast.a.number, report.identifier]))
    assert status.json()["ready"] is True

    listing = client.get(_home(cast)).content.decode()
    assert report.identifier in listing


@pytest.mark.django_db
def test_progress_page_while_waiting(client, cast, country):
    report = BenchmarkReport.objects.create(
        municipality=cast.a, year=YEAR, language="nb", inputs_hash="x", identifier="4204-w"
    )
    client.force_login(cast.editor_a)
    html = client.get(
        reverse("benchmark:report", args=[cast.a.number, report.identifier])
    ).content.decode()
    assert 'aria-live="polite"' in html and "js/benchmark." in html
    status = client.get(reverse("benchmark:report_status", args=[cast.a.number, report.identifier]))
    assert status.json()["status"] == "pending" and not status.json()["ready"]
    # Not ready: nothing to download yet.
    assert (
        client.get(reverse("benchmark:report_pdf", args=[cast.a.number, "4204-w"])).status_code
        == 404
    )


@pytest.mark.django_db
def test_another_organisations_report_is_404(client, cast, country):
    theirs = BenchmarkReport.objects.create(
        municipality=cast.b,
        year=YEAR,
        language="nb",
        inputs_hash="x",
        identifier="4601-x",
        status="ready",
        pdf=b"%PDF-1.7",
    )
    client.force_login(cast.editor_a)
    # Under their own number (not theirs to see) and under ours (not our report): 404 both ways.
    for number in (cast.b.number, cast.a.number):
        url = reverse("benchmark:report_pdf", args=[number, theirs.identifier])
        assert client.get(url).status_code == 404
    client.force_login(cast.admin)
    assert (
        client.get(reverse("benchmark:report_pdf", args=[cast.b.number, "4601-x"])).status_code
        == 200
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": 1999, "language": "nb"}, "1999 is not one of"),
        ({"year": YEAR, "language": "de"}, "de is not one of"),
    ],
)
def test_bad_request_form_says_what_is_wrong(client, cast, country, data, message):
    client.force_login(cast.editor_a)
    response = client.post(_home(cast), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert not BenchmarkReport.objects.exists()


@pytest.mark.django_db
def test_report_list_query_count(client, cast, country, django_assert_max_num_queries):
    client.force_login(cast.editor_a)

    def listing():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(_home(cast)).status_code == 200
        return len(queries)

    for i in range(2):
        BenchmarkReport.objects.create(
            municipality=cast.a, year=YEAR, language="nb", inputs_hash=f"a{i}", identifier=f"a{i}"
        )
    few = listing()
    for i in range(12):
        BenchmarkReport.objects.create(
            municipality=cast.a, year=YEAR, language="nb", inputs_hash=f"b{i}", identifier=f"b{i}"
        )
    assert listing() == few


@pytest.mark.django_db
def test_admin_saves_peer_settings_as_a_new_version(client, cast, country):
    client.force_login(cast.admin)
    url = reverse("benchmark:admin")
    page = client.get(url)
    assert page.status_code == 200
    ((_config, weights),) = page.context["versions"]
    assert [w for _label, w in weights] == [1.0, 1.0, 1.0, 1.0]
    assert "log_population" not in [label for label, _w in weights]  # shown by name
    fields = {
        "k": 8,
        "winsor_lower": 5,
        "winsor_upper": 95,
        "size_band": "adjacent",
        "min_similarity": 20,
        "window_years": 4,
        "reference_area": "region",
        "reference_weighted": "on",
        "min_completers": 10,
        "weight_log_population": 2,
        "weight_centrality": 1,
        "weight_immigrant_share": 1,
        "weight_settled_per_1000_5y": 0,
    }
    bad = client.post(url, {**fields, "winsor_lower": 95, "winsor_upper": 5})
    assert bad.status_code == 400 and "winsor_upper" in bad.context["form"].errors
    zero = {**fields, **{k: 0 for k in fields if k.startswith("weight_")}}
    refused = client.post(url, zero)
    assert refused.status_code == 400 and refused.context["form"].non_field_errors()
    assert client.post(url, {**fields, "k": "ten"}).status_code == 400
    assert PeerConfig.objects.count() == 1

    assert client.post(url, fields).status_code == 302
    old, new = PeerConfig.objects.order_by("version")
    assert not old.is_active and new.is_active and new.version == 2
    assert new.variables["log_population"] == 2.0 and new.variables["settled_per_1000_5y"] == 0.0
    assert new.k == 8 and new.window_years == 4 and new.reference_area == "region"
    assert old.k == 3  # the version in use before stays as it was


@pytest.mark.django_db
def test_admin_starts_a_batch_and_follows_it(
    client, cast, country, django_capture_on_commit_callbacks
):
    client.force_login(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("benchmark:batch_start"), {"year": YEAR})
    batch = ReportBatch.objects.get()
    assert response["Location"] == reverse("benchmark:batch", args=[batch.pk])
    progress = client.get(reverse("benchmark:batch_status", args=[batch.pk])).json()
    assert progress["total"] == batch.reports.count() == 8 and progress["finished"]
    html = client.get(response["Location"]).content.decode()
    assert "<progress" in html
    # A year without anything is refused in words.
    refused = client.post(reverse("benchmark:batch_start"), {"year": 1999}, follow=True)
    assert ReportBatch.objects.count() == 1 and "alert-danger" in refused.content.decode()


@pytest.mark.django_db
def test_admin_is_warned_of_a_weighted_variable_without_figures(client, cast, country):
    from portal.benchmark.selectors import current_municipalities
    from portal.municipalities.models import KeyFigures

    client.force_login(cast.admin)
    client.cookies["django_language"] = "en"
    url = reverse("benchmark:admin")
    MunicipalityFactory(number="3998", name="Uten tall")
    total = current_municipalities().count()
    covered = current_municipalities().filter(key_figures__year=YEAR).distinct().count()
    KeyFigures.objects.update(immigrant_share=None)
    body = client.get(url).content.decode()
    assert 'id="variable-gaps"' in body
    assert (
        "No municipality has figures for Immigrant share (%) for 2022–2026, so it is left out "
        "of the choice of peers for 2026 although it has a weight."
    ) in body
    # A municipality without key figures lacks the others too.
    assert total - covered == 1
    assert (
        f"1 of {total} municipalities has no figures for Population (log scale) for "
        "2022–2026: for it, the variable is left out of the choice of peers for 2026."
    ) in body
    # A variable weighted 0 is not in the choice at all: nothing to warn about.
    PeerConfig.objects.filter(is_active=True).update(
        variables={"log_population": 1.0, "centrality": 1.0, "immigrant_share": 0.0}
    )
    body = client.get(url).content.decode()
    assert "figures for Immigrant share" not in body
    assert "figures for Population (log scale)" in body


@pytest.mark.django_db
def test_without_a_broker_the_request_answers_at_once_with_the_progress_page(
    client, cast, country, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The embedded default (tasks eager, no broker): the report is made beside the request,
    which redirects to the progress page while the report is still waiting."""
    from portal.benchmark import services

    settings.BENCHMARK_IN_THREAD = True
    assert services._in_thread()
    started: list[tuple] = []
    monkeypatch.setattr(services, "_beside_the_request", lambda *call: started.append(call))
    client.force_login(cast.viewer_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_home(cast), {"year": YEAR, "language": "en"})
    report = BenchmarkReport.objects.get()
    page_url = reverse("benchmark:report", args=[cast.a.number, report.identifier])
    assert response.status_code == 302 and response["Location"] == page_url
    # Handed over, not made: pending, and noted as taken (the page does not say it is stuck).
    assert report.status == BenchmarkReport.Status.PENDING and report.queued_at is not None
    assert len(started) == 1
    page = client.get(page_url)
    assert [t.name for t in page.templates][0] == "benchmark/progress.html"
    html = page.content.decode()
    assert '<progress id="report-bar"' in html and 'value="0"' in html
    assert "report-waiting-note" not in html
    # The thread's work: the task, as a worker would run it.
    target, *args = started[0]
    target(*args)
    report.refresh_from_db()
    assert report.status == BenchmarkReport.Status.READY and report.stage == ""
    assert [t.name for t in client.get(page_url).templates][0] == "benchmark/report.html"


@pytest.mark.django_db
def test_the_progress_page_and_status_show_the_stage(client, cast, country):
    report = BenchmarkReport.objects.create(
        municipality=cast.a,
        year=YEAR,
        language="en",
        inputs_hash="x",
        identifier="4204-s",
        status=BenchmarkReport.Status.RUNNING,
        stage=BenchmarkReport.Stage.FIGURES,
    )
    client.force_login(cast.editor_a)
    client.cookies["django_language"] = "en"
    status = client.get(reverse("benchmark:report_status", args=[cast.a.number, "4204-s"])).json()
    assert status | {"url": ""} == {
        "status": "running",
        "label": "Being made",
        "stage": "figures",
        "progress_label": "Fetching the figures",
        "step": 2,
        "steps": 4,
        "ready": False,
        "url": "",
    }
    html = client.get(reverse("benchmark:report", args=[cast.a.number, "4204-s"])).content.decode()
    assert 'max="4" value="2"' in html
    assert "Step 2 of 4: Fetching the figures" in html
    assert '<li class="done">Choosing comparable municipalities</li>' in html
    assert '<li aria-current="step">Fetching the figures</li>' in html
    assert 'http-equiv="refresh"' not in html  # no timed reload under the reader
    assert "Check again</a>" in html  # without JavaScript
    report.status = BenchmarkReport.Status.PENDING
    report.stage = ""
    report.save()
    status = client.get(reverse("benchmark:report_status", args=[cast.a.number, "4204-s"])).json()
    assert status["step"] == 0 and status["progress_label"] == "Waiting to be made"
