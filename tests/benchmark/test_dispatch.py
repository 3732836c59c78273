"""Handing reports to the broker: when Redis is down a request is kept as waiting and sent once
it is back; nothing is sent twice by the sweep and no report is made twice.

The broker is simulated: ``delay`` raises kombu's OperationalError, as it does when Redis
cannot be reached (tests/faults/ does the same against a real Redis that is stopped).
"""

import importlib
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from portal.benchmark import services
from portal.benchmark.models import BenchmarkReport, PeerConfig, ReportBatch
from portal.benchmark.tasks import dispatch_batch, render_report
from tests.benchmark.test_report import YEAR, _figures
from tests.factories import MunicipalityFactory


@pytest.fixture(autouse=True)
def _batches_in_process(settings):
    settings.BENCHMARK_IN_THREAD = False


@pytest.fixture
def country(cast):
    for i, m in enumerate([cast.a, cast.b, *[MunicipalityFactory() for _ in range(3)]]):
        _figures(m, i)
    return PeerConfig.objects.create(name="standard", version=1, is_active=True, k=2)


class Broker:
    """Stands in for ``task.delay``: records what it takes, or refuses while it is down."""

    def __init__(self, *, up: bool = True, takes: int | None = None) -> None:
        self.up, self.takes, self.sent = up, takes, []

    def __call__(self, *args):
        if not self.up or (self.takes is not None and len(self.sent) >= self.takes):
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append(args[0] if len(args) == 1 else args)


def _report(m, **fields):
    return BenchmarkReport.objects.create(
        municipality=m,
        year=YEAR,
        language="nb",
        inputs_hash="x",
        identifier=f"{m.number}-x",
        **fields,
    )


@pytest.mark.django_db
def test_a_request_while_the_broker_is_down_waits_and_is_sent_once_it_is_back(
    client, cast, country, monkeypatch, django_capture_on_commit_callbacks
):
    broker = Broker(up=False)
    monkeypatch.setattr(render_report, "delay", broker)
    client.force_login(cast.editor_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("benchmark:home", args=[cast.a.number]), {"year": YEAR, "language": "nb"}
        )
    report = BenchmarkReport.objects.get()
    assert response.status_code == 302
    assert report.status == "pending" and report.queued_at is None
    # The page says it waits for the service, and keeps following it.
    page = client.get(response["Location"]).content.decode()
    assert 'id="report-waiting-note"' in page and 'id="report-progress"' in page
    # Asking again gives the same row; nothing is sent while the broker is down.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_request(
            actor=cast.editor_a, municipality=cast.a, year=YEAR, language="nb"
        )
    assert again.pk == report.pk and BenchmarkReport.objects.count() == 1
    assert services.reports_send_waiting() == 0 and broker.sent == []

    # Back: the sweep sends it once, and notes that the broker took it.
    broker.up = True
    assert services.reports_send_waiting() == 1 and broker.sent == [report.pk]
    report.refresh_from_db()
    assert report.queued_at is not None and report.status == "pending"
    assert services.reports_send_waiting() == 0 and broker.sent == [report.pk]
    page = client.get(response["Location"]).content.decode()
    assert 'id="report-waiting-note"' not in page


@pytest.mark.django_db
def test_the_task_sent_by_the_sweep_makes_the_report(country, cast, monkeypatch):
    from portal.benchmark import rendering

    monkeypatch.setattr(rendering, "render_report_pdf", lambda data: b"%PDF-stand-in")
    monkeypatch.setattr(render_report, "delay", Broker(up=False))
    report = services.report_request(
        actor=cast.editor_a, municipality=cast.a, year=YEAR, language="nb"
    )
    monkeypatch.undo()
    monkeypatch.setattr(rendering, "render_report_pdf", lambda data: b"%PDF-stand-in")
    # Tasks run in-process here: sending it makes it.
    assert services.reports_send_waiting() == 1
    report.refresh_from_db()
    assert report.is_ready and report.attempts == 1


@pytest.mark.django_db
def test_the_sweep_stops_at_the_first_refusal_and_leaves_the_rest_waiting(cast, monkeypatch):
    others = [MunicipalityFactory() for _ in range(3)]
    reports = [_report(m) for m in [cast.a, *others]]
    broker = Broker(takes=2)  # the broker goes away after two
    monkeypatch.setattr(render_report, "delay", broker)
    assert services.reports_send_waiting() == 2
    queued = dict(BenchmarkReport.objects.values_list("pk", "queued_at"))
    assert broker.sent == [reports[0].pk, reports[1].pk]
    assert queued[reports[0].pk] and queued[reports[1].pk]
    assert queued[reports[2].pk] is None and queued[reports[3].pk] is None
    broker.takes = None
    assert services.reports_send_waiting() == 2
    assert sorted(broker.sent) == sorted(r.pk for r in reports)


