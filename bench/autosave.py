#!/usr/bin/env python3
"""Benchmark the survey autosave path under gunicorn + PostgreSQL (see bench/README.md).

Sets up its own database (``portal_bench``), starts gunicorn with production settings, logs bench
users in through the real login form, then runs two phases at the same concurrency:

- floor:    POST /bench/upsert/<response>/<question>/  (authenticate the session, upsert one row)
- autosave: POST /kommune/<number>/undersokelse/2026/lagre/  (the real thing)

and prints requests, errors, requests/s, p50 and p95 per phase and the autosave/floor ratios.
Afterwards it checks that every user's stored answer is the last value the server accepted.
Exits non-zero if any request failed or an answer does not match.

Standard library only on the client side (http.client, threads); the setup uses the portal's
own management commands and the Django ORM. What it shares with bench/deadline_rush.py (setup,
gunicorn, the client, the login and the run against gunicorn) is in bench/_common.py.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from _common import (
    GOAL_QUERIES,
    NETWORK_ERRORS,
    Client,
    ErrorLog,
    Figures,
    Serving,
    add_keep_db,
    bench_editor,
    bench_response,
    database_url,
    django_setup,
    drop_database,
    failure,
    floor_upsert,
    interrupt,
    met,
    open_edition,
    prepare_database,
    print_queries,
    print_ratios,
    run_script,
    run_threads,
    run_timed,
)
from _common import bench_env as common_env
from _common import log_in as form_log_in

DB_NAME = "portal_bench"

YEAR = 2026
# An integer question with no show_if of its own. Its section ("housing") is shown only to
# organisations that settle refugees, and with reference data alone (no key figures) every
# organisation "does not settle", so the setup gives each bench organisation a settlement
# category override ("settles"). No integer question of 2026 is shown to every organisation.
QUESTION = "housing_units_available"
# The floor upserts a different question, so the two phases do not touch each other's rows
# (the floor stores the raw string, which is no valid value for an integer question).
FLOOR_QUESTION = "imdi_most_important_advice"

PASSWORD = "bench-autosave-not-a-secret-2026"
USERNAME_PREFIX = "bench-autosave-"
MAX_ERROR_BODIES = 5


def bench_env(db_name: str) -> dict[str, str]:
    """The environment of every process: production settings on the bench database."""
    return common_env(database_url(db_name), BENCH_ENDPOINTS="1")


# --- Setup -------------------------------------------------------------------------------------


@dataclass
class BenchUser:
    index: int
    username: str
    number: str  # the organisation's number
    response_id: int
    version: int  # the autosave question's stored version
    lo: int
    hi: int
    cookies: dict[str, str] = field(default_factory=dict)
    sent: int = 0  # values sent so far
    last_ok: int | None = None  # the last autosave value the server answered 200 for
    floor_last_ok: str | None = None
    version_jumps: int = 0

    def next_value(self) -> int:
        # Every value differs from the one before, so each save is a real change.
        span = self.hi - self.lo + 1
        value = self.lo + (self.index * 37 + self.sent) % span
        self.sent += 1
        return value


@dataclass
class Fixture:
    users: list[BenchUser]
    question_id: int
    floor_question_id: int


def create_fixture(n: int) -> Fixture:
    """N editors of the first N current municipalities (by number), each with a response."""
    from django.contrib.auth.hashers import make_password
    from django.db import connections, transaction

    from portal.municipalities.models import Municipality
    from surveys.models import Answer, Question, SettlementCategory
    from surveys.respondent.selectors import survey_state

    edition = open_edition(YEAR)
    question = Question.objects.get(edition=edition, key=QUESTION)
    floor_question = Question.objects.get(edition=edition, key=FLOOR_QUESTION)
    if question.type != "integer":
        raise SystemExit(f"{QUESTION} is a {question.type} question, not integer")
    lo = int(question.config.get("min", 0))
    hi = int(question.config.get("max", lo + 1000))

    municipalities = list(
        Municipality.objects.filter(
            valid_to__isnull=True, kind=Municipality.Kind.MUNICIPALITY
        ).order_by("number")[:n]
    )
    if len(municipalities) < n:
        raise SystemExit(f"Only {len(municipalities)} current municipalities; asked for {n}")
    hashed = make_password(PASSWORD)  # hashed once: PBKDF2 per user would take seconds each

    users = []
    with transaction.atomic():
        for index, municipality in enumerate(municipalities):
            username = f"{USERNAME_PREFIX}{index + 1:03d}"
            bench_editor(username, f"{index + 1:03d}", hashed, municipality)
            response = bench_response(
                edition,
                municipality,
                category=SettlementCategory.SETTLES,
                reason="bench/autosave.py",
            )
            stored = Answer.objects.filter(response=response, question=question).first()
            users.append(
                BenchUser(
                    index=index,
                    username=username,
                    number=municipality.number,
                    response_id=response.pk,
                    version=stored.version if stored else 0,
                    lo=lo,
                    hi=hi,
                )
            )
    # Guard the premise: the question must be shown to every bench organisation.
    for municipality in municipalities:
        if QUESTION not in survey_state(edition, municipality).visible:
            raise SystemExit(f"{QUESTION} is not shown to {municipality.number}")
    connections.close_all()
    return Fixture(users, question.pk, floor_question.pk)


def stored_answers(fixture: Fixture, question_id: int) -> dict[int, object]:
    """{response id: stored value} for one question."""
    from django.db import connections

    from surveys.models import Answer

    rows = dict(
        Answer.objects.filter(
            response_id__in=[u.response_id for u in fixture.users], question_id=question_id
        ).values_list("response_id", "value")
    )
    connections.close_all()
    return rows


def log_in(client: Client, user: BenchUser) -> str | None:
    """The real login form; returns an error text, or None when logged in."""
    return form_log_in(client, user.username, PASSWORD, user.cookies)


# --- Phases ------------------------------------------------------------------------------------


@dataclass
class PhaseResult(Figures):
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # ms, measured window, 200 only
    requests: int = 0  # measured window
    errors: int = 0  # measured window
    warmup_requests: int = 0
    warmup_errors: int = 0
    elapsed: float = 0.0
    connects: int = 0  # whole phase, warm-up included
    queries: Counter[int] = field(default_factory=Counter)  # SQL statements per reply
    client_cpu: float = 0.0  # share of one core used by this process (the client) in the phase


# One request for one user: returns (ok, error text).
Action = Callable[[Client, BenchUser], tuple[bool, str]]


def run_phase(
    name: str,
    action: Action,
    groups: list[list[BenchUser]],
    port: int,
    *,
    warmup: float,
    seconds: float,
    stop: threading.Event,
    errors: ErrorLog,
) -> PhaseResult:
    result = PhaseResult(name, seconds)
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from = start + warmup
    measure_to = measure_from + seconds
    last_end = [measure_to]

    def worker(users: list[BenchUser]) -> None:
        client = Client(port)
        latencies, requests, errs, w_requests, w_errors = [], 0, 0, 0, 0
        try:
            i = 0
            while not stop.is_set():
                began = time.perf_counter()
                if began >= measure_to:
                    break
                user = users[i % len(users)]
                i += 1
                try:
                    ok, text = action(client, user)
                except NETWORK_ERRORS as exc:
                    ok, text = False, failure(exc)
                ended = time.perf_counter()
                if not ok:
                    errors.add(f"{name} {user.username}: {text}")
                if began >= measure_from:
                    requests += 1
                    if ok:
                        latencies.append((ended - began) * 1000)
                    else:
                        errs += 1
                    with lock:
                        last_end[0] = max(last_end[0], ended)
                else:
                    w_requests += 1
                    w_errors += 0 if ok else 1
        finally:
            client.close()
            with lock:
                result.latencies.extend(latencies)
                result.requests += requests
                result.errors += errs
                result.warmup_requests += w_requests
                result.warmup_errors += w_errors
                result.connects += client.connects
                result.queries.update(client.queries)

    print(f"Phase {name}: {warmup:.0f} s warm-up, {seconds:.0f} s measured ...", flush=True)
    _wall, result.client_cpu = run_timed(worker, groups, stop, start)
    result.elapsed = last_end[0] - measure_from
    return result


def floor_action(fixture: Fixture) -> Action:
    def act(client: Client, user: BenchUser) -> tuple[bool, str]:
        value = str(user.next_value())
        problem = floor_upsert(
            client, user.cookies, user.response_id, fixture.floor_question_id, value
        )
        if problem:
            return False, problem
        user.floor_last_ok = value
        return True, ""

    return act


def autosave_action() -> Action:
    def act(client: Client, user: BenchUser) -> tuple[bool, str]:
        value = user.next_value()
        form = {
            "question": QUESTION,
            f"q-{QUESTION}": str(value),
            f"q-{QUESTION}-version": str(user.version),
        }
        path = f"/kommune/{user.number}/undersokelse/{YEAR}/lagre/"
        status, body = client.request("POST", path, user.cookies, form)
        if status != 200:
            return False, f"HTTP {status}: {body[:300]!r}"
        try:
            reply = json.loads(body)
        except ValueError:
            return False, f"HTTP 200 but not JSON: {body[:300]!r}"
        if reply.get("status") != "saved":
            return False, f"HTTP 200 but {body[:300]!r}"
        if reply["version"] != user.version + 1:
            user.version_jumps += 1
        user.version = reply["version"]
        user.last_ok = value
        return True, ""

    return act


# --- Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds per phase")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--users", type=int, default=40, help="bench users (organisations)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--db", default=DB_NAME, help=f"the bench database's name (default {DB_NAME})"
    )
    add_keep_db(parser, DB_NAME)
    args = parser.parse_args(argv)
    if min(args.concurrency, args.users, args.workers) < 1 or args.seconds <= 0:
        parser.error("--seconds, --concurrency, --users and --workers must be positive")
    if args.warmup < 0:
        parser.error("--warmup cannot be negative")
    return args


def print_table(phases: list[PhaseResult]) -> None:
    print()
    print(f"{'phase':<10}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for r in phases:
        print(
            f"{r.name:<10}{r.requests:>10}{r.errors:>8}{r.rate:>10.1f}"
            f"{r.percentile(50):>10.1f}{r.percentile(95):>10.1f}"
        )
    print_ratios(*phases)
    for r in phases:
        print_queries(f"{r.name} queries", r.queries)
    saves = phases[-1].queries
    if saves:
        most = max(saves)
        print(
            f"goal: at most {GOAL_QUERIES} queries per save: {most} at most, "
            f"{met(most <= GOAL_QUERIES)}"
        )
    for r in phases:
        total = r.requests + r.warmup_requests
        print(
            f"({r.name}: warm-up {r.warmup_requests} requests, {r.warmup_errors} errors; "
            f"{r.connects} TCP connections for {total} requests; "
            f"client used {r.client_cpu:.0%} of a core)"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    env = bench_env(args.db)
    threads = min(args.concurrency, args.users)
    print(
        f"Autosave benchmark: {args.users} users, {threads} client threads, "
        f"{args.workers} gunicorn workers, {args.seconds:g} s per phase"
    )
    prepare_database(env, args.db, keep=args.keep_db)
    django_setup(env)
    fixture = create_fixture(args.users)
    print(f"  {len(fixture.users)} bench users, each an editor of one organisation")
    groups = [fixture.users[i::threads] for i in range(threads)]

    with Serving(env, args.workers, max_errors=MAX_ERROR_BODIES) as serving:
        serving.wait_healthy()
        stop = serving.stop
        login_errors: list[str] = []

        def login_worker(users: list[BenchUser]) -> None:
            client = Client(serving.port)
            try:
                for user in users:
                    if stop.is_set():
                        return
                    problem = log_in(client, user)
                    if problem:
                        login_errors.append(f"{user.username}: {problem}")
            finally:
                client.close()

        began = time.perf_counter()
        run_threads(login_worker, groups, stop)
        if serving.logins_failed(login_errors):
            return 1
        print(f"Logged in {len(fixture.users)} users in {time.perf_counter() - began:.1f} s")

        # Each response's first save makes its save state (the long way); the phases measure
        # the saves after it, and this one is counted on its own.
        first_saves: Counter[int] = Counter()
        counting = threading.Lock()

        def prime_worker(users: list[BenchUser]) -> None:
            client = Client(serving.port)
            act = autosave_action()
            try:
                for user in users:
                    if stop.is_set():
                        return
                    ok, text = act(client, user)
                    if not ok:
                        login_errors.append(f"{user.username}: first save: {text}")
            finally:
                client.close()
                with counting:
                    first_saves.update(client.queries)

        run_threads(prime_worker, groups, stop)
        if serving.logins_failed(login_errors):
            return 1
        print_queries("first save of each response", first_saves)

        common = {
            "warmup": args.warmup,
            "seconds": args.seconds,
            "stop": stop,
            "errors": serving.errors,
        }
        floor = run_phase("floor", floor_action(fixture), groups, serving.port, **common)
        autosave = run_phase("autosave", autosave_action(), groups, serving.port, **common)
        print_table([floor, autosave])
        serving.report_errors("{total} requests failed; the first {shown}:")
    if serving.interrupted:
        return 130

    print()
    stored = stored_answers(fixture, fixture.question_id)
    matches = sum(1 for u in fixture.users if stored.get(u.response_id) == u.last_ok)
    print(f"verified: {matches}/{len(fixture.users)} answers match the last value sent")
    for user in fixture.users:
        if stored.get(user.response_id) != user.last_ok:
            print(
                f"  {user.username} ({user.number}): stored {stored.get(user.response_id)!r}, "
                f"last accepted {user.last_ok!r}"
            )
    floor_stored = stored_answers(fixture, fixture.floor_question_id)
    floor_matches = sum(
        1 for u in fixture.users if floor_stored.get(u.response_id) == u.floor_last_ok
    )
    print(f"floor:    {floor_matches}/{len(fixture.users)} rows hold the last value sent")
    jumps = sum(u.version_jumps for u in fixture.users)
    if jumps:
        print(f"surprise: {jumps} autosave replies skipped a version (expected +1 each)")
    failed = serving.failed or matches != len(fixture.users) or floor_matches != len(fixture.users)

    if not args.keep_db:
        drop_database(args.db)
    return 1 if failed else 0


if __name__ == "__main__":
    run_script(main)  # Ctrl-C during the setup; once gunicorn runs, main() handles it
