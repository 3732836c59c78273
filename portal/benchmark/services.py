"""Writes for the benchmark: peer configurations and frozen peer sets, reports and batches."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.benchmark import peers as peer_math
from portal.benchmark import rendering
from portal.benchmark.models import (
    BenchmarkReport,
    PeerConfig,
    PeerSet,
    PeerSetMember,
    ReportBatch,
)
from portal.benchmark.report.builder import build_report
from portal.benchmark.selectors import (
    active_config,
    current_municipalities,
    inputs_fingerprint,
    peer_variable_inputs,
    report_inputs,
    report_years,
)
from portal.core import queue
from portal.core.audit.services import audit_log
from portal.municipalities.models import Municipality

logger = logging.getLogger(__name__)


@transaction.atomic
def peer_set_compute(*, actor, year: int, config: PeerConfig) -> PeerSet:
    """The frozen peer set for ``year`` under ``config``, computing and storing it the first time.

    Computing again for the same year and config returns the stored set unchanged, so a report
    can be reproduced later even if the key figures have been corrected since. Costs a constant
    number of queries to read (municipalities, key figures); the member rows are written with one
    ``bulk_create`` (which SQLite splits into batches of 999 parameters).
    """
    existing = PeerSet.objects.filter(year=year, config=config).first()
    if existing is not None:
        return existing

    municipalities = {m.number: m for m in current_municipalities().only("id", "number")}
    inputs = peer_variable_inputs(year, municipalities)
    weights = {name: float(weight) for name, weight in config.variables.items()}
    results = peer_math.choose_peers(
        {number: {v: values.get(v) for v in weights} for number, values in inputs.items()},
        weights=weights,
        k=config.k,
        lower=config.winsor_lower,
        upper=config.winsor_upper,
        size_band_constraint=config.size_band,
        populations={number: values["population"] for number, values in inputs.items()},
        min_similarity=config.min_similarity,
    )

    try:
        with transaction.atomic():
            peer_set = PeerSet.objects.create(
                year=year,
                config=config,
                inputs=inputs,
                comparison={number: r.comparison for number, r in results.items()},
                excluded={n: r.excluded_reason for n, r in results.items() if r.excluded_reason},
            )
    except IntegrityError:
        # Computed concurrently by someone else: theirs is the frozen one.
        return PeerSet.objects.get(year=year, config=config)
    PeerSetMember.objects.bulk_create(
        PeerSetMember(
            peer_set=peer_set,
            municipality=municipalities[str(number)],
            peer=municipalities[str(peer.key)],
            rank=peer.rank,
            distance=peer.distance,
            similarity=peer.similarity,
            drivers=peer.drivers,
        )
        for number, result in results.items()
        for peer in result.peers
    )
    audit_log(
        actor=actor,
        action="benchmark.peer_set_compute",
        obj=peer_set,
        changes={
            "year": [None, year],
            "config": [None, str(config)],
            "municipalities": [None, len(municipalities)],
            "without_peers": [None, sum(1 for r in results.values() if not r.peers)],
        },
    )
    return peer_set


# --- Reports ----------------------------------------------------------------------------------

REPORT_LANGUAGES = ("nb", "nn", "en")


class ReportRequestInvalid(ValueError):
    """The request cannot be met; the message is for the person who asked."""


def report_identifier(
    municipality: Municipality, year: int, language: str, inputs_hash: str
) -> str:
    return f"{municipality.number}-{year}-{language}-{inputs_hash[:10]}"


def _send_renders(report_ids: list[int], *, only: Q | None = None) -> int:
    """Send a task to make each of the reports (those of them matching ``only``), noting on
    each when the broker took it; returns how many were sent.

    The rows are marked with this call's own time before anything is sent, so two sweeps at
    once do not both send the same report. If the broker refuses a task (it is down), nothing
    more is tried: that report and the rest are unmarked again and stay waiting, and the page
    says so; ``reports_send_waiting`` sends them once the broker is back. A report is made only
    once however many tasks are sent for it (each task claims the row).
    """
    now = timezone.now()
    marked: set[int] = set()
    for start in range(0, len(report_ids), 500):
        chunk = report_ids[start : start + 500]
        rows = BenchmarkReport.objects.filter(pk__in=chunk)
        if only is not None:
            rows = rows.filter(only)
        rows.update(queued_at=now)
        marked.update(
            BenchmarkReport.objects.filter(pk__in=chunk, queued_at=now).values_list("pk", flat=True)
        )
    todo = [pk for pk in report_ids if pk in marked]
    sent = queue.send_each("portal.benchmark.tasks.render_report", todo)
    unsent = todo[sent:]
    for start in range(0, len(unsent), 500):
        BenchmarkReport.objects.filter(pk__in=unsent[start : start + 500], queued_at=now).update(
            queued_at=None
        )
    return sent


def _in_thread() -> bool:
    """No broker (the embedded default, tasks run eagerly): the work is done in a thread beside
    the request that asked for it, so that the request answers at once and the page can follow
    the work, as with a worker."""
    return bool(current_app.conf.task_always_eager and settings.BENCHMARK_IN_THREAD)


def _beside_the_request(target: Any, *args: Any) -> threading.Thread:
    """``target(*args)`` in a daemon thread with its own database connection, closed at the end."""

    def run() -> None:
        try:
            target(*args)
        except Exception:
            logger.exception("benchmark: %s%r failed in its thread", target, args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _enqueue_report(report_id: int) -> None:
    waiting = Q(status=BenchmarkReport.Status.PENDING, queued_at__isnull=True)
    if _in_thread():
        transaction.on_commit(lambda: _render_beside_the_request(report_id, only=waiting))
    else:
        transaction.on_commit(lambda: _send_renders([report_id], only=waiting))


def _render_beside_the_request(report_id: int, *, only: Q) -> None:
    """The report's task, run in a thread (see ``_in_thread``). It is noted as taken first, as
    the broker's taking it is, so that the progress page does not say the service is away."""
    if (
        not BenchmarkReport.objects.filter(pk=report_id)
        .filter(only)
        .update(queued_at=timezone.now())
    ):
        return
    _beside_the_request(queue.send, "portal.benchmark.tasks.render_report", report_id)