@pytest.mark.django_db
def test_the_sweep_leaves_made_and_queued_reports_alone_and_resends_lost_ones(cast, monkeypatch):
    broker = Broker()
    monkeypatch.setattr(render_report, "delay", broker)
    long_ago = timezone.now() - timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    m = [cast.a, cast.b, *[MunicipalityFactory() for _ in range(4)]]
    _report(m[0], status="ready")
    _report(m[1], status="running", started_at=timezone.now())
    _report(m[2], status="failed")
    _report(m[3], queued_at=timezone.now())  # in the queue
    lost = _report(m[4], queued_at=long_ago)  # taken long ago and never started
    in_batch = _report(m[5], queued_at=long_ago)
    ReportBatch.objects.create(year=YEAR, inputs_hash="x").reports.add(in_batch)
    # A batch's own check decides about its reports (it knows whether the queue moves).
    assert services.reports_send_waiting() == 1 and broker.sent == [lost.pk]
    assert services.reports_send_waiting() == 0


@pytest.mark.django_db
def test_a_batch_started_while_the_broker_is_down_is_sent_once_it_is_back(
    country, cast, monkeypatch, django_capture_on_commit_callbacks
):
    down = Broker(up=False)
    monkeypatch.setattr(dispatch_batch, "delay", down)
    monkeypatch.setattr(render_report, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_start(actor=cast.admin, year=YEAR)
    total = batch.reports.count()
    assert total == batch.reports.filter(status="pending", queued_at__isnull=True).count() > 0
    # The batch's own check, while it is young, sends the reports the broker never took ...
    broker = Broker(takes=1)
    monkeypatch.setattr(render_report, "delay", broker)
    assert services.batches_resume() == 1
    # ... and the sweep the rest, each once.
    broker.takes = None
    assert services.reports_send_waiting() == total - 1
    assert sorted(broker.sent) == sorted(batch.reports.values_list("pk", flat=True))
    assert services.batches_resume() == 0 and services.reports_send_waiting() == 0
    assert BenchmarkReport.objects.count() == total


@pytest.mark.django_db
def test_a_report_tried_again_after_failing_waits_unqueued_until_sent(
    country, cast, monkeypatch, django_capture_on_commit_callbacks
):
    broker = Broker()
    monkeypatch.setattr(render_report, "delay", broker)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            actor=cast.editor_a, municipality=cast.a, year=YEAR, language="nb"
        )
    assert broker.sent == [report.pk]
    BenchmarkReport.objects.filter(pk=report.pk).update(status="failed", error="boom")
    broker.up = False
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_request(
            actor=cast.editor_a, municipality=cast.a, year=YEAR, language="nb"
        )
    again.refresh_from_db()
    assert again.pk == report.pk and again.status == "pending" and again.queued_at is None
    broker.up = True
    assert services.reports_send_waiting() == 1 and broker.sent == [report.pk] * 2


def test_a_worker_asks_for_the_waiting_work_each_time_it_connects(caplog):
    from portal.celery import WAITING_WORK, SendWaitingWork, app

    assert WAITING_WORK[0] == "portal.benchmark.tasks.send_waiting_reports"
    assert set(WAITING_WORK) == {
        "portal.benchmark.tasks.send_waiting_reports",
        "portal.accounts.tasks.send_unsent_invitations",
        "surveys.tasks.send_unsent_emails",
        "housing.tasks.send_unsent_reminders",
    }
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in WAITING_WORK:
        importlib.import_module(name.rpartition(".")[0])  # as a worker finds them when it starts
        assert name in app.tasks and name in scheduled
    schedule = settings.CELERY_BEAT_SCHEDULE["benchmark-send-waiting-reports"]
    assert schedule["task"] == "portal.benchmark.tasks.send_waiting_reports"
    assert SendWaitingWork in app.steps["consumer"]

    sent = []
    consumer = SimpleNamespace(app=SimpleNamespace(send_task=sent.append))
    step = SendWaitingWork.__new__(SendWaitingWork)
    step.start(consumer)
    step.start(consumer)  # connected again after Redis was away
    assert sent == list(WAITING_WORK) * 2

    tried = []

    def down(name):
        tried.append(name)
        raise BrokerError("down again")

    step.start(SimpleNamespace(app=SimpleNamespace(send_task=down)))  # logged, not raised
    # One try and one line: the others would only fail the same way.
    assert tried == [WAITING_WORK[0]]
    assert [r.levelname for r in caplog.records if "waiting work" in r.message] == ["WARNING"]


@pytest.mark.django_db
def test_a_single_report_whose_maker_died_is_sent_again_once(cast, monkeypatch):
    broker = Broker()
    monkeypatch.setattr(render_report, "delay", broker)
    long_ago = timezone.now() - timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    dead = _report(cast.a, status="running", started_at=long_ago, queued_at=long_ago)
    ReportBatch.objects.create(year=YEAR, inputs_hash="x")  # an open batch without reports
    assert services.reports_send_waiting() == 1 and broker.sent == [dead.pk]
    # Sent just now: not again on the next sweep, while the new task gets to it.
    assert services.reports_send_waiting() == 0
    # The new task may take it over (its maker has been silent longer than a task may run).
    assert services.report_claim(report_id=dead.pk, claim="new-task")
