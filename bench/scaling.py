#!/usr/bin/env python3
"""Benchmark: how the cost of the directorate's pages grows with the data. A script, not a test.

Builds the same portal at 1×, 3× and 10× the data and measures, at each size, the follow-up
dashboard, the analysis of the current edition, the trends of questions across the editions,
the data export of the current edition and the settlement officers' search, each through its
URL with Django's test client. Prints, per operation and size, the median time, the query count
and the peak memory, then the growth ratios against 1× and whether the issue's goals are met:
query counts constant, and the peak memory of the 10× export under 300 MB.

    .venv/bin/python bench/scaling.py                  # 1×, 3×, 10×; a throwaway SQLite file each
    .venv/bin/python bench/scaling.py --quick          # one timed run each, the export in XLSX only
    .venv/bin/python bench/scaling.py --sizes 1,3 --runs 5
    .venv/bin/python bench/scaling.py --configured-db  # the database in DATABASE_URL, rolled back

Size k (see bench/README.md):

- always 372 organisations (357 municipalities, 15 city districts) in 6 regions, each edition
  100 questions (10 sections × one question of each of 10 types);
- k editions with answers (the current year and k − 1 earlier ones, every organisation answering
  every question each year);
- answers k times as large: multiple choice 6k options (1–4k chosen), ranking 5k options (3k
  ranked), scale grids 4k items, long texts k times as long;
- the settlement search: k × the housing lines (on average ~55 per municipality at 1×), key
  figures for k + 2 years and k versions of history per profile section.

Each measurement runs in a child process of its own: a fresh ``python`` (on SQLite), or a fork of
the process that built the data inside its transaction (``--configured-db``, where the data is
never committed). Peak memory is the child's peak RSS (VmHWM of /proc/self/status) minus its RSS
just before the first request (Django set up, logged in, the URL modules loaded), the peak reset
to that RSS there (/proc/self/clear_refs). ``getrusage().ru_maxrss`` is not used: Linux carries
it over fork and exec, so a child would start at the peak of the process that built the data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import PYTHON, ROOT, run_manage
from _common import QUESTION_TYPES as TYPES

ORGANISATIONS = 372
DISTRICT_EVERY = 25  # every 25th organisation is a city district: 15 of 372
REGIONS = 6
CURRENT_YEAR = 2026
SECTIONS = 10
ADMIN = "bench-scale-admin"
OFFICER = "bench-scale-officer"
EXPORT_GOAL_MB = 300
SEARCH_QUERY = (
    "min_rooms=4&step_free=on&vacant_now=on&upper_secondary=on&staffed_age=16"
    "&interpreter_language=Tigrinja&gp_vacancies=on"
)
LANGUAGES = ["Arabisk", "Tigrinja", "Dari", "Somali", "Ukrainsk", "Pashto", "Kurmanji", "Russisk"]
TENURES = ["municipal_rental", "sublet", "guarantee", "shared", "rent_to_own", "other"]


def operations(quick: bool) -> list[tuple[str, str]]:
    """(name, what it requests), in the order they are measured."""
    ops = [
        ("dashboard", "the follow-up dashboard of the current edition"),
        ("analysis", "the analysis page of the current edition (every question, by region)"),
        ("trends", "one question page of each type: the question by region, band and year"),
        ("export xlsx long", "the export of the current edition, XLSX, long form"),
    ]
    if not quick:
        ops.append(("export csv wide", "the export of the current edition, CSV (ZIP), wide form"))
    ops.append(("search", "the settlement officers' search page, five needs"))
    return ops


# --- The data -----------------------------------------------------------------------------------


def _options(prefix: str, count: int, *, other: bool = False) -> list[dict[str, Any]]:
    options = [{"key": f"{prefix}{i}", "label": f"Alternativ {i}"} for i in range(1, count + 1)]
    if other:
        options.append({"key": "other", "label": "Annet, beskriv", "other": True})
    return options


def definition(year: int, k: int) -> dict[str, Any]:
    """The edition of ``year`` at size ``k``: bench/export.py's 100 questions, their lists of
    options and items k times as long."""
    sections = []
    for s in range(SECTIONS):
        questions: list[dict[str, Any]] = []
        for kind in TYPES:
            key = f"s{s}_{kind}"
            question: dict[str, Any] = {"key": key, "type": kind, "text": f"Spørsmål {key}?"}
            if kind == "yes_no":
                question["allow_dont_know"] = True
            elif kind == "single":
                question.update(options=_options("o", 5, other=True), allow_dont_know=True)
                question["show_if"] = {"answers": [{"question": f"s{s}_yes_no", "in": ["yes"]}]}
            elif kind == "multi":
                question.update(options=_options("m", 6 * k, other=True), allow_dont_know=True)
            elif kind == "rank":
                question.update(options=_options("r", 5 * k), rank=3 * k)
            elif kind == "integer":
                question.update(min=0, max=5000, unit="personer", allow_dont_know=True)
            elif kind == "scale":
                question.update(
                    scale={"min": 1, "max": 5, "min_label": "Dårlig", "max_label": "God"},
                    allow_not_relevant=True,
                )
            elif kind == "scale_grid":
                question.update(
                    items=[{"key": f"i{i}", "label": f"Punkt {i}"} for i in range(1, 4 * k + 1)],
                    allow_not_relevant=True,
                )
            questions.append(question)
        section: dict[str, Any] = {"key": f"s{s}", "title": f"Del {s}", "questions": questions}
        if s % 3 == 2:
            section["show_if"] = {"kind": ["municipality", "district"]}
        sections.append(section)
    return {
        "year": year,
        "title": f"Kartlegging {year}",
        "opens": f"{year}-01-01",
        "deadline": f"{year}-12-31",
        "sections": sections,
    }


def answer_for(kind: str, k: int, rnd: random.Random) -> Any:
    """An answer to a question of ``kind`` at size ``k``."""
    if kind == "yes_no":
        return rnd.choice(["yes", "no", "yes", "dont_know"])
    if kind == "single":
        return rnd.choice(["o1", "o2", "o3", "o4", "o5", "dont_know"])
    if kind == "multi":
        if rnd.random() < 0.05:
            return "dont_know"
        keys = [f"m{i}" for i in range(1, 6 * k + 1)]
        return sorted(rnd.sample(keys, rnd.randint(1, 4 * k)))
    if kind == "rank":
        return rnd.sample([f"r{i}" for i in range(1, 5 * k + 1)], 3 * k)
    if kind == "integer":
        return "dont_know" if rnd.random() < 0.05 else rnd.randint(0, 5000)
    if kind == "percent":
        return round(rnd.uniform(0, 100), 1)
    if kind == "scale":
        return rnd.choice([1, 2, 3, 4, 5, "not_relevant"])
    if kind == "scale_grid":
        return {f"i{i}": rnd.choice([1, 2, 3, 4, 5, "not_relevant"]) for i in range(1, 4 * k + 1)}
    if kind == "text":
        return rnd.choice(["Ola Nordmann", "Kari Nordmann", "Per Hansen"])
    return "Lang tekst om bosetting og kvalifisering. " * (rnd.randint(1, 8) * k)


def build(k: int) -> dict[str, int]:
    """Size ``k`` in the database Django is set up with; returns what it holds."""
    import datetime as dt

    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from housing.models import (
        ContactPerson,
        HousingLine,
        ProfileSection,
        ProfileVersion,
        SectionKey,
        StaffedHousing,
    )
    from portal.accounts.models import DirectorateRole, User
    from portal.municipalities.models import County, KeyFigures, Municipality, Region
    from surveys.editions.services import edition_import
    from surveys.models import Answer, Question, Response, SurveyEdition

    rnd = random.Random(k)
    now = timezone.now()
    years = list(range(CURRENT_YEAR - k + 1, CURRENT_YEAR + 1))
    regions = [
        Region.objects.create(code=f"bench{i}", name=f"Region {i}", sort_order=100 + i)
        for i in range(REGIONS)
    ]
    county = County.objects.create(number="98", name="Benchfylke", valid_from=dt.date(2000, 1, 1))
    organisations = Municipality.objects.bulk_create(
        Municipality(
            number=f"98{i:02d}" if i < 100 else f"9{i:03d}",
            name=f"Benchkommune {i:03d}",
            kind=Municipality.Kind.DISTRICT
            if i % DISTRICT_EVERY == DISTRICT_EVERY - 1
            else Municipality.Kind.MUNICIPALITY,
            county=county,
            region=regions[i % REGIONS],
            valid_from=dt.date(2000, 1, 1),
        )
        for i in range(ORGANISATIONS)
    )
    KeyFigures.objects.bulk_create(
        KeyFigures(
            municipality=m,
            year=year,
            population=1000 + 997 * i,
            settled=(i * 3 + year) % 45,
            decided=10 + (i + year) % 40,
            centrality_class=1 + i % 6,
        )
        for i, m in enumerate(organisations)
        for year in range(years[0] - 2, CURRENT_YEAR + 1)
    )

    answers, current_bytes, all_bytes = 0, 0, 0
    for year in years:
        edition = edition_import(actor=None, content=definition(year, k))
        status = SurveyEdition.Status.OPEN if year == CURRENT_YEAR else SurveyEdition.Status.CLOSED
        SurveyEdition.objects.filter(pk=edition.pk).update(status=status)
        questions = list(Question.objects.filter(edition=edition).order_by("position"))
        submitted_at = now - dt.timedelta(days=365 * (CURRENT_YEAR - year))
        responses = Response.objects.bulk_create(
            Response(
                edition=edition,
                municipality=m,
                status=(
                    Response.Status.IN_PROGRESS
                    if year == CURRENT_YEAR and i % 3 == 0
                    else Response.Status.APPROVED
                    if i % 4 == 0
                    else Response.Status.SUBMITTED
                ),
                submitted_at=None if year == CURRENT_YEAR and i % 3 == 0 else submitted_at,
            )
            for i, m in enumerate(organisations)
        )
        batch = [
            Answer(
                response=response,
                municipality_id=response.municipality_id,
                question=question,
                value=answer_for(question.type, k, rnd),
                updated_at=submitted_at,
            )
            for response in responses
            for question in questions
        ]
        Answer.objects.bulk_create(batch, batch_size=2000)
        answers += len(batch)
        volume = sum(len(json.dumps(a.value)) for a in batch)
        all_bytes += volume
        current_bytes = volume if year == CURRENT_YEAR else current_bytes
        del batch

    lines = []
    for i, m in enumerate(organisations):
        count = k * (10 + (i * 37) % 90 + (250 if i % 50 == 0 else 0))
        for j in range(count):
            rooms = 1 + (i + j) % 6
            units = 1 + j % 5
            vacant = (i * 7 + j) % 4 == 0
            lines.append(
                HousingLine(
                    municipality=m,
                    reference=f"L{j}",
                    tenure=TENURES[(i + j) % 6],
                    rooms=rooms,
                    bedrooms=rooms - 1,
                    step_free=(i + 3 * j) % 5 == 0,
                    units=units,
                    vacant_now=1 if vacant else 0,
                    area=f"Område {j % 12}",
                    distances="Skole 500 m, buss 200 m",
                    contract_years=3,
                )
            )
    HousingLine.objects.bulk_create(lines, batch_size=2000)
    StaffedHousing.objects.bulk_create(
        StaffedHousing(
            municipality=m,
            name=f"Bofellesskap {n}",
            places=6,
            vacancies=(i + n) % 3,
            age_from=13 + n,
            age_to=17 + n,
        )
        for i, m in enumerate(organisations)
        for n in range(i % 4)
    )
    sections, versions = [], []
    for i, m in enumerate(organisations):
        data = {
            SectionKey.SCHOOLS: {"upper_secondary": i % 3 != 0, "adult_education": True},
            SectionKey.INTRODUCTION: {"run_by": "nav", "capacity": 20 + i, "result_target": 70},
            SectionKey.KINDERGARTEN: {"availability": ["all_year", "waiting_list"][i % 2]},
            SectionKey.INTERPRETERS: {"languages": LANGUAGES[: 2 + i % 7], "remote": i % 2 == 0},
            SectionKey.HEALTH: {"gp_vacancies": i % 4 != 0},
            SectionKey.TRANSPORT: {"level": ["good", "limited", "poor"][i % 3]},
            SectionKey.LABOUR_MARKET: {"assessment": ["good", "normal", "poor"][i % 3]},
        }
        for key in SectionKey.values:
            confirmed = now - dt.timedelta(days=(i * 13 + len(key)) % 150)
            sections.append(
                ProfileSection(
                    municipality=m,
                    key=key,
                    data=data.get(key, {}),
                    last_confirmed_at=confirmed,
                    last_confirmed_by_label="Bench",
                    updated_at=confirmed,
                )
            )
            versions.extend(
                ProfileVersion(
                    municipality=m,
                    section=key,
                    kind=ProfileVersion.Kind.EDIT,
                    snapshot=data.get(key, {}),
                    changed_at=confirmed - dt.timedelta(days=120 * v),
                    changed_by_label="Bench",
                )
                for v in range(k)
            )
    ProfileSection.objects.bulk_create(sections, batch_size=2000)
    ProfileVersion.objects.bulk_create(versions, batch_size=2000)
    ContactPerson.objects.bulk_create(
        ContactPerson(
            municipality=m,
            area=area,
            name=f"Kontakt {area} {i}",
            role="Rådgiver",
            email=f"{area}.{i}@kommune.example",
            phone="+47 400 00 000",
        )
        for i, m in enumerate(organisations)
        for area in ("general", "housing", "health")[: 1 + i % 3]
    )
    for username, role in (
        (ADMIN, DirectorateRole.ADMIN),
        (OFFICER, DirectorateRole.SETTLEMENT_OFFICER),
    ):
        user = User.objects.create(
            username=username, email=f"{username}@bench.example", directorate_role=role
        )
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    return {
        "editions": len(years),
        "answers": answers,
        "answer bytes (current edition)": current_bytes,
        "answer bytes (all editions)": all_bytes,
        "housing lines": len(lines),
        "profile versions": len(versions),
    }


def data_read(op: str, data: dict[str, int]) -> int:
    """How much of the data the operation has to read, to compare its growth with: the current
    edition's answers, every edition's (trends), or the housing lines (the search)."""
    if op == "trends":
        return data["answer bytes (all editions)"]
    if op == "search":
        return data["housing lines"]
    return data["answer bytes (current edition)"]


# --- One measurement, in a child process --------------------------------------------------------


def _status_kib(field: str) -> int:
    """A figure of /proc/self/status in KiB: VmRSS (resident now) or VmHWM (the peak)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/self/status")