def reports_send_waiting() -> int:
    """Send the reports waiting for a task that nobody will otherwise send; returns how many.

    Those are the reports asked for (or batches started) while the broker was down, which it
    never took; and, of the reports asked for one at a time, those whose task was taken longer
    ago than a task may run and which are still pending (the broker lost the message) or whose
    maker has been silent that long (it died with the message). A batch's reports whose tasks
    were taken are left to the batch's own check (``batch_dispatch``), which knows whether the
    queue is moving. Run by Celery beat every minute and by each worker as it connects to the
    broker; a report is made only once however often it is sent.
    """
    lost_before = _stale_before()
    never_sent = Q(status=BenchmarkReport.Status.PENDING, queued_at__isnull=True)
    lost = (
        Q(status=BenchmarkReport.Status.PENDING)
        | Q(status=BenchmarkReport.Status.RUNNING, started_at__lt=lost_before)
    ) & (Q(queued_at__isnull=True) | Q(queued_at__lt=lost_before))
    in_open_batch = ReportBatch.reports.through.objects.filter(
        reportbatch__finished_at__isnull=True
    ).values("benchmarkreport_id")
    ids = list(
        BenchmarkReport.objects.filter(never_sent | (lost & ~Q(pk__in=in_open_batch)))
        .order_by("requested_at", "id")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    sent = _send_renders(ids, only=never_sent | lost)
    if sent:
        logger.info("benchmark: sent %d waiting report(s) to be made", sent)
    return sent


@transaction.atomic
def report_request(
    *, actor, municipality: Municipality, year: int, language: str
) -> BenchmarkReport:
    """The organisation's report for ``year`` in ``language``: the stored one if nothing it
    reads has changed since, otherwise a new one, made in the background.

    A report that could not be made is tried again. Asking again while one is being made
    returns that one: it never makes two.
    """
    if language not in REPORT_LANGUAGES:
        raise ReportRequestInvalid(_("Choose bokmål, nynorsk or English."))
    _check_year(year)
    inputs_hash = inputs_fingerprint(year)
    # get_or_create: a concurrent request for the same inputs gets the same row.
    report, created = BenchmarkReport.objects.get_or_create(
        municipality=municipality,
        year=year,
        language=language,
        inputs_hash=inputs_hash,
        defaults={
            "identifier": report_identifier(municipality, year, language, inputs_hash),
            "requested_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    retried = _retry_failed(BenchmarkReport.objects.filter(pk=report.pk)) == 1
    if retried:
        report.refresh_from_db()
    if created or retried:
        audit_log(
            actor=actor,
            action="benchmark.report_request",
            obj=report,
            municipality=municipality,
            changes={"year": [None, year], "language": [None, language]},
        )
        _enqueue_report(report.pk)
    return report


def _check_year(year: int) -> None:
    if year not in report_years():
        raise ReportRequestInvalid(
            _("There are no figures or survey for %(year)s, so no report can be made for it.")
            % {"year": year}
        )


def _retry_failed(reports) -> int:
    """Failed reports back to pending, so a task makes them again; returns how many."""
    return reports.filter(status=BenchmarkReport.Status.FAILED).update(
        status=BenchmarkReport.Status.PENDING, error="", claimed_by="", queued_at=None, stage=""
    )


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def report_claim(*, report_id: int, claim: str) -> bool:
    """Take the report to make it. A pending report, one this same task was making (a message
    delivered again after its worker died) or one whose maker has been silent for longer than
    the task time limit can be taken; a ready one, or one another live task is making, cannot."""
    now = timezone.now()
    return (
        BenchmarkReport.objects.filter(pk=report_id)
        .filter(
            Q(status=BenchmarkReport.Status.PENDING)
            | Q(status=BenchmarkReport.Status.RUNNING, claimed_by=claim)
            | Q(status=BenchmarkReport.Status.RUNNING, started_at__lt=_stale_before())
        )
        .update(
            status=BenchmarkReport.Status.RUNNING,
            stage=BenchmarkReport.Stage.PEERS,
            claimed_by=claim,
            started_at=now,
            attempts=F("attempts") + 1,
        )
        == 1
    )


def _reached(report_id: int, claim: str, stage: str) -> None:
    """Note the stage the making has reached (shown on the progress page); only while this
    claim holds the report."""
    BenchmarkReport.objects.filter(
        pk=report_id, claimed_by=claim, status=BenchmarkReport.Status.RUNNING
    ).update(stage=stage)


def report_generate(*, report_id: int, claim: str) -> bool:
    """Make the report (content, PDF, CSV) if it can be claimed; True when this call made it.

    Nothing is written until everything is made: the row goes from running to ready in one
    update, guarded by the claim, so a task that lost its claim writes nothing.
    """
    if not report_claim(report_id=report_id, claim=claim):
        return False
    report = BenchmarkReport.objects.select_related(
        "municipality__region", "municipality__county"
    ).get(pk=report_id)
    try:
        with translation.override(report.language):
            config = active_config()
            peer_set = (
                peer_set_compute(actor=None, year=report.year, config=config) if config else None
            )
            _reached(report_id, claim, BenchmarkReport.Stage.FIGURES)
            inputs = report_inputs(
                report.municipality, report.year, config=config, peer_set=peer_set
            )
            _reached(report_id, claim, BenchmarkReport.Stage.CONTENT)
            data = build_report(inputs, identifier=report.identifier, language=report.language)
            _reached(report_id, claim, BenchmarkReport.Stage.PDF)
            pdf = rendering.render_report_pdf(data)
            csv_text = rendering.report_csv(data)
    except (OperationalError, InterfaceError):
        # The database went away: give the report back so a retry can take it.
        BenchmarkReport.objects.filter(pk=report_id, claimed_by=claim).update(
            status=BenchmarkReport.Status.PENDING, claimed_by="", stage=""
        )
        raise
    except Exception as error:
        logger.exception("benchmark report %s could not be made", report.identifier)
        BenchmarkReport.objects.filter(
            pk=report_id, claimed_by=claim, status=BenchmarkReport.Status.RUNNING
        ).update(
            status=BenchmarkReport.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        return False
    return (
        BenchmarkReport.objects.filter(
            pk=report_id, claimed_by=claim, status=BenchmarkReport.Status.RUNNING
        ).update(
            status=BenchmarkReport.Status.READY,
            stage="",
            data=data,
            pdf=pdf,
            csv=csv_text,
            error="",
            finished_at=timezone.now(),
        )
        == 1
    )


def report_make_now(
    *, actor, municipality: Municipality, year: int, language: str
) -> BenchmarkReport:
    """Request the report and make it in this process if it is not ready (the command line)."""
    report = report_request(actor=actor, municipality=municipality, year=year, language=language)
    report.refresh_from_db()
    if not report.is_ready:
        report_generate(report_id=report.pk, claim=f"now-{uuid.uuid4().hex}")
        report.refresh_from_db()
    return report


# --- Batches ----------------------------------------------------------------------------------


def _organisations():
    return Municipality.objects.filter(valid_to__isnull=True).only(
        "id", "number", "written_standard"
    )


@transaction.atomic
def batch_start(*, actor, year: int) -> ReportBatch:
    """Every current organisation's report for ``year`` in its own written standard.

    Reports whose inputs have not changed are reused as they are; the rest are made in the
    background, one task each. Starting a batch again, or resuming it, never makes a report
    twice (one row per organisation, year, language and inputs; each task claims its row).
    """
    _check_year(year)
    inputs_hash = inputs_fingerprint(year)
    batch = ReportBatch.objects.create(year=year, inputs_hash=inputs_hash, created_by=actor)
    organisations = list(_organisations())
    BenchmarkReport.objects.bulk_create(
        [
            BenchmarkReport(
                municipality=m,
                year=year,
                language=m.language,
                inputs_hash=inputs_hash,
                identifier=report_identifier(m, year, m.language, inputs_hash),
                requested_by=actor,
            )
            for m in organisations
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    wanted = {(m.pk, m.language) for m in organisations}
    ids = [
        pk
        for pk, mid, language in BenchmarkReport.objects.filter(
            year=year, inputs_hash=inputs_hash
        ).values_list("pk", "municipality_id", "language")
        if (mid, language) in wanted
    ]
    batch.reports.through.objects.bulk_create(
        [batch.reports.through(reportbatch_id=batch.pk, benchmarkreport_id=pk) for pk in ids],
        ignore_conflicts=True,
        batch_size=500,
    )
    _retry_failed(BenchmarkReport.objects.filter(pk__in=ids))
    audit_log(
        actor=actor,
        action="benchmark.batch_start",
        obj=batch,
        changes={"year": [None, year], "reports": [None, len(ids)]},
    )
    transaction.on_commit(lambda: _dispatch(batch.pk))
    return batch


def _dispatch(batch_id: int) -> None:
    if _in_thread():
        # No broker (the embedded default): make the batch beside the request, not in it.
        _beside_the_request(lambda: batch_dispatch(batch_id=batch_id))
        return
    # If the broker refuses, the batch's reports are recorded and wait, unsent: the sweep
    # (reports_send_waiting) sends them.
    queue.send("portal.benchmark.tasks.dispatch_batch", batch_id)


BATCH_STALLED_AFTER = dt.timedelta(minutes=10)


def batch_dispatch(*, batch_id: int, only_if_stalled: bool = False) -> int:
    """Send a task for each report of the batch still to be made (pending, or running with a
    silent maker); mark the batch finished when none is left. Safe to call any number of times:
    a report's task makes it only once. Returns the number of tasks sent.

    With ``only_if_stalled`` (beat's check), pending reports are sent again only when no report
    of the batch has been started or finished for ``BATCH_STALLED_AFTER``: while the workers are
    getting through the queue, their messages are still there and sending them again would only
    lengthen it. A running report whose maker has gone silent is always sent again. Reports
    the broker has not taken are always sent (the broker was down when they were due).
    """
    batch = ReportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return 0
    stale = Q(status=BenchmarkReport.Status.RUNNING, started_at__lt=_stale_before())
    wanted = stale | Q(status=BenchmarkReport.Status.PENDING)
    if only_if_stalled:
        since = timezone.now() - BATCH_STALLED_AFTER
        moving = (
            batch.created_at >= since
            or batch.reports.filter(Q(started_at__gte=since) | Q(finished_at__gte=since)).exists()
        )
        if moving:
            wanted = stale | Q(status=BenchmarkReport.Status.PENDING, queued_at__isnull=True)
    todo = list(
        batch.reports.filter(wanted).order_by("municipality__number").values_list("pk", flat=True)
    )
    sent = _send_renders(todo, only=wanted)
    batch_finish_if_done(batch_id=batch_id)
    return sent


def batch_finish_if_done(*, batch_id: int) -> bool:
    open_reports = BenchmarkReport.objects.filter(
        batches__pk=batch_id,
        status__in=[BenchmarkReport.Status.PENDING, BenchmarkReport.Status.RUNNING],
    )
    if open_reports.exists():
        return False
    return (
        ReportBatch.objects.filter(pk=batch_id, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )
        == 1
    )


def batches_resume() -> int:
    """Run by Celery beat: resume every unfinished batch (after a worker died, say)."""
    return sum(
        batch_dispatch(batch_id=pk, only_if_stalled=True)
        for pk in ReportBatch.objects.filter(finished_at__isnull=True).values_list("pk", flat=True)
    )


@transaction.atomic
def peer_config_new_version(
    *, actor, base: PeerConfig | None, values: dict[str, Any]
) -> PeerConfig:
    """Save changed peer settings as a new, active version; the old version stays as it was
    (peer sets and reports made with it keep pointing to it)."""
    name = base.name if base else "standard"
    latest = PeerConfig.objects.filter(name=name).order_by("-version").first()
    version = (latest.version if latest else 0) + 1
    PeerConfig.objects.filter(is_active=True).update(is_active=False)
    config = PeerConfig.objects.create(
        name=name, version=version, is_active=True, created_by=actor, **values
    )
    before = {k: getattr(base, k) for k in values} if base else {}
    audit_log(
        actor=actor,
        action="benchmark.peer_config_new_version",
        obj=config,
        changes={k: [before.get(k), v] for k, v in values.items() if before.get(k) != v},
    )
    return config


def batches_of(*, report_id: int) -> list[int]:
    return list(
        ReportBatch.objects.filter(reports__pk=report_id, finished_at__isnull=True).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def batch_resume(*, actor, batch: ReportBatch) -> int:
    """The admin's "resume": failed reports are tried again, and every report still to be made
    is sent again (a report already being made by a live task is not made twice)."""
    _retry_failed(BenchmarkReport.objects.filter(batches=batch))
    ReportBatch.objects.filter(pk=batch.pk).update(finished_at=None)
    audit_log(actor=actor, action="benchmark.batch_resume", obj=batch)
    pending = batch.reports.filter(status=BenchmarkReport.Status.PENDING).count()
    transaction.on_commit(lambda: _dispatch(batch.pk))
    return pending


@transaction.atomic
def peer_config_ensure_default(*, actor) -> tuple[PeerConfig, bool]:
    """The active configuration; the standard one (BENCHMARK.md's defaults) if there is none."""
    active = PeerConfig.objects.filter(is_active=True).first()
    if active is not None:
        return active, False
    if PeerConfig.objects.exists():
        latest = PeerConfig.objects.order_by("-created_at", "-id").first()
        assert latest is not None
        PeerConfig.objects.filter(pk=latest.pk).update(is_active=True)
        latest.refresh_from_db()
        return latest, False
    config = PeerConfig.objects.create(name="standard", version=1, is_active=True, created_by=actor)
    audit_log(
        actor=actor, action="benchmark.peer_config_new_version", obj=config, source="defaults"
    )
    return config, True
