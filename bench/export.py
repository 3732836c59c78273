#!/usr/bin/env python3
"""Benchmark the survey data export (surveys/analysis/exports.py). A script, not a test.

Builds an edition with 100 questions of every type and 372 organisations with submitted
responses that answer every question, then times the full-edition export in each format × shape
(CSV ZIP / XLSX × long / wide) and prints seconds, data rows, file size, and each time's ratio to
the floor: reading every exported answer from the database and nothing else.

    .venv/bin/python bench/export.py                 # a throwaway SQLite file (SQLITE_PATH)
    .venv/bin/python bench/export.py --repeat 3      # best of 3 for each figure
    .venv/bin/python bench/export.py --configured-db # the database in DATABASE_URL/SQLITE_PATH

By default the database is a temporary SQLite file, migrated with ``manage.py migrate`` and
deleted afterwards. With ``--configured-db`` the configured database is migrated and used; the
bench data is written in one transaction that is rolled back at the end, so nothing stays.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import QUESTION_TYPES as TYPES
from _common import django_setup, met, run_manage

YEAR = 2099
QUESTIONS = 100
ORGANISATIONS = 372
GOAL_XLSX_LONG = 10  # the issue's goal: a full-edition Excel long export at most 10x the read floor


def bench_env(configured: bool, sqlite_path: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL")}
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    env.update(DJANGO_SETTINGS_MODULE="portal.settings", SECURE_SSL_REDIRECT="0")
    if not configured:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(sqlite_path)
    return env


def migrate(env: dict[str, str]) -> float:
    return run_manage(env, "migrate", "--noinput", "-v0")


# --- The edition and its answers ---------------------------------------------------------------


def _options(prefix: str, count: int, *, other: bool = False) -> list[dict[str, Any]]:
    options = [{"key": f"{prefix}{i}", "label": f"Alternativ {i}"} for i in range(1, count + 1)]
    if other:
        options.append({"key": "other", "label": "Annet, beskriv", "other": True})
    return options


def definition() -> dict[str, Any]:
    """100 questions in 10 sections, each section one question of every type."""
    sections = []
    for s in range(QUESTIONS // len(TYPES)):
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
                question.update(options=_options("m", 6, other=True), allow_dont_know=True)
            elif kind == "rank":
                question.update(options=_options("r", 5), rank=3)
            elif kind == "integer":
                question.update(min=0, max=5000, unit="personer", allow_dont_know=True)
            elif kind == "scale":
                question.update(
                    scale={
                        "min": 1,
                        "max": 5,
                        "min_label": "Svært dårlig",
                        "max_label": "Svært god",
                    },
                    allow_not_relevant=True,
                )
            elif kind == "scale_grid":
                question.update(
                    items=[{"key": f"i{i}", "label": f"Punkt {i}"} for i in range(1, 5)],
                    allow_not_relevant=True,
                )
            questions.append(question)
        section: dict[str, Any] = {"key": f"s{s}", "title": f"Del {s}", "questions": questions}
        if s % 3 == 2:
            section["show_if"] = {"kind": ["municipality", "district"]}
        sections.append(section)
    return {
        "year": YEAR,
        "title": f"Benchmark {YEAR}",
        "opens": f"{YEAR}-01-01",
        "deadline": f"{YEAR}-03-01",
        "sections": sections,
    }


def answer_for(kind: str, rnd: random.Random) -> tuple[Any, str, str]:
    """(value, other text, explanation) for a question of ``kind``."""
    if kind == "yes_no":
        return rnd.choice(["yes", "no", "yes", "dont_know"]), "", ""
    if kind == "single":
        value = rnd.choice(["o1", "o2", "o3", "o4", "o5", "other", "dont_know"])
        return value, ("Egen ordning" if value == "other" else ""), ""
    if kind == "multi":
        if rnd.random() < 0.05:
            return "dont_know", "", ""
        chosen = sorted(
            rnd.sample(["m1", "m2", "m3", "m4", "m5", "m6", "other"], rnd.randint(1, 4))
        )
        return chosen, ("Noe annet" if "other" in chosen else ""), ""
    if kind == "rank":
        return rnd.sample(["r1", "r2", "r3", "r4", "r5"], 3), "", ""
    if kind == "integer":
        if rnd.random() < 0.05:
            return "dont_know", "", ""
        return rnd.randint(0, 5000), "", ("Vedtatt i juni" if rnd.random() < 0.1 else "")
    if kind == "percent":
        return round(rnd.uniform(0, 100), 1), "", ""
    if kind == "scale":
        return rnd.choice([1, 2, 3, 4, 5, "not_relevant"]), "", ""
    if kind == "scale_grid":
        return {f"i{i}": rnd.choice([1, 2, 3, 4, 5, "not_relevant"]) for i in range(1, 5)}, "", ""
    if kind == "text":
        return rnd.choice(["Ola Nordmann", "=SUM(A1)", "Kari Nordmann"]), "", ""
    return "Lang tekst om bosetting og kvalifisering. " * rnd.randint(1, 8), "", ""


def build() -> Any:
    import datetime as dt

    from django.utils import timezone

    from portal.municipalities.models import County, Municipality, Region
    from surveys.editions.services import edition_import
    from surveys.models import Answer, Question, Response

    region, _ = Region.objects.get_or_create(code="bench", defaults={"name": "IMDi Benchmark"})
    county = County.objects.create(number="99", name="Benchfylke", valid_from=dt.date(2000, 1, 1))
    Municipality.objects.bulk_create(
        Municipality(
            number=f"98{i:04d}",
            name=f"Benchkommune {i}",
            kind=Municipality.Kind.DISTRICT if i % 25 == 0 else Municipality.Kind.MUNICIPALITY,
            county=county,
            region=region,
            valid_from=dt.date(2000, 1, 1),
        )
        for i in range(ORGANISATIONS)
    )
    organisations = list(Municipality.objects.filter(county=county).order_by("number"))
    edition = edition_import(actor=None, content=definition())
    questions = list(Question.objects.filter(edition=edition).order_by("position"))
    now = timezone.now()
    Response.objects.bulk_create(
        Response(
            edition=edition,
            municipality=org,
            status=Response.Status.APPROVED if i % 4 == 0 else Response.Status.SUBMITTED,
            submitted_at=now,
        )
        for i, org in enumerate(organisations)
    )
    responses = Response.objects.filter(edition=edition).select_related("municipality")
    rnd = random.Random(2099)
    answers = []
    for response in responses:
        for question in questions:
            value, other_text, explanation = answer_for(question.type, rnd)
            answers.append(
                Answer(
                    response=response,
                    municipality=response.municipality,
                    question=question,
                    value=value,
                    other_text=other_text,
                    explanation=explanation,
                    updated_at=now,
                )
            )
    Answer.objects.bulk_create(answers, batch_size=2000)
    return edition


# --- Timing -------------------------------------------------------------------------------------


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure(edition: Any, repeat: int, workdir: Path) -> None:
    from surveys.analysis import exports
    from surveys.models import Answer

    source = exports.export_source(edition)

    def floor() -> int:
        rows = list(
            Answer.objects.filter(
                response__edition=edition,
                response__status__in=source.statuses,
                value__isnull=False,
            ).values_list("response_id", "question_id", "value", "other_text", "explanation")
        )
        return len(rows)

    floor_seconds, answers = best_of(max(repeat, 3), floor)
    print(f"\nfloor: read {answers} answers in {floor_seconds:.3f} s (best of {max(repeat, 3)})\n")
    ratios: dict[tuple[str, str], float] = {}
    print(f"{'format':<6} {'shape':<5} {'seconds':>8} {'rows':>8} {'size':>10} {'× floor':>8}")
    for fmt in exports.FORMATS:
        for shape in exports.SHAPES:
            path = workdir / f"export-{shape}.{exports.EXTENSIONS[fmt]}"

            def run(fmt: str = fmt, shape: str = shape, path: Path = path) -> int:
                with path.open("wb") as out:
                    return exports.write_export(
                        exports.export_source(edition), fmt=fmt, shape=shape, out=out
                    )

            seconds, rows = best_of(repeat, run)
            size = path.stat().st_size
            print(
                f"{fmt:<6} {shape:<5} {seconds:>8.3f} {rows:>8} {size / 1024 / 1024:>7.2f} MB "
                f"{seconds / floor_seconds:>7.1f}×"
            )
            ratios[fmt, shape] = seconds / floor_seconds
    xlsx_long = ratios["xlsx", "long"]
    print(
        f"\ngoal: a full-edition Excel long export <= {GOAL_XLSX_LONG:g}x the read floor: "
        f"{xlsx_long:.1f}x, {met(xlsx_long <= GOAL_XLSX_LONG)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=1, help="each export: best of N runs (default 1)"
    )
    parser.add_argument(
        "--configured-db",
        action="store_true",
        help="use the configured database (data rolled back at the end) instead of a temp SQLite",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        env = bench_env(args.configured_db, str(workdir / "bench.sqlite3"))
        print(
            "database:",
            "configured" if args.configured_db else env["SQLITE_PATH"],
            f"(migrated in {migrate(env):.1f} s)",
        )
        django_setup(env)
        from django.db import connection, transaction

        with transaction.atomic():
            started = time.perf_counter()
            edition = build()
            print(
                f"built: {QUESTIONS} questions, {ORGANISATIONS} organisations in "
                f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
            )
            measure(edition, args.repeat, workdir)
            transaction.set_rollback(True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