def reset_peak() -> int:
    """Reset the process's peak RSS to what it uses now (``clear_refs``, Linux 4.0+) and return
    that RSS in KiB. ``getrusage().ru_maxrss`` cannot be used: it keeps the parent's peak across
    fork and exec, so a child of the process that built 10× would start at the builder's peak."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    return _status_kib("VmRSS")


def peak_kib() -> int:
    return _status_kib("VmHWM")


def _body_size(reply: Any) -> int:
    """Read the whole reply as a browser would: its stream if it streams, else its content."""
    if getattr(reply, "streaming", False):
        size = 0
        for chunk in reply.streaming_content:
            size += len(chunk)
        reply.close()
        return size
    return len(reply.content)


def _requests(op: str) -> list[str]:
    from surveys.models import Question, SurveyEdition

    base = f"/direktoratet/undersokelser/{CURRENT_YEAR}/"
    if op == "dashboard":
        return [f"{base}oppfolging/"]
    if op == "analysis":
        return [f"{base}analyse/"]
    if op == "trends":
        edition = SurveyEdition.objects.get(year=CURRENT_YEAR)
        keys = Question.objects.filter(edition=edition, key__startswith="s1_").values_list(
            "key", flat=True
        )
        return [f"{base}analyse/{key}/" for key in sorted(keys)]
    if op.startswith("export"):
        _export, fmt, shape = op.split()
        return [f"{base}eksport/?format={fmt}&shape={shape}"]
    if op == "search":
        return [f"/bosetting/sok/?{SEARCH_QUERY}"]
    raise SystemExit(f"unknown operation {op!r}")


def measure(op: str, runs: int) -> dict[str, Any]:
    """Request the operation's pages once with the queries captured, then ``runs`` times timed.
    Django is set up on the bench data."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import resolve
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.accounts.models import User

    # As in Django's test runner: one connection, kept open between requests (with
    # --configured-db it is the connection of the transaction that holds the data).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    user = User.objects.get(username=OFFICER if op == "search" else ADMIN)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    paths = _requests(op)
    for path in paths:
        resolve(path.split("?")[0])  # the views' modules imported before the baseline

    def run() -> int:
        size = 0
        for path in paths:
            reply = client.get(path)
            if reply.status_code != 200:
                raise SystemExit(f"GET {path} -> {reply.status_code}")
            size += _body_size(reply)
        return size

    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        baseline = reset_peak()
        with CaptureQueriesContext(connection) as ctx:
            size = run()
        queries = len(ctx.captured_queries)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return {
        "op": op,
        "seconds": statistics.median(times),
        "queries": queries,
        "peak_mb": (peak_kib() - baseline) / 1024,
        "bytes": size,
        "requests": len(paths),
    }


