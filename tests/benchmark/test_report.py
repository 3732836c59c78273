"""The benchmark report end to end: content, no-data paths, reproducibility, the task, the PDF."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from pypdf import PdfReader

from portal.benchmark import rendering, services
from portal.benchmark.models import BenchmarkReport, PeerConfig, PeerSet, ReportBatch
from portal.benchmark.report.builder import build_report
from portal.benchmark.selectors import active_config, report_inputs
from portal.municipalities.models import KeyFigures, Municipality
from surveys.models import Answer, Response
from tests.factories import KeyFiguresFactory, MunicipalityFactory

YEAR = 2026


@pytest.fixture(autouse=True)
def _batches_in_process(settings):
    settings.BENCHMARK_IN_THREAD = False


def _figures(m, i, *, intro=True, years=(2024, 2025, 2026)):
    for year in years:
        KeyFiguresFactory(
            municipality=m,
            year=year,
            population=5_000 + 3_000 * i,
            centrality_score=(131 * i) % 1000,
            immigrant_share=6 + i % 9,
            kostra_group="EKG05" if i % 2 else "EKG07",
            requested=20 + i,
            decided=18 + i,
            settled=15 + i,
            unaccompanied_requested=4,
            unaccompanied_decided=4,
            unaccompanied_settled=3,
            intro_completed=12 + i if intro else None,
            intro_work_or_education_direct=6 + i // 2 if intro else None,
            intro_work_or_education_1y=8 + i // 2 if intro else None,
        )


@pytest.fixture
def country(cast):
    """Kristiansand (A), Bergen (B) and ten more municipalities with three years of figures."""
    others = [MunicipalityFactory(number=f"{3100 + i}", name=f"Peer {i:02d}") for i in range(10)]
    for i, m in enumerate([cast.a, cast.b, *others]):
        _figures(m, i)
    config = PeerConfig.objects.create(name="standard", version=1, is_active=True, k=3)
    return {"others": others, "config": config}


def _build(m, language="en"):
    config = active_config()
    peer_set = services.peer_set_compute(actor=None, year=YEAR, config=config) if config else None
    with translation.override(language):
        return build_report(
            report_inputs(m, YEAR, config=config, peer_set=peer_set),
            identifier="test",
            language=language,
        )


@pytest.mark.django_db
def test_report_content_for_a_municipality_with_peers(country, cast):
    data = _build(cast.a)
    assert data["peers"]["available"] and len(data["peers"]["rows"]) == 3
    assert all(0 <= row["similarity"] <= 100 for row in data["peers"]["rows"])
    # Pooled 2024–2026: Kristiansand (i = 0) requested 3 × 20, decided 3 × 18, settled 3 × 15.
    decided, settled_of_decided, settled = data["settlement"]["rows"]
    assert decided["you"]["value"] == pytest.approx(54 / 60)
    assert settled_of_decided["you"]["value"] == pytest.approx(45 / 54)
    assert settled["you"]["value"] == pytest.approx(45 / 60)
    assert settled["you"]["text"] == "75 %"
    # Country: weighted over all 12 municipalities (i = 0..11).
    requested = sum(3 * (20 + i) for i in range(12))
    settled_all = sum(3 * (15 + i) for i in range(12))
    assert settled["country"]["value"] == pytest.approx(settled_all / requested)
    # Introduction: 3 × 12 completers, 3 × 8 in work or education one year after -> 66.7 %.
    one_year = data["intro"]["rows"][1]
    assert one_year["you"]["value"] == pytest.approx(24 / 36)
    assert not one_year["you"]["uncertain"]  # 36 completers
    year_2026 = data["intro"]["years"][-1]
    assert year_2026["completed"]["uncertain"] and year_2026["one_year"]["uncertain"]  # 12
    assert data["position"]["placed"]
    assert 3 <= len(data["findings"]) <= 6
    assert data["kostra"]["code"] == "EKG07"
    # Unaccompanied minors: 3 settled a year, 9 pooled over the three years (shown).
    assert data["unaccompanied"]["rows"][1]["you"]["value"] == 9


@pytest.mark.django_db
def test_same_inputs_give_the_same_report(country, cast):
    first, second = _build(cast.a), _build(cast.a)
    for key in ("peers", "settlement", "intro", "position", "survey", "csv", "findings"):
        assert first[key] == second[key]


@pytest.mark.django_db
def test_a_municipality_without_key_figures_says_no_data(country):
    lonely = MunicipalityFactory(number="3999", name="Utenfor")
    data = _build(lonely)
    assert not data["peers"]["available"]
    assert "Too few of the matching figures" in data["peers"]["reason"]
    assert not data["settlement"]["has_data"]
    assert not data["intro"]["has_data"]
    assert not data["position"]["placed"]
    assert data["kostra"] is None
    assert any("no settlement figures" in s for s in data["findings"])
    html = rendering.render_report_html(data)
    assert "No data: there are no settlement figures" in html


@pytest.mark.django_db
def test_no_survey_and_no_submitted_answers(country, cast):
    data = _build(cast.a)
    assert not data["survey"]["available"]
    assert "no survey for 2026" in data["survey"]["reason"]

    from surveys.editions.services import edition_import
    from surveys.models import SurveyEdition
    from tests.surveys.conftest import definition

    edition = SurveyEdition.objects.filter(year=YEAR).first() or edition_import(
        actor=None, content=definition()
    )
    data = _build(cast.a)
    assert data["survey"]["available"] and data["survey"]["respondents"] == 0
    assert data["survey"]["themes"] == []
    html = rendering.render_report_html(data)
    assert "no answers have been submitted yet" in html

    # Bergen submits a yes; Kristiansand's own answer is in progress, so it is not shown.
    question = edition.questions.get(key="has_plan")
    for m, status, value in ((cast.b, "submitted", "yes"), (cast.a, "in_progress", "no")):
        response = Response.objects.create(edition=edition, municipality=m, status=status)
        Answer.objects.create(response=response, municipality=m, question=question, value=value)
    data = _build(cast.a)
    assert data["survey"]["respondents"] == 1 and not data["survey"]["own_counted"]
    item = data["survey"]["themes"][0]["questions"][0]["items"][0]
    assert item["you"] == "Not answered"
    assert item["label"] == "Yes" and item["country"] == "100 %"


@pytest.mark.django_db
@pytest.mark.parametrize("given", [("yes", "no"), ("no", "yes")])
def test_a_tie_for_the_answer_most_given_goes_to_the_first_in_the_questions_order(
    country, cast, given
):
    """Whatever order the answers came in (and whatever the process's string hashing), the same
    answers make the same report: yes before no."""
    from surveys.editions.services import edition_import
    from surveys.models import SurveyEdition
    from tests.surveys.conftest import definition

    edition = SurveyEdition.objects.filter(year=YEAR).first() or edition_import(
        actor=None, content=definition()
    )
    question = edition.questions.get(key="has_plan")
    # Two organisations without key figures: not peers, so the tie is in the country's answers.
    others = [MunicipalityFactory(number=n, name=f"Kommune {n}") for n in ("4020", "4022")]
    for m, value in zip(others, given, strict=True):
        response = Response.objects.create(edition=edition, municipality=m, status="submitted")
        Answer.objects.create(response=response, municipality=m, question=question, value=value)
    item = _build(cast.a)["survey"]["themes"][0]["questions"][0]["items"][0]
    assert (item["you"], item["label"], item["country"]) == ("Not answered", "Yes", "50 %")


@pytest.mark.django_db
def test_oslo_with_no_near_peers(country, cast):
    oslo = MunicipalityFactory(number="0301", name="Oslo")
    KeyFiguresFactory(
        municipality=oslo,
        year=YEAR,
        population=720_000,
        centrality_score=1000,
        immigrant_share=34,
        requested=600,
        decided=600,
        settled=550,
    )
    config = PeerConfig.objects.get()
    config.is_active = False
    config.save()
    PeerConfig.objects.create(name="standard", version=2, is_active=True, k=3, min_similarity=60)
    data = _build(oslo)
    assert not data["peers"]["available"]
    assert "No municipality is similar enough" in data["peers"]["reason"]
    assert data["settlement"]["has_data"]
    assert data["settlement"]["rows"][2]["peers"]["value"] is None  # no peer median
    assert data["settlement"]["rows"][2]["country"]["value"] is not None
    assert any("similar enough" in s for s in data["findings"])
    rendering.render_report_html(data)


@pytest.mark.django_db
def test_city_district_has_no_peers_but_a_report(country, cast):
    oslo = MunicipalityFactory(number="0301", name="Oslo")
    district = MunicipalityFactory(
        number="030101", name="Gamle Oslo", kind=Municipality.Kind.DISTRICT, parent=oslo
    )
    data = _build(district)
    assert not data["peers"]["available"]
    assert "City districts are not matched" in data["peers"]["reason"]


@pytest.mark.django_db
def test_small_numbers_are_suppressed_with_complements(country, cast):
    # A municipality with 3 completers in one year and 2 unaccompanied minors settled.
    small = MunicipalityFactory(number="3998", name="Liten")
    KeyFiguresFactory(
        municipality=small,
        year=YEAR,
        population=1500,
        centrality_score=100,
        immigrant_share=4,
        requested=8,
        decided=8,
        settled=7,
        unaccompanied_settled=2,
        intro_completed=3,
        intro_work_or_education_1y=2,
    )
    data = _build(small)
    year_row = next(y for y in data["settlement"]["years"] if y["year"] == YEAR)
    assert year_row["ratio"]["suppressed"]  # denominator 8 < 10
    split = data["settlement"]["split"]
    minors, others = split["rows"][0]["cells"]
    assert minors["suppressed"] and minors["text"] == ":"
    # 2 minors of 7 settled: the total (7) alone would give the hidden value away.
    assert others["suppressed"] or split["rows"][0]["total"]["suppressed"]
    assert data["intro"]["rows"][1]["you"]["suppressed"]
    assert not data["position"]["placed"]
    assert "fewer than 10" in data["position"]["reason"]
    csv_text = rendering.report_csv(data)
    assert ",:" in csv_text


@pytest.mark.django_db
def test_suppressed_peer_hides_single_peer_values(country, cast):
    peer_numbers = [row["number"] for row in _build(cast.a)["peers"]["rows"]]
    KeyFigures.objects.filter(municipality__number=peer_numbers[0]).update(settled=1, requested=4)
    data = _build(cast.a)
    assert not data["settlement"]["named_peers"]
    assert data["settlement"]["peer_cells"] == []
    assert 'class="peers"></g>' in data["settlement"]["dot"]  # the band only, no single peer


@pytest.mark.django_db
def test_report_queries_do_not_grow_with_municipalities(cast, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (4, 24):
        for i in range(len(counts) * 4, len(counts) * 4 + n):
            _figures(MunicipalityFactory(number=f"{5000 + i}"), i)
        PeerConfig.objects.update(is_active=False)
        config = PeerConfig.objects.create(
            name="standard", version=1 + len(counts), is_active=True, k=3
        )
        peer_set = services.peer_set_compute(actor=None, year=YEAR, config=config)
        with CaptureQueriesContext(connection) as queries:
            report_inputs(cast.a, YEAR, config=config, peer_set=peer_set)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 16


# --- Requests, the task and the PDF ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_request_makes_a_tagged_pdf_once(country, cast):
    report = services.report_request(
        actor=cast.viewer_a, municipality=cast.a, year=YEAR, language="nb"
    )
    report.refresh_from_db()
    assert report.status == BenchmarkReport.Status.READY, report.error
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "nb"
    assert "Kristiansand" in str(reader.metadata.title)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Kristiansand" in text and report.identifier in text
    for row in report.data["peers"]["rows"]:
        assert row["name"] in text
    fonts = {
        str(f["/BaseFont"])
        for page in reader.pages
        for f in (page["/Resources"].get("/Font") or {}).values()
    }
    assert fonts and all("Source-Sans-3" in f for f in fonts), fonts
    assert report.csv.count(report.identifier) > 20

    # Asking again with nothing changed gives the same report; nothing is made again.
    again = services.report_request(
        actor=cast.editor_a, municipality=cast.a, year=YEAR, language="nb"
    )
    assert again.pk == report.pk
    assert BenchmarkReport.objects.count() == 1

    # A changed key figure makes a new one, and the old one stays as it was.
    KeyFigures.objects.filter(municipality=cast.b, year=YEAR).update(
        settled=1, updated_at=timezone.now()
    )
    changed = services.report_request(
        actor=cast.editor_a, municipality=cast.a, year=YEAR, language="nb"
    )
    assert changed.pk != report.pk and changed.identifier != report.identifier
    assert BenchmarkReport.objects.count() == 2


@pytest.mark.django_db
def test_the_task_is_idempotent(country, cast):
    from portal.benchmark.tasks import render_report

    report = BenchmarkReport.objects.create(
        municipality=cast.a, year=YEAR, language="en", inputs_hash="x", identifier="4204-x"
    )
    assert render_report.apply(args=[report.pk], task_id="t-1").get() is True
    report.refresh_from_db()
    made_at, attempts = report.finished_at, report.attempts
    assert report.is_ready and attempts == 1
    # Delivered again, or a second copy: nothing is made again.
    assert render_report.apply(args=[report.pk], task_id="t-1").get() is False
    assert render_report.apply(args=[report.pk], task_id="t-2").get() is False
    report.refresh_from_db()
    assert (report.finished_at, report.attempts) == (made_at, attempts)


@pytest.mark.django_db
def test_claims(country, cast):
    report = BenchmarkReport.objects.create(
        municipality=cast.a, year=YEAR, language="en", inputs_hash="x", identifier="4204-x"
    )
    assert services.report_claim(report_id=report.pk, claim="a")
    # Another task cannot take a report a live task is making; the same task (redelivered) can.
    assert not services.report_claim(report_id=report.pk, claim="b")
    assert services.report_claim(report_id=report.pk, claim="a")
    # A maker silent for longer than the time limit has died: another task may take over, and
    # the old one can no longer write its result.
    BenchmarkReport.objects.filter(pk=report.pk).update(
        started_at=timezone.now() - timezone.timedelta(hours=2)
    )
    assert services.report_claim(report_id=report.pk, claim="b")
    assert not services.report_generate(report_id=report.pk, claim="a")
    report.refresh_from_db()
    assert report.claimed_by == "b" and report.status == "running"


@pytest.mark.django_db
def test_a_failure_is_recorded_and_can_be_retried(
    country, cast, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(data):
        raise ValueError("template exploded")

    monkeypatch.setattr(rendering, "render_report_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            actor=cast.editor_a, municipality=cast.a, year=YEAR, language="nb"
        )
    report.refresh_from_db()
    assert report.status == "failed" and "template exploded" in report.error
    assert not report.pdf and report.data == {}
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_request(
            actor=cast.editor_a, municipality=cast.a, year=YEAR, language="nb"
        )
    again.refresh_from_db()
    assert again.pk == report.pk and again.is_ready


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "language", "message"),
    [(1999, "nb", "no figures or survey for 1999"), (YEAR, "de", "bokmål, nynorsk or English")],
)
def test_bad_requests_are_refused_in_words(country, cast, year, language, message):
    with translation.override("en"), pytest.raises(services.ReportRequestInvalid, match=message):
        services.report_request(
            actor=cast.editor_a, municipality=cast.a, year=year, language=language
        )
    assert not BenchmarkReport.objects.exists()


@pytest.mark.django_db
def test_batch_is_idempotent_and_resumable(
    country, cast, django_capture_on_commit_callbacks, monkeypatch
):
    # The PDF itself is tested above; here a stand-in keeps a batch of 12 quick.
    monkeypatch.setattr(rendering, "render_report_pdf", lambda data: b"%PDF-stand-in")
    from portal.benchmark.selectors import batch_progress
    from portal.benchmark.tasks import render_report

    sent = []
    monkey = render_report.delay

    def record(report_id):
        sent.append(report_id)

    render_report.delay = record
    try:
        with django_capture_on_commit_callbacks(execute=True):
            batch = services.batch_start(actor=cast.admin, year=YEAR)
    finally:
        render_report.delay = monkey
    organisations = Municipality.objects.filter(valid_to__isnull=True).count()
    assert batch.reports.count() == organisations == len(set(sent))
    # One report made, one "killed" mid-way (running, silent), the rest still pending.
    first, second = sorted(set(sent))[:2]
    services.report_generate(report_id=first, claim="w1")
    assert services.report_claim(report_id=second, claim="dead-worker")
    BenchmarkReport.objects.filter(pk=second).update(
        started_at=timezone.now() - timezone.timedelta(hours=2)
    )
    progress = batch_progress(batch)
    assert progress["ready"] == 1 and progress["total"] == organisations
    # Starting the same batch again adds no rows; resuming makes what is left, once each.
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_start(actor=cast.admin, year=YEAR)
    assert BenchmarkReport.objects.count() == organisations
    assert services.batches_resume() == 0  # both batches are done now (tasks run in-process)
    batch.refresh_from_db()
    assert batch.finished_at is not None
    assert BenchmarkReport.objects.filter(status="ready").count() == organisations
    assert ReportBatch.objects.count() == 2
    languages = dict(BenchmarkReport.objects.values_list("municipality__number", "language"))
    assert languages[cast.a.number] == cast.a.language


@pytest.mark.django_db
def test_command_writes_the_stored_pdf(country, cast, tmp_path):
    out = tmp_path / "rapport.pdf"
    call_command(
        "benchmark_report", cast.a.number, str(YEAR), "--out", str(out), stdout=io.StringIO()
    )
    report = BenchmarkReport.objects.get()
    assert out.read_bytes() == bytes(report.pdf)
    # Again: the same stored file, not a new one.
    again = tmp_path / "again.pdf"
    call_command(
        "benchmark_report", cast.a.number, str(YEAR), "--out", str(again), stdout=io.StringIO()
    )
    assert again.read_bytes() == out.read_bytes() and BenchmarkReport.objects.count() == 1
    with pytest.raises(CommandError, match="No current municipality"):
        call_command("benchmark_report", "0000", str(YEAR), "--out", str(out))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("benchmark_report", cast.a.number, str(YEAR), "--out", "/nonexistent/x.pdf")


@pytest.mark.django_db
def test_not_placed_when_placing_would_show_a_suppressed_figure(country, cast):
    KeyFigures.objects.filter(municipality=cast.a).update(
        intro_completed=12, intro_work_or_education_1y=1
    )  # 3 of 36 over the window: 1–4 persons
    data = _build(cast.a)
    assert data["intro"]["rows"][1]["you"]["suppressed"]
    assert not data["position"]["placed"]
    assert "too small to show" in data["position"]["reason"]
    assert "%" not in data["position"]["reason"]


@pytest.mark.django_db
def test_beat_resends_pending_reports_only_when_the_batch_has_stalled(country, cast, monkeypatch):
    from portal.benchmark.tasks import render_report

    sent = []
    monkeypatch.setattr(render_report, "delay", sent.append)
    batch = ReportBatch.objects.create(year=YEAR, inputs_hash="x")
    reports = [
        BenchmarkReport.objects.create(
            municipality=m,
            year=YEAR,
            language="nb",
            inputs_hash="x",
            identifier=f"{m.number}-x",
            queued_at=timezone.now(),  # the broker took their tasks
        )
        for m in (cast.a, cast.b)
    ]
    batch.reports.add(*reports)
    # Just started, the queue still holds the messages: nothing is sent again.
    assert services.batches_resume() == 0 and sent == []
    # A maker that died long ago is taken over at once, while the batch is still moving.
    BenchmarkReport.objects.filter(pk=reports[0].pk).update(
        status="running", started_at=timezone.now() - timezone.timedelta(hours=2)
    )
    assert services.batches_resume() == 1 and sent == [reports[0].pk]
    # Nothing started or finished for longer than the stall limit: everything left is sent.
    sent.clear()
    ReportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert services.batches_resume() == 2 and sorted(sent) == sorted(r.pk for r in reports)
    # The admin's Resume sends everything left, stalled or not.
    sent.clear()
    assert services.batch_dispatch(batch_id=batch.pk) == 2


@pytest.mark.django_db
def test_the_data_section_names_the_key_figures_sources(country, cast):
    entry = {
        "source": "SSB",
        "table": "07459",
        "file": "SSB API 07459",
        "fetched": "2026-02-21",
        "imported_at": "2026-02-22T08:00:00+00:00",
    }
    KeyFigures.objects.filter(municipality=cast.a).update(sources={"population": entry})
    KeyFigures.objects.filter(municipality=cast.b).update(
        sources={
            "settled": {"source": "IMDi", "file": "bosetting.csv", "imported_at": "2026-01-05"}
        }
    )
    vintages = {v["source"]: v["detail"] for v in _build(cast.a)["vintages"]}
    assert vintages["Key figures: sources"] == (
        "SSB 07459 (SSB API 07459, fetched 2026-02-21, imported 2026-02-22); "
        "IMDi (bosetting.csv, imported 2026-01-05)"
    )
    KeyFigures.objects.update(sources={})
    assert "Key figures: sources" not in {v["source"] for v in _build(cast.a)["vintages"]}


@pytest.mark.django_db
def test_a_year_without_a_request_has_no_share_and_no_point_in_the_trend(country, cast):
    """Settled but not requested (the figures of 2022–2023 in the demo): the share is "–", and
    the count is never taken for the share, in the table, the CSV or the trend chart."""
    KeyFigures.objects.filter(municipality=cast.a, year=2025).update(requested=None, decided=None)
    data = _build(cast.a)
    year_2025 = next(y for y in data["settlement"]["years"] if y["year"] == 2025)
    assert year_2025["settled"]["value"] == 15
    assert year_2025["ratio"] == {
        "value": None,
        "text": "–",
        "suppressed": False,
        "uncertain": False,
    }
    # The trend's y axis stays at 100 %: no point at 1 500 %.
    assert ">100 %</text>" in data["settlement"]["trend"]
    assert "1500" not in data["settlement"]["trend"]


@pytest.mark.django_db
def test_a_variable_nobody_has_is_said_to_be_left_out_of_the_peer_choice(country, cast):
    KeyFigures.objects.update(immigrant_share=None)
    data = _build(cast.a)
    peers = data["peers"]
    assert peers["available"]
    note = (
        "No figures for Immigrant share (%) for 2022–2026 for any municipality — the variable "
        "is not used in choosing the peers."
    )
    assert peers["left_out"] == [note]
    share = next(v for v in peers["variables"] if v["label"] == "Immigrant share (%)")
    assert share == share | {"value": "–", "drive": "Not used", "used": False}
    assert "immigrant share" not in peers["matched_on"]
    assert peers["matched_on"] == (
        "population, centrality and refugees settled in the last five years"
    )
    html = rendering.render_report_html(data)
    # In the peers part (with the contents linking to it) and in the method part.
    assert html.count(note) == 2 and 'href="#left-out"' in html
    pdf = PdfReader(io.BytesIO(rendering.render_report_pdf(data)))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "No figures for Immigrant share (%) for 2022–2026 for any municipality" in text


@pytest.mark.django_db
def test_a_variable_the_municipality_or_a_peer_lacks_is_named(country, cast):
    KeyFigures.objects.filter(municipality=cast.a).update(immigrant_share=None)
    data = _build(cast.a)
    assert data["peers"]["left_out"] == [
        "No figures for Immigrant share (%) for 2022–2026 for Kristiansand — the variable is "
        "not used in choosing the peers; the other variables count proportionally more."
    ]
    # Bergen has it, but one of its peers has not: compared on the other variables.
    peer_of_b = _build(cast.b)["peers"]["rows"][0]["number"]
    KeyFigures.objects.filter(municipality__number=peer_of_b).update(immigrant_share=None)
    KeyFigures.objects.filter(municipality=cast.a).update(immigrant_share=6)
    PeerSet.objects.all().delete()
    notes = _build(cast.b)["peers"]["left_out"]
    lacking = sum(1 for r in _build(cast.b)["peers"]["rows"] if r["number"] == peer_of_b)
    assert lacking == 1 and notes == [
        "1 of the 3 peers has no figures for Immigrant share (%) for 2022–2026: its "
        "similarity is worked out from the other variables."
    ]
    # Nothing missing, nothing said.
    KeyFigures.objects.update(immigrant_share=7)
    PeerSet.objects.all().delete()
    assert _build(cast.b)["peers"]["left_out"] == []


@pytest.mark.django_db
def test_the_task_notes_each_stage_it_reaches(country, cast, monkeypatch):
    """Peers, figures, content, PDF: each noted on the row as the task gets there."""
    report = BenchmarkReport.objects.create(
        municipality=cast.a, year=YEAR, language="en", inputs_hash="x", identifier="4204-t"
    )
    seen: list[str] = []

    def noting(function):
        def wrapper(*args, **kwargs):
            seen.append(BenchmarkReport.objects.get(pk=report.pk).stage)
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(services, "peer_set_compute", noting(services.peer_set_compute))
    monkeypatch.setattr(services, "report_inputs", noting(services.report_inputs))
    monkeypatch.setattr(services, "build_report", noting(services.build_report))
    monkeypatch.setattr(
        services.rendering, "render_report_pdf", noting(services.rendering.render_report_pdf)
    )
    assert services.report_generate(report_id=report.pk, claim="c")
    assert seen == ["peers", "figures", "content", "pdf"]
    report.refresh_from_db()
    assert report.status == BenchmarkReport.Status.READY and report.stage == ""


def test_work_beside_the_request_runs_in_its_own_thread_and_logs_a_failure(caplog):
    import threading

    ran: list[str] = []
    thread = services._beside_the_request(lambda: ran.append(threading.current_thread().name))
    thread.join(timeout=10)
    assert ran and ran[0] != threading.current_thread().name

    def broken():
        raise RuntimeError("boom")

    services._beside_the_request(broken).join(timeout=10)
    assert "failed in its thread" in caplog.text
