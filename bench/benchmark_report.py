#!/usr/bin/env python3
"""Benchmark the municipal benchmark report (portal/benchmark/) against PostgreSQL + Redis.

A script, not a test: it prints figures as ratios against a floor measured in the same run and
says whether each goal is met; it asserts nothing about time. Three parts:

1. single:  one report end to end (``services.report_generate`` on a fresh pending row, the
            peer set already frozen) versus WeasyPrint alone (``portal.core.pdf.render_pdf`` on the
            same finished HTML), and that render per page versus the reference document's
            (bench/wp_reference.py: a plain 8-page A4 document with 12 SVG charts and 12 tables,
            rendered in both variants in the same run), for municipalities of different sizes,
            median of repeats, the order rotating. Goals: render s/page ÷ reference s/page ≤ 1.3
            (the same PDF variant as the report, PDF/UA); end to end ÷ own render ≤ 1.1. Also a
            breakdown: inputs, build, template, PDF, CSV, and the rest (claim, load, store).
2. queries: the queries of one ``report_generate``, with the demo data (372 organisations) and
            with twice as many organisations (copies, in a transaction rolled back afterwards).
3. batch:   ``services.batch_start`` for N organisations on one Celery worker process
            (concurrency 1) and on two (or one worker with --concurrency 2), each run from a
            fresh state, in the order one, two, two, one (``--rounds``). Goal: two ÷ one ≤ 0.55.
            After each run: exactly one ready report per organisation, no duplicates.

    .venv/bin/python bench/benchmark_report.py                  # everything, all 372 (~1 h)
    .venv/bin/python bench/benchmark_report.py --reports 20     # a quick batch of 20
    .venv/bin/python bench/benchmark_report.py --parts single,queries

Sets up its own PostgreSQL database (``--database``, default ``bench_report``: created,
migrated, demo data loaded, dropped at the end) and uses its own Redis database (``--redis-url``, default db 13). The
workers are started and stopped by the script, also on error, Ctrl-C or SIGTERM. The plumbing it
shares with the other benchmarks (environment, database, manage.py, child processes) is in
bench/_common.py.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import logging
import os
import re
import signal
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import wp_reference
from _common import (
    ROOT,
    LoggedProcess,
    add_keep_db,
    bench_env,
    database_url,
    django_setup,
    drop_database,
    interrupt,
    recreate_database,
    run_manage,
    run_script,
)

CELERY = ROOT / ".venv" / "bin" / "celery"

DB_NAME = "bench_report"  # --database
REDIS_URL = "redis://127.0.0.1:6379/13"
# The keys kombu keeps in Redis for the default queue: cleared before and after every run.
QUEUE_KEYS = ("celery", "unacked", "unacked_index", "unacked_mutex")
CACHE_PREFIX = "bench-report"

YEAR = 2026  # the year with a survey edition, key figures and demo answers
PARTS = ("single", "queries", "batch")
# BEGIN/COMMIT (autocommit around an atomic block) and savepoints (the same block inside a
# transaction) are not counted as queries, so the two database sizes compare like for like.
TRANSACTION_CONTROL = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I
)
GOAL_PAGE = 1.3  # the report's render per page ÷ the reference document's per page
GOAL_SINGLE = 1.1  # end to end ÷ the report's own render
GOAL_BATCH = 0.55  # two workers ÷ one worker
WORKER_PREFIX = "bench-report"


def report_env(db_name: str, redis_url: str) -> dict[str, str]:
    """The environment of the script and its workers: production settings (DEBUG off), Redis."""
    return bench_env(
        database_url(db_name), REDIS_URL=redis_url, CACHE_KEY_PREFIX=CACHE_PREFIX, DEBUG="0"
    )


def load_env(env: dict[str, str]) -> dict[str, str]:
    """The demo loaders run with DEBUG on and without Redis (any task they send runs inline)."""
    loading = {k: v for k, v in env.items() if k != "REDIS_URL"}
    loading["DEBUG"] = "1"
    return loading


# --- Setup -------------------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> None:
    seconds = run_manage(env, *args, timeout=600)
    print(f"  manage.py {' '.join(args)} ({seconds:.1f} s)")


def prepare_database(env: dict[str, str], db_name: str, *, keep: bool) -> None:
    if not recreate_database(db_name, keep=keep):
        return  # reused as it is (--keep-db)
    loading = load_env(env)
    manage(loading, "migrate", "--noinput", "-v0")
    for command in (
        "load_demo",
        "load_survey_editions",
        "load_survey_demo_answers",
        "load_housing_demo",
    ):
        manage(loading, command)


def django_setup_quiet(env: dict[str, str]) -> None:
    """``django_setup``, with WeasyPrint's and fontTools' warnings left out."""
    django_setup(env)
    # One warning per font per PDF ("Using fontTools instead of HarfBuzz-Subset") would drown
    # the figures; the workers' logs keep them.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def clear_queue(redis_url: str, *, bindings: bool = False) -> int:
    """Delete the default queue's keys in the bench Redis database (with ``bindings`` also
    kombu's exchange bindings, at the very end); returns how many existed."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(QUEUE_KEYS)
        if bindings:
            keys += [k.decode() for k in client.scan_iter(match="_kombu.*")]
        return int(client.delete(*keys))
    finally:
        client.close()