def measure_in_fork(op: str, runs: int) -> dict[str, Any]:
    """``measure`` in a forked child that shares this process's database connection (and so its
    open transaction); this process waits and does not touch the connection meanwhile."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never closes the shared connection
        os.close(read)
        code = 0
        try:
            result = measure(op, runs)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            result, code = {"op": op, "error": f"{type(exc).__name__}: {exc}"}, 1
        os.write(write, json.dumps(result).encode())
        os.close(write)
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(data)
    if "error" in result:
        raise SystemExit(f"{op}: {result['error']}")
    return result


def measure_in_subprocess(op: str, runs: int, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [str(PYTHON), __file__, "--measure", op, "--runs", str(runs)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{op} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- One size, in a process of its own ----------------------------------------------------------


def run_size(k: int, ops: list[str], runs: int, env: dict[str, str], configured: bool) -> None:
    """Build size ``k`` and measure every operation on it; the results as the last line of
    output (JSON)."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection, transaction

    results: dict[str, Any] = {"size": k}
    with transaction.atomic():
        started = time.perf_counter()
        results["data"] = build(k)
        results["build_seconds"] = time.perf_counter() - started
        print(
            f"  {k}×: built in {results['build_seconds']:.1f} s ({connection.vendor}):\n    "
            + ", ".join(f"{v} {name}" for name, v in results["data"].items()),
            file=sys.stderr,
            flush=True,
        )
        if configured:
            measured = [measure_in_fork(op, runs) for op in ops]
            transaction.set_rollback(True)
    if not configured:
        connection.close()
        measured = []
        for op in ops:
            measured.append(measure_in_subprocess(op, runs, env))
    for result in measured:
        print(
            f"  {k}×: {result['op']:<17} {result['seconds']:8.3f} s {result['queries']:5d} q "
            f"{result['peak_mb']:8.1f} MB",
            file=sys.stderr,
            flush=True,
        )
    results["ops"] = measured
    print(json.dumps(results))


