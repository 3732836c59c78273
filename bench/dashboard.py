"""Benchmark: the survey follow-up dashboard for 372 organisations × 100 questions.

Prints the dashboard's time (median of several runs) and query count, and the ratio to a floor:
the time to just read the same responses and answers from the database. Runs on a temporary
SQLite database unless DATABASE_URL is set (then it uses that database: give it a throwaway one).

    .venv/bin/python bench/dashboard.py [--orgs 372] [--questions 100] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _common import django_on_sqlite


def build(orgs: int, questions: int):
    import datetime as dt

    from portal.accounts.models import DirectorateRole, User
    from portal.municipalities.models import County, KeyFigures, Municipality, Region
    from surveys.editions.services import edition_import, edition_set_status
    from surveys.models import Answer, Response

    region = Region.objects.create(code="bench", name="Bench")
    county = County.objects.create(number="99", name="Bench", valid_from=dt.date(2024, 1, 1))
    municipalities = Municipality.objects.bulk_create(
        [
            Municipality(
                number=f"{9000 + i:04d}",
                name=f"Kommune {i}",
                county=county,
                region=region,
                valid_from=dt.date(2024, 1, 1),
            )
            for i in range(orgs)
        ]
    )
    KeyFigures.objects.bulk_create(
        [
            KeyFigures(municipality=m, year=y, settled=(i % 7), population=1000 * (i + 1))
            for i, m in enumerate(municipalities)
            for y in range(2021, 2027)
        ]
    )
    kinds = ["yes_no", "integer", "single", "scale", "text"]
    items = []
    for n in range(questions):
        kind = kinds[n % len(kinds)]
        q = {"key": f"q{n}", "type": kind, "text": f"Spørsmål {n}"}
        if kind == "single":
            q["options"] = [
                {"key": "a", "label": "A"},
                {"key": "b", "label": "B"},
                {"key": "c", "label": "C"},
            ]
        if n % 10 == 9:
            q["show_if"] = (
                {"answers": [{"question": f"q{n - 4}", "in": [1, 2, 3]}]}
                if kinds[(n - 4) % 5] == "integer"
                else {"answers": [{"question": f"q{n - 9}", "answered": True}]}
            )
        items.append(q)
    sections = [
        {"key": f"s{i}", "title": f"Del {i}", "questions": items[i * 10 : (i + 1) * 10]}
        for i in range((questions + 9) // 10)
    ]
    edition = edition_import(
        actor=None,
        content={
            "year": 2026,
            "title": "Bench",
            "opens": "2026-01-01",
            "deadline": "2026-12-31",
            "sections": sections,
        },
    )
    edition_set_status(actor=None, edition=edition, status="open")
    responses = Response.objects.bulk_create(
        [
            Response(
                edition=edition, municipality=m, status="submitted" if i % 3 else "in_progress"
            )
            for i, m in enumerate(municipalities)
        ]
    )
    values = {"yes_no": "yes", "integer": 2, "single": "b", "scale": 4, "text": "Svar"}
    question_rows = list(edition.questions.all())
    Answer.objects.bulk_create(
        [
            Answer(response=r, municipality_id=r.municipality_id, question=q, value=values[q.type])
            for r in responses
            for q in question_rows
        ],
        batch_size=2000,
    )
    admin = User.objects.create(username="bench-admin", directorate_role=DirectorateRole.ADMIN)
    return edition, admin


def timed(func, runs: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            func()
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=372)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    django_on_sqlite("bench-dashboard-")
    edition, admin = build(args.orgs, args.questions)

    from surveys.followup.status import edition_dashboard, representativeness
    from surveys.models import Answer, Response

    def floor():
        list(
            Response.objects.filter(edition=edition).values_list("pk", "municipality_id", "status")
        )
        list(
            Answer.objects.filter(response__edition=edition).values_list(
                "response_id", "question_id", "value"
            )
        )

    def dashboard():
        board = edition_dashboard(user=admin, edition=edition)
        assert len(board.rows) == args.orgs

    def representative():
        representativeness(user=admin, edition=edition)

    floor_s, floor_q = timed(floor, args.runs)
    dash_s, dash_q = timed(dashboard, args.runs)
    rep_s, rep_q = timed(representative, args.runs)
    answers = args.orgs * args.questions
    print(f"organisations: {args.orgs}, questions: {args.questions}, answers: {answers}")
    print(f"{'':24}{'seconds':>10}{'queries':>10}{'× floor':>10}")
    print(f"{'floor (read answers)':24}{floor_s:10.3f}{floor_q:10d}{1:10.2f}")
    print(f"{'dashboard':24}{dash_s:10.3f}{dash_q:10d}{dash_s / floor_s:10.2f}")
    print(f"{'representativeness':24}{rep_s:10.3f}{rep_q:10d}{rep_s / floor_s:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