def freeze_peer_set() -> Any:
    from portal.benchmark import services
    from portal.benchmark.models import PeerConfig

    config = PeerConfig.objects.filter(is_active=True).first()
    if config is None:
        config = PeerConfig.objects.create(name="standard", version=1, is_active=True)
    started = time.perf_counter()
    peer_set = services.peer_set_compute(actor=None, year=YEAR, config=config)
    print(
        f"Peer set {YEAR} under {config} frozen in {time.perf_counter() - started:.1f} s "
        f"({peer_set.members.count()} peer rows)"
    )
    return config


def reset_reports() -> None:
    """A fresh state: no stored report or batch, so nothing is reused."""
    from portal.benchmark.models import BenchmarkReport, ReportBatch

    ReportBatch.objects.all().delete()
    BenchmarkReport.objects.all().delete()


def fresh_report(municipality: Any, fingerprint: str) -> int:
    """A new pending report row for ``municipality`` (any earlier one deleted); returns its id."""
    from portal.benchmark import services
    from portal.benchmark.models import BenchmarkReport

    BenchmarkReport.objects.filter(municipality=municipality, year=YEAR).delete()
    language = municipality.language
    return BenchmarkReport.objects.create(
        municipality=municipality,
        year=YEAR,
        language=language,
        inputs_hash=fingerprint,
        identifier=services.report_identifier(municipality, YEAR, language, fingerprint),
    ).pk


def generate(report_id: int, *, count_queries: bool = False) -> list[str]:
    """``report_generate`` on the row; fails unless it made the report. With ``count_queries``
    returns the SQL of the call itself (transaction control statements left out)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.benchmark import services
    from portal.benchmark.models import BenchmarkReport

    claim = f"bench-{uuid.uuid4().hex}"
    if count_queries:
        with CaptureQueriesContext(connection) as context:
            made = services.report_generate(report_id=report_id, claim=claim)
        queries = [q["sql"] for q in context.captured_queries]
    else:
        made = services.report_generate(report_id=report_id, claim=claim)
        queries = []
    report = BenchmarkReport.objects.only("status", "error").get(pk=report_id)
    if not made or not report.is_ready:
        raise SystemExit(f"report_generate({report_id}) did not make it: {report.error}")
    return [sql for sql in queries if not TRANSACTION_CONTROL.match(sql)]


# --- Part 1: one report ------------------------------------------------------------------------

STEPS = ("inputs", "build", "template", "pdf", "csv")


@dataclass
class Sample:
    end_to_end: list[float] = field(default_factory=list)
    end_to_end_cpu: list[float] = field(default_factory=list)  # this process's CPU seconds
    pdf_cpu: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    html_bytes: int = 0
    pdf_bytes: int = 0
    pages: int = 0

    def median(self, step: str) -> float:
        return statistics.median(self.steps[step])


@dataclass
class Reference:
    """The reference document (bench/wp_reference.py), rendered in both variants in turn with
    the report's renders."""

    html: str
    pages: int
    times: dict[str | None, list[float]] = field(
        default_factory=lambda: {v: [] for v in wp_reference.VARIANTS}
    )

    def render(self, record: bool) -> None:
        # The reference has no <html lang>: as PDF/UA WeasyPrint logs an error for it each time.
        log = logging.getLogger("weasyprint")
        level = log.level
        log.setLevel(logging.CRITICAL)
        try:
            for variant in wp_reference.VARIANTS:
                started = time.perf_counter()
                wp_reference.render_reference(self.html, variant)
                if record:
                    self.times[variant].append(time.perf_counter() - started)
        finally:
            log.setLevel(level)

    def per_page(self, variant: str | None) -> float:
        return statistics.median(self.times[variant]) / self.pages


def pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def pick_municipalities(count: int, numbers: list[str] | None) -> list[Any]:
    """``count`` current municipalities spread over the population range (smallest to largest),
    or the given numbers."""
    from portal.municipalities.models import KeyFigures, Municipality

    current = Municipality.objects.select_related("region", "county").filter(valid_to__isnull=True)
    if numbers:
        chosen = {m.number: m for m in current.filter(number__in=numbers)}
        missing = [n for n in numbers if n not in chosen]
        if missing:
            raise SystemExit(f"No current organisation has the number(s) {', '.join(missing)}")
        return [chosen[n] for n in numbers]
    population: dict[int, int] = {}
    for mid, value in (
        KeyFigures.objects.filter(year__lte=YEAR, population__isnull=False)
        .order_by("municipality_id", "year")
        .values_list("municipality_id", "population")
    ):
        population[mid] = value  # the latest year wins
    ranked = sorted(
        (m for m in current.filter(kind=Municipality.Kind.MUNICIPALITY) if m.pk in population),
        key=lambda m: (population[m.pk], m.number),
    )
    if not ranked:
        raise SystemExit("No municipality has a population figure: is the demo data loaded?")
    count = min(count, len(ranked))
    if count == 1:
        return [ranked[len(ranked) // 2]]
    picks = sorted({round(i * (len(ranked) - 1) / (count - 1)) for i in range(count)})
    return [ranked[i] for i in picks]


def run_steps(municipality: Any, sample: Sample | None) -> None:
    """What report_generate does between claiming and storing, step by step."""
    from django.utils import translation

    from portal.benchmark import rendering, services
    from portal.benchmark.report.builder import build_report
    from portal.benchmark.selectors import active_config, report_inputs
    from portal.core.pdf import render_pdf

    with translation.override(municipality.language):
        t0 = time.perf_counter()
        config = active_config()
        peer_set = services.peer_set_compute(actor=None, year=YEAR, config=config)
        inputs = report_inputs(municipality, YEAR, config=config, peer_set=peer_set)
        t1 = time.perf_counter()
        data = build_report(inputs, identifier="bench", language=municipality.language)
        t2 = time.perf_counter()
        html = rendering.render_report_html(data)
        t3 = time.perf_counter()
        cpu = time.process_time()
        pdf = render_pdf(html)  # WeasyPrint alone, on the finished HTML
        t4 = time.perf_counter()
        cpu = time.process_time() - cpu
        rendering.report_csv(data)
        t5 = time.perf_counter()
    if sample is not None:
        for step, seconds in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            sample.steps[step].append(seconds)
        sample.pdf_cpu.append(cpu)
        sample.html_bytes, sample.pdf_bytes = len(html.encode()), len(pdf)
        sample.pages = pdf_pages(pdf)


def run_end_to_end(municipality: Any, fingerprint: str, sample: Sample | None) -> None:
    report_id = fresh_report(municipality, fingerprint)
    started, cpu = time.perf_counter(), time.process_time()
    generate(report_id)
    if sample is not None:
        sample.end_to_end.append(time.perf_counter() - started)
        sample.end_to_end_cpu.append(time.process_time() - cpu)


def met(value: float, goal: float) -> str:
    return "met" if value <= goal else "not met"


def variant_name(variant: str | None) -> str:
    return variant.upper() if variant else "plain PDF"


def part_single(count: int, numbers: list[str] | None, repeat: int) -> dict[str, Any]:
    from django.db import connection

    from portal.benchmark.selectors import inputs_fingerprint
    from portal.core.pdf import PDF_VARIANT

    print(
        f"\n== 1. One report end to end vs its own render, and its render vs the reference "
        f"document ({connection.vendor})"
    )
    municipalities = pick_municipalities(count, numbers)
    fingerprint = inputs_fingerprint(YEAR)
    html = wp_reference.reference_html()
    reference = Reference(html, wp_reference.reference_pages(html))
    print("  warm-up (not measured) ...")
    run_end_to_end(municipalities[0], fingerprint, None)
    run_steps(municipalities[0], None)
    reference.render(record=False)

    samples = {m.pk: Sample() for m in municipalities}
    for r in range(repeat):
        for i, m in enumerate(municipalities):
            # Rotate the order of the three, so none always runs on a warmer cache.
            runs = [
                lambda m=m: run_end_to_end(m, fingerprint, samples[m.pk]),
                lambda m=m: run_steps(m, samples[m.pk]),
                lambda: reference.render(record=True),
            ]
            shift = (r + i) % len(runs)
            for run in runs[shift:] + runs[:shift]:
                run()
        print(f"  repeat {r + 1}/{repeat} done")
    reset_reports()

    print(
        f"\n  median of {repeat}, seconds; 'pdf' is WeasyPrint alone (render_pdf on the "
        "finished HTML), 'rest' = end to end − sum of steps (claim, load row, store)"
    )
    header = f"  {'organisation':<28}{'end-to-end':>11}" + "".join(f"{s:>10}" for s in STEPS)
    print(header + f"{'rest':>8}{'÷ pdf':>8}{'pages':>6}{'pdf/page':>9}{'÷ ref':>7}{'PDF kB':>8}")
    ref_page = reference.per_page(PDF_VARIANT)
    ratios, page_ratios, e2e_total, pdf_total, pages_total = [], [], 0.0, 0.0, 0
    totals = dict.fromkeys(STEPS, 0.0)
    for m in municipalities:
        s = samples[m.pk]
        e2e = statistics.median(s.end_to_end)
        steps = {step: s.median(step) for step in STEPS}
        rest = e2e - sum(steps.values())
        ratio = e2e / steps["pdf"]
        per_page = steps["pdf"] / s.pages
        ratios.append(ratio)
        page_ratios.append(per_page / ref_page)
        e2e_total += e2e
        pdf_total += steps["pdf"]
        pages_total += s.pages
        for step in STEPS:
            totals[step] += steps[step]
        name = f"{m.number} {m.name}"[:27]
        print(
            f"  {name:<28}{e2e:>11.3f}"
            + "".join(f"{steps[step]:>10.3f}" for step in STEPS)
            + f"{rest:>8.3f}{ratio:>8.2f}{s.pages:>6}{per_page:>9.4f}{per_page / ref_page:>7.2f}"
            + f"{s.pdf_bytes / 1024:>8.0f}"
        )
    for variant in wp_reference.VARIANTS:
        seconds = statistics.median(reference.times[variant])
        print(
            f"  {'reference, ' + variant_name(variant):<28}{'':>31}{seconds:>10.3f}{'':>33}"
            f"{reference.pages:>6}{seconds / reference.pages:>9.4f}"
            + ("  (the report's variant)" if variant == PDF_VARIANT else "")
        )
    overall = e2e_total / pdf_total
    report_page = pdf_total / pages_total
    page_ratio = report_page / ref_page
    cpu_ratio = sum(statistics.median(s.end_to_end_cpu) for s in samples.values()) / sum(
        statistics.median(s.pdf_cpu) for s in samples.values()
    )
    print("\n  where the time goes (share of end to end, all municipalities together):")
    for step in STEPS:
        print(f"    {step:<9}{totals[step] / e2e_total:>7.1%}")
    print(f"    {'rest':<9}{(e2e_total - sum(totals.values())) / e2e_total:>7.1%}")
    print(
        f"\n  the report's WeasyPrint render per page ÷ the reference document's per page "
        f"({variant_name(PDF_VARIANT)} both): {report_page:.4f} s ÷ {ref_page:.4f} s = "
        f"{page_ratio:.2f} (Σ render medians ÷ Σ pages; per municipality "
        f"{min(page_ratios):.2f}–{max(page_ratios):.2f}) (goal ≤ {GOAL_PAGE}): "
        f"{met(page_ratio, GOAL_PAGE)}"
    )
    plain = reference.per_page(None)
    print(
        f"    reference per page: {ref_page:.4f} s as {variant_name(PDF_VARIANT)}, {plain:.4f} s "
        f"as a plain PDF; the report as a plain PDF is not measured"
    )
    print(
        f"  end to end ÷ own render: {overall:.2f} "
        f"(Σ medians; per municipality {min(ratios):.2f}–{max(ratios):.2f}) "
        f"(goal ≤ {GOAL_SINGLE}): {met(overall, GOAL_SINGLE)}"
    )
    print(
        f"  the same in CPU seconds of this process (less moved by other work on the machine; "
        f"leaves out PostgreSQL's own time): {cpu_ratio:.2f}"
    )
    return {
        "ratio": overall,
        "worst": max(ratios),
        "cpu": cpu_ratio,
        "vendor": connection.vendor,
        "page_ratio": page_ratio,
        "report_page": report_page,
        "ref_page": ref_page,
        "worst_page": max(page_ratios),
    }


# --- Part 2: queries per report ----------------------------------------------------------------

TABLE = re.compile(r'\b(?:FROM|UPDATE|INTO)\s+"([a-z0-9_]+)"', re.I)


def double_organisations() -> int:
    """Copy every current organisation with its key figures, survey response and answers
    (the caller rolls it back). Returns the number of current organisations afterwards."""
    from portal.municipalities.models import KeyFigures, Municipality
    from surveys.models import Answer, Response

    def values(queryset: Any) -> list[dict[str, Any]]:
        """Every column but the primary key, which comes back as "original"."""
        names = [f.attname for f in queryset.model._meta.concrete_fields if not f.primary_key]
        rows = list(queryset.values("pk", *names).order_by("pk"))
        for row in rows:
            row["original"] = row.pop("pk")
        return rows

    def copy(model: Any, row: dict[str, Any], **changes: Any) -> Any:
        return model(**{k: v for k, v in row.items() if k != "original"}, **changes)

    originals = list(Municipality.objects.filter(valid_to__isnull=True).order_by("number"))
    taken = set(Municipality.objects.values_list("number", flat=True))
    free = (f"{n}" for n in range(9000, 10000) if f"{n}" not in taken)
    copies = Municipality.objects.bulk_create(
        Municipality(
            number=next(free),
            name=f"Kopi av {o.name}",
            kind=Municipality.Kind.MUNICIPALITY,
            county_id=o.county_id,
            region_id=o.region_id,
            written_standard=o.written_standard,
            valid_from=o.valid_from,
        )
        for o in originals
    )
    copy_of = {o.pk: c.pk for o, c in zip(originals, copies, strict=True)}
    figures = values(KeyFigures.objects.filter(municipality_id__in=copy_of))
    KeyFigures.objects.bulk_create(
        (
            copy(KeyFigures, {**row, "municipality_id": copy_of[row["municipality_id"]]})
            for row in figures
        ),
        batch_size=1000,
    )
    responses = values(Response.objects.filter(edition__year=YEAR, municipality_id__in=copy_of))
    created = Response.objects.bulk_create(
        copy(Response, {**row, "municipality_id": copy_of[row["municipality_id"]]})
        for row in responses
    )
    response_of = {row["original"]: new.pk for row, new in zip(responses, created, strict=True)}
    answers = values(Answer.objects.filter(response_id__in=response_of))
    Answer.objects.bulk_create(
        (
            copy(
                Answer,
                {
                    **row,
                    "municipality_id": copy_of[row["municipality_id"]],
                    "response_id": response_of[row["response_id"]],
                },
            )
            for row in answers
        ),
        batch_size=2000,
    )
    return Municipality.objects.filter(valid_to__isnull=True).count()


def part_queries(show: bool) -> dict[str, Any]:
    from django.db import connection, transaction

    from portal.benchmark.selectors import inputs_fingerprint
    from portal.municipalities.models import Municipality

    print(f"\n== 2. Queries of one report_generate ({connection.vendor})")
    m = (
        Municipality.objects.select_related("region", "county")
        .filter(valid_to__isnull=True, kind=Municipality.Kind.MUNICIPALITY)
        .order_by("number")
        .first()
    )
    orgs = Municipality.objects.filter(valid_to__isnull=True).count()
    queries = generate(fresh_report(m, inputs_fingerprint(YEAR)), count_queries=True)
    counts = {orgs: len(queries)}
    print(f"  {m.number} {m.name}, {orgs} organisations: {len(queries)} queries")
    tables = Counter(match.group(1) for q in queries if (match := TABLE.search(q)))
    print("    by table: " + ", ".join(f"{t} {n}" for t, n in tables.most_common()))
    if show:
        for sql in queries:
            print(f"    {sql[:160]}")
    with transaction.atomic():
        started = time.perf_counter()
        bigger = double_organisations()
        print(
            f"  copied every organisation with its key figures, survey response and answers "
            f"({time.perf_counter() - started:.1f} s; rolled back afterwards)"
        )
        doubled = generate(fresh_report(m, inputs_fingerprint(YEAR)), count_queries=True)
        counts[bigger] = len(doubled)
        print(f"  {m.number} {m.name}, {bigger} organisations: {len(doubled)} queries")
        transaction.set_rollback(True)
    reset_reports()
    same = len(set(counts.values())) == 1
    print(
        "  (BEGIN/COMMIT/savepoints not counted) "
        + ("constant: the count does not grow with the data" if same else "the count GROWS")
    )
    return {"counts": counts}


# --- Part 3: batches on Celery workers ---------------------------------------------------------


class Worker(LoggedProcess):
    """One ``celery worker`` process (and its pool children), in its own session."""

    stop_timeout = 60.0  # SIGTERM is a warm shutdown: the running task (if any) is finished

    def __init__(self, env: dict[str, str], name: str, concurrency: int) -> None:
        self.name = name
        command = [
            str(CELERY),
            "-A",
            "portal",
            "worker",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "-Q",
            "celery",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"{name}@%h",
            "--loglevel",
            "INFO",
        ]
        super().__init__(command, env, f"{name}-")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # the worker's own session


class CpuMeter:
    """CPU seconds used by the workers' process groups, and how busy the whole machine was
    (Linux /proc; prints nothing elsewhere). Tells whether the second run had the cores to
    itself: on a machine shared with other work the two-worker figure is held back."""

    def __init__(self, pgids: list[int]) -> None:
        self.pgids = set(pgids)
        self.per_pid: dict[int, float] = {}
        self.available = Path("/proc/stat").exists()
        self.sample()
        self.baseline = dict(self.per_pid)  # what the workers used starting up, before the run
        self.machine_start = self._machine()
        self.started = time.perf_counter()

    @staticmethod
    def _machine() -> tuple[int, int]:
        """(busy, total) clock ticks of all cores since boot."""
        try:
            values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        except (OSError, ValueError):
            return 0, 0
        idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
        total = sum(values[:8])
        return total - idle, total

    def sample(self) -> None:
        if not self.available:
            return
        ticks = os.sysconf("SC_CLK_TCK")
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                text = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2 :].split()  # from field 3 (state) on
            if int(fields[2]) in self.pgids:  # field 5: process group
                used = (int(fields[11]) + int(fields[12])) / ticks  # fields 14, 15: utime, stime
                self.per_pid[int(entry.name)] = max(used, self.per_pid.get(int(entry.name), 0))

    def report(self, reports: int) -> tuple[str, float, float]:
        """(a line to print, CPU seconds per report, cores used on average); ("", 0, 0)
        without /proc."""
        if not self.available:
            return "", 0.0, 0.0
        wall = time.perf_counter() - self.started
        busy0, total0 = self.machine_start
        busy1, total1 = self._machine()
        cores = os.cpu_count() or 1
        machine = (busy1 - busy0) / (total1 - total0) * cores if total1 > total0 else 0.0
        seconds = sum(used - self.baseline.get(pid, 0.0) for pid, used in self.per_pid.items())
        workers = seconds / wall if wall else 0.0
        line = (
            f"workers used {seconds / reports:.2f} CPU s per report, {workers:.2f} cores on "
            f"average; the machine {machine:.2f} of {cores} "
            f"(the rest, {max(machine - workers, 0):.2f}, is this script, PostgreSQL, Redis and "
            "anything else running)"
        )
        return line, seconds / reports, workers


def wait_ready(workers: list[Worker], timeout: float = 90) -> None:
    from portal.celery import app

    wanted = {w.name for w in workers}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            if worker.proc.poll() is not None:
                raise SystemExit(
                    f"{worker.name} exited with {worker.proc.returncode}:\n{worker.tail()}"
                )
        replies = app.control.ping(timeout=1.0) or []
        answered = {name.split("@")[0] for reply in replies for name in reply}
        if wanted <= answered:
            return
    raise SystemExit(
        f"workers did not answer within {timeout:.0f} s:\n"
        + "\n".join(f"--- {w.name}\n{w.tail()}" for w in workers)
    )


def batch_organisations(n: int | None) -> list[int]:
    """The ids of the batch's organisations: all current ones, or N spread over the numbers."""
    from portal.benchmark import services

    everyone = list(services._organisations().order_by("number").values_list("pk", flat=True))
    if n is None or n >= len(everyone):
        return everyone
    return [everyone[i * len(everyone) // n] for i in range(n)]


@dataclass
class BatchRun:
    label: str
    seconds: float  # batch created → finished (database timestamps)
    wall: float  # from before batch_start until the script saw it finished
    ready: int
    failed: int
    ok: bool
    cpu_per_report: float  # the workers' CPU seconds per report (0 without /proc)
    cores: float  # the workers' CPU seconds per second of the run


def run_batch(
    env: dict[str, str],
    redis_url: str,
    label: str,
    layout: list[int],
    org_ids: list[int],
    *,
    timeout: float,
    progress_every: float,
) -> BatchRun:
    from portal.benchmark import selectors, services
    from portal.benchmark.models import ReportBatch

    reset_reports()
    cleared = clear_queue(redis_url)
    if cleared:
        print(f"  cleared {cleared} leftover queue key(s) in {redis_url}")
    workers = [
        Worker(env, f"{WORKER_PREFIX}-{i + 1}", concurrency) for i, concurrency in enumerate(layout)
    ]
    failed = True
    try:
        wait_ready(workers)
        shape = " + ".join(f"1 worker × concurrency {c}" for c in layout)
        print(f"\n  {label}: {shape}, {len(org_ids)} reports")
        subset = set(org_ids)
        everyone = services._organisations

        def only_subset() -> Any:
            return everyone().filter(pk__in=subset)

        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        meter = CpuMeter([w.proc.pid for w in workers])
        started = time.perf_counter()
        with mock.patch.object(services, "_organisations", only_subset):
            batch = services.batch_start(actor=None, year=YEAR)
        deadline = started + timeout
        last_print = started
        while True:
            time.sleep(1.0)
            meter.sample()
            batch.refresh_from_db()
            progress = selectors.batch_progress(batch)
            now = time.perf_counter()
            if batch.finished_at is not None:
                break
            for worker in workers:
                if worker.proc.poll() is not None:
                    raise SystemExit(f"{worker.name} died:\n{worker.tail()}")
            if now > deadline:
                raise SystemExit(
                    f"{label}: not finished after {timeout:.0f} s ({progress}); "
                    "raise --batch-timeout or use a smaller --reports"
                )
            if now - last_print >= progress_every:
                last_print = now
                done, total = progress["done"], progress["total"]
                rate = done / (now - started)
                eta = (total - done) / rate if rate else float("nan")
                print(
                    f"    {now - started:6.0f} s  {progress['ready']}/{total} ready, "
                    f"{progress['failed']} failed, {progress['running']} running, "
                    f"{progress['pending']} pending  ({rate * 60:.1f}/min, ~{eta:.0f} s left)"
                )
        wall = time.perf_counter() - started
        meter.sample()
        usage, cpu_per_report, cores = meter.report(len(org_ids))
        batch = ReportBatch.objects.get(pk=batch.pk)
        seconds = (batch.finished_at - batch.created_at).total_seconds()
        ok, ready, failures = verify_batch(batch, org_ids)
        print(
            f"  {label}: {len(org_ids)} reports in {seconds:.1f} s "
            f"({seconds / len(org_ids):.2f} s per report; script saw it after {wall:.1f} s)"
        )
        if usage:
            print(f"  {usage}; load average before the run {load:.2f}")
        failed = not ok
        return BatchRun(label, seconds, wall, ready, failures, ok, cpu_per_report, cores)
    finally:
        for worker in workers:
            worker.stop(keep_log=failed)
            if failed:
                print(f"  worker log kept: {worker.log.name}")
        clear_queue(redis_url)


def verify_batch(batch: Any, org_ids: list[int]) -> tuple[bool, int, int]:
    """Exactly one ready report per organisation of the batch, and no duplicates."""
    from django.db.models import Count, Q

    from portal.benchmark.models import BenchmarkReport

    ready_status = BenchmarkReport.Status.READY
    rows = {
        row["municipality_id"]: row
        for row in BenchmarkReport.objects.filter(year=YEAR)
        .values("municipality_id")
        .annotate(
            n=Count("id"),
            ready=Count("id", filter=Q(status=ready_status)),
            empty=Count("id", filter=Q(status=ready_status, pdf__isnull=True)),
            again=Count("id", filter=Q(attempts__gt=1)),
        )
        .order_by()
    }
    wanted = set(org_ids)
    once = sum(1 for mid in wanted if rows.get(mid, {}).get("n") == 1 and rows[mid]["ready"] == 1)
    duplicates = [mid for mid, row in rows.items() if row["n"] > 1]
    missing = [mid for mid in wanted if rows.get(mid, {}).get("ready", 0) == 0]
    extra = [mid for mid in rows if mid not in wanted]
    empty = sum(row["empty"] for row in rows.values())
    again = sum(row["again"] for row in rows.values())
    statuses = Counter(batch.reports.values_list("status", flat=True))
    in_batch = sum(statuses.values())
    failures = statuses.get(BenchmarkReport.Status.FAILED, 0)
    ok = (
        once == len(wanted)
        and not duplicates
        and not missing
        and not extra
        and not empty
        and in_batch == len(wanted)
    )
    print(
        f"  verified: {once}/{len(wanted)} organisations have exactly one report, ready; "
        f"duplicates {len(duplicates)}, missing {len(missing)}, outside the batch {len(extra)}, "
        f"ready without PDF {empty}, claimed more than once {again}; "
        f"batch holds {in_batch} ({dict(statuses)}) -> {'OK' if ok else 'FAILED'}"
    )
    if failures:
        for identifier, error in batch.reports.filter(
            status=BenchmarkReport.Status.FAILED
        ).values_list("identifier", "error")[:5]:
            print(f"    failed {identifier}: {error[:300]}")
    return ok, statuses.get(ready_status, 0), failures


def part_batch(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    org_ids = batch_organisations(args.reports)
    total = len(batch_organisations(None))
    two_label = "two workers" if args.two == "workers" else "concurrency 2"
    one, two = ("one worker", [1]), (two_label, [1, 1] if args.two == "workers" else [2])
    pair = [two, one] if args.two_first else [one, two]
    # More rounds alternate the order (one, two, two, one, ...) so a drift of the machine's
    # speed over the run weighs on both sides alike.
    plan = [run for r in range(args.rounds) for run in (pair if r % 2 == 0 else pair[::-1])]
    timeout = args.batch_timeout or max(600.0, 20.0 * len(org_ids))
    print(
        f"\n== 3. A batch of {len(org_ids)} of {total} reports on Celery workers "
        f"({connection.vendor} + Redis {args.redis_url}; {len(plan)} runs: "
        f"{', '.join(label for label, _ in plan)}; timeout {timeout:.0f} s per run)"
    )
    runs: list[BatchRun] = []
    for label, layout in plan:
        runs.append(
            run_batch(
                env,
                args.redis_url,
                label,
                layout,
                org_ids,
                timeout=timeout,
                progress_every=args.progress_every,
            )
        )
    reset_reports()
    ones = [r for r in runs if r.label == "one worker"]
    twos = [r for r in runs if r.label != "one worker"]
    ratio = sum(r.seconds for r in twos) / sum(r.seconds for r in ones)
    scope = (
        ""
        if len(org_ids) == total
        else f" (only {len(org_ids)} of {total}: not the closing figure)"
    )
    print(
        f"\n  two ÷ one ({two_label} ÷ one worker): {ratio:.2f} "
        f"({' + '.join(f'{r.seconds:.1f}' for r in twos)} s / "
        f"{' + '.join(f'{r.seconds:.1f}' for r in ones)} s, {len(org_ids)} reports) "
        f"(goal ≤ {GOAL_BATCH}): {met(ratio, GOAL_BATCH)}{scope}"
    )
    adjusted = drift = None
    if all(r.cores > 0 for r in runs):
        # time ÷ CPU per report = N ÷ cores used: the same ratio as if every run had found the
        # machine equally fast, i.e. the parallelism alone.
        adjusted = sum(1 / r.cores for r in twos) / sum(1 / r.cores for r in ones)
        cpu = [r.cpu_per_report for r in runs]
        drift = max(cpu) / min(cpu)
        print(
            f"  the same with each run's time divided by its CPU seconds per report "
            f"(as if the machine had been equally fast in every run): {adjusted:.2f}"
        )
        if drift > 1.15:
            print(
                f"  WARNING: a report cost {min(cpu):.2f}–{max(cpu):.2f} CPU s in different runs "
                f"(×{drift:.2f}): the machine's speed changed during the benchmark, so the "
                "wall-clock ratio is not reliable; trust the adjusted one, or run again with "
                "--rounds 2 on a quiet machine"
            )
    return {
        "ratio": ratio,
        "adjusted": adjusted,
        "drift": drift,
        "n": len(org_ids),
        "total": total,
        "ok": all(r.ok for r in runs),
        "label": two_label,
        "runs": len(runs),
    }


# --- Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"comma-separated, of {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--reports",
        type=int,
        help="batch size N (default: every current organisation, 372 with the demo data)",
    )
    parser.add_argument(
        "--two",
        choices=("workers", "concurrency"),
        default="workers",
        help="the second batch run: two worker processes (default) or one with --concurrency 2",
    )
    parser.add_argument(
        "--two-first", action="store_true", help="run the two-worker batch before the one-worker"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="pairs of batch runs, alternating the order (default 2: one, two, two, one)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="repeats per municipality (part 1)")
    parser.add_argument(
        "--municipalities", type=int, default=5, help="how many, smallest to largest (part 1)"
    )
    parser.add_argument(
        "--numbers", help="comma-separated organisation numbers for part 1 instead of a spread"
    )
    parser.add_argument(
        "--batch-timeout",
        type=float,
        help="seconds per batch run before giving up (default: max(600, 20 × N))",
    )
    parser.add_argument(
        "--progress-every", type=float, default=30.0, help="seconds between progress lines"
    )
    parser.add_argument("--show-queries", action="store_true", help="print every query (part 2)")
    parser.add_argument("--redis-url", default=REDIS_URL, help=f"default {REDIS_URL}")
    parser.add_argument(
        "--database",
        default=DB_NAME,
        help=f"the PostgreSQL database to create, use and drop (default {DB_NAME})",
    )
    add_keep_db(parser, "the database")
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown or not args.parts:
        parser.error(f"--parts takes {', '.join(PARTS)}")
    if args.reports is not None and args.reports < 1:
        parser.error("--reports must be positive")
    if args.repeat < 1 or args.municipalities < 1 or args.rounds < 1:
        parser.error("--repeat, --municipalities and --rounds must be positive")
    args.numbers = [n.strip() for n in args.numbers.split(",")] if args.numbers else None
    return args


def summary(results: dict[str, Any]) -> None:
    print("\n== Summary")
    if "single" in results:
        r = results["single"]
        print(
            f"  1. report render s/page ÷ reference s/page: {r['report_page']:.4f} ÷ "
            f"{r['ref_page']:.4f} = {r['page_ratio']:.2f} (worst municipality "
            f"{r['worst_page']:.2f}) (goal ≤ {GOAL_PAGE}): {met(r['page_ratio'], GOAL_PAGE)}"
        )
        print(
            f"     end to end ÷ own render ({r['vendor']}): {r['ratio']:.2f} "
            f"(worst municipality {r['worst']:.2f}; CPU time {r['cpu']:.2f}) "
            f"(goal ≤ {GOAL_SINGLE}): {met(r['ratio'], GOAL_SINGLE)}"
        )
    if "queries" in results:
        counts = results["queries"]["counts"]
        print(
            "  2. queries per report_generate: "
            + ", ".join(f"{n} with {orgs} organisations" for orgs, n in counts.items())
        )
    if "batch" in results:
        r = results["batch"]
        scope = "all" if r["n"] == r["total"] else f"only {r['n']} of {r['total']}"
        adjusted = "" if r["adjusted"] is None else f" (speed-adjusted {r['adjusted']:.2f})"
        print(
            f"  3. two ÷ one ({r['label']} ÷ one worker), {r['n']} reports ({scope}, "
            f"{r['runs']} runs): {r['ratio']:.2f}{adjusted} (goal ≤ {GOAL_BATCH}): "
            f"{met(r['ratio'], GOAL_BATCH)}"
            + (" – the machine's speed drifted, see above" if (r["drift"] or 1) > 1.15 else "")
        )
        print(
            "     one ready report per organisation, no duplicates, after every run: "
            + ("yes" if r["ok"] else "NO")
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    env = report_env(args.database, args.redis_url)
    began = time.perf_counter()
    print(
        f"Benchmark report benchmark: parts {', '.join(args.parts)}; year {YEAR}; "
        f"started {dt.datetime.now():%Y-%m-%d %H:%M:%S}; {os.cpu_count()} cores"
    )
    results: dict[str, Any] = {}
    try:
        prepare_database(env, args.database, keep=args.keep_db)
        django_setup_quiet(env)
        freeze_peer_set()
        if "single" in args.parts:
            results["single"] = part_single(args.municipalities, args.numbers, args.repeat)
        if "queries" in args.parts:
            results["queries"] = part_queries(args.show_queries)
        if "batch" in args.parts:
            try:
                results["batch"] = part_batch(env, args)
            finally:
                clear_queue(args.redis_url, bindings=True)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        if "django" in sys.modules and sys.modules["django"].apps.apps.ready:
            from django.db import connections

            connections.close_all()
        if not args.keep_db:
            drop_database(args.database)
            print(f"Dropped database {args.database}")
    summary(results)
    print(f"(total {time.perf_counter() - began:.0f} s)")
    return 0 if results.get("batch", {}).get("ok", True) else 1


if __name__ == "__main__":
    run_script(main)