# --- The report ---------------------------------------------------------------------------------


def report(sizes: list[int], by_size: dict[int, dict[str, Any]], ops: list[str]) -> bool:
    first = sizes[0]
    print()
    print(
        f"{'operation':<18}{'size':>5}{'seconds':>9}{'queries':>8}{'peak MB':>9}"
        f"{'time ×':>9}{'data ×':>8}{'time÷data':>10}"
    )
    constant = True
    for op in ops:
        rows = {k: next(r for r in by_size[k]["ops"] if r["op"] == op) for k in sizes}
        base = rows[first]
        base_data = data_read(op, by_size[first]["data"])
        for k in sizes:
            row = rows[k]
            ratio = row["seconds"] / base["seconds"]
            data = data_read(op, by_size[k]["data"]) / base_data
            print(
                f"{op if k == first else '':<18}{str(k) + '×':>5}{row['seconds']:9.3f}"
                f"{row['queries']:8d}{row['peak_mb']:9.1f}{ratio:8.2f}×{data:7.1f}×"
                f"{ratio / data:10.2f}"
            )
        counts = [rows[k]["queries"] for k in sizes]
        same = len(set(counts)) == 1
        constant &= same
        growth = ", ".join(
            f"{k}×/{first}×: {rows[k]['seconds'] / base['seconds']:.2f}" for k in sizes[1:]
        )
        print(f"{'':<18}time {growth}; queries {'constant' if same else 'GROW: ' + str(counts)}")
    print()
    print("(time × and data ×: against the smallest size; time÷data ≤ 1: linear or better)")
    print(f"query counts constant: {'met' if constant else 'not met'}")
    largest = sizes[-1]
    exports = [r for r in by_size[largest]["ops"] if r["op"].startswith("export")]
    goal = True
    if exports:
        worst = max(exports, key=lambda r: r["peak_mb"])
        goal = worst["peak_mb"] < EXPORT_GOAL_MB
        label = "10× export" if largest == 10 else f"{largest}× export (not 10×)"
        print(
            f"peak memory of the {label} {worst['peak_mb']:.0f} MB ({worst['op']}; "
            f"goal < {EXPORT_GOAL_MB} MB): {'met' if goal else 'not met'}"
        )
    return constant and goal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,3,10", help="data sizes, comma-separated (1,3,10)")
    parser.add_argument("--runs", type=int, help="timed runs per measurement (3; 1 with --quick)")
    parser.add_argument(
        "--quick", action="store_true", help="one timed run each, and no CSV export"
    )
    parser.add_argument(
        "--configured-db",
        action="store_true",
        help="use the configured database (DATABASE_URL), data rolled back, instead of SQLite",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # a child: one operation
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # a child: one size
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    ops = [name for name, _what in operations(args.quick)]

    if args.measure:  # Django on the SQLite file of the environment, already built
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        print(json.dumps(measure(args.measure, runs)))
        return 0

    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL", "SQLITE_PATH")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="testserver",
        PYTHONUNBUFFERED="1",
    )
    if args.size:  # a child: build one size and measure it
        run_size(args.size, ops, runs, dict(os.environ), args.configured_db)
        return 0

    sizes = sorted({int(s) for s in args.sizes.split(",")})
    if not args.configured_db:
        env.pop("DATABASE_URL", None)
    elif not env.get("DATABASE_URL"):
        raise SystemExit("--configured-db needs DATABASE_URL (a throwaway PostgreSQL database)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    started = time.perf_counter()
    try:
        template = workdir / "migrated.sqlite3"
        if not args.configured_db:
            env["SQLITE_PATH"] = str(template)
        seconds = run_manage(env, "migrate", "--noinput", "-v0")
        print(
            f"database: {'configured' if args.configured_db else 'SQLite'}, migrated in {seconds:.1f} s"
        )
        for name, what in operations(args.quick):
            print(f"  {name}: {what}")
        print(f"time: median of {runs} run(s) after one with the queries counted")
        print("peak memory: the child's peak RSS minus its RSS before the first request")
        by_size = {}
        for k in sizes:
            size_env = dict(env)
            if not args.configured_db:
                path = workdir / f"size-{k}.sqlite3"
                shutil.copyfile(template, path)
                size_env["SQLITE_PATH"] = str(path)
            command = [str(PYTHON), __file__, "--size", str(k), "--runs", str(runs)]
            if args.quick:
                command.append("--quick")
            if args.configured_db:
                command.append("--configured-db")
            done = subprocess.run(
                command, cwd=ROOT, env=size_env, stdout=subprocess.PIPE, text=True, check=False
            )
            if done.returncode != 0:
                raise SystemExit(f"size {k}× failed (exit {done.returncode})")
            by_size[k] = json.loads(done.stdout.strip().splitlines()[-1])
            if not args.configured_db:
                Path(size_env["SQLITE_PATH"]).unlink(missing_ok=True)
        report(sizes, by_size, ops)
        print(f"\n(whole run {time.perf_counter() - started:.0f} s)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
