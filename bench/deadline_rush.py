#!/usr/bin/env python3
"""Deadline-rush load test: many respondents log in and autosave at once (see bench/README.md).

Sets up its own database (``portal_rush``), starts gunicorn with production settings and gives
every current organisation (372 with the reference data) one respondent, some of them two, 400
in all. Every respondent logs in through the real login form, all at once, and then, one thread
each, keeps saving answers with a think time between requests, in two phases of the same length
and pacing:

- floor:    POST /bench/upsert/<response>/<question>/  (authenticate the session, upsert one row)
- autosave: POST /kommune/<number>/undersokelse/2026/lagre/  (the real thing), cycling through
  the respondent's own questions of several types

and prints requests, errors, conflicts, requests/s, p50 and p95 per phase and the autosave/floor
ratios. Afterwards it checks in the database that every answer is the last value the server
accepted for it, from the respondent who sent it, and that the audit log has one entry for every
accepted save. Exits non-zero if any request failed or any answer is lost or mixed up.

Standard library only on the client side (http.client, threads); the setup uses the portal's
own management commands and the Django ORM.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _common import (
    NETWORK_ERRORS,
    Client,
    ErrorLog,
    Figures,
    Serving,
    bench_editor,
    bench_env,
    bench_response,
    database_url,
    django_setup,
    drop_database,
    failure,
    floor_upsert,
    interrupt,
    log_in,
    open_edition,
    prepare_database,
    print_ratios,
    run_script,
    run_timed,
)

DB_NAME = "portal_rush"

YEAR = 2026
PASSWORD = "bench-rush-not-a-secret-2026"
USERNAME_PREFIX = "bench-rush-"
MAX_ERROR_BODIES = 8

# The floor upserts rows the autosave phase never touches: questions shown only after a certain
# answer to another question, one for each respondent of an organisation. The floor view stores
# the raw string and checks nothing, so which question it is does not matter to its cost.
FLOOR_QUESTIONS = ("intro_result_target_other_definition", "housing_large_families_barrier")
# Where an organisation has two respondents, both write this question (and each its own share
# of the others), so their saves can conflict: the version each sends is then out of date.
SHARED_QUESTION = "imdi_most_important_advice"
TYPES = {
    "integer",
    "percent",
    "yes_no",
    "single",
    "scale",
    "multi",
    "scale_grid",
    "text",
    "textarea",
}
# Settlement categories given to the organisations in turn (an override each), so different
# organisations see different sections: without key figures every one would "not settle".
CATEGORIES = ["settles"] * 8 + ["first_time", "does_not_settle"]

Form = list[tuple[str, str]]


# --- Setup -------------------------------------------------------------------------------------


def fingerprint(value: Any, other_text: str = "") -> str:
    from surveys.respondent.questions import fingerprint as qfingerprint

    return qfingerprint(value, other_text)


def value_maker(question, seed: int, username: str) -> Callable[[int], tuple[Form, Any]]:
    """The n-th value a respondent sends for a question: (form fields, the value as stored).
    Every value differs from the one before, so every save is a real change."""
    key, kind, config = question.key, question.type, question.config
    name = f"q-{key}"
    dont_know = ["dont_know"] if config.get("allow_dont_know") else []

    if kind in ("integer", "percent"):
        lo = int(config.get("min", 0))
        hi = int(config.get("max", 100 if kind == "percent" else lo + 1000))
        span = hi - lo + 1

        def number(n: int) -> tuple[Form, Any]:
            value = lo + (seed * 37 + n) % span
            return [(name, str(value))], value

        return number

    if kind in ("yes_no", "single", "scale"):
        if kind == "yes_no":
            allowed: list[Any] = ["yes", "no"]
        elif kind == "single":
            allowed = [o["key"] for o in question.options if not o.get("other")]
        else:
            scale = config.get("scale", {})
            allowed = list(range(scale.get("min", 1), scale.get("max", 5) + 1))
        allowed += dont_know

        def one_of(n: int) -> tuple[Form, Any]:
            value = allowed[(seed + n) % len(allowed)]
            return [(name, str(value))], value

        return one_of

    if kind == "multi":
        keys = [o["key"] for o in question.options if not o.get("other") and not o.get("exclusive")]
        pairs = (config.get("max_choices") or len(keys)) >= 2

        def some_of(n: int) -> tuple[Form, Any]:
            # One option, then that one and the next, then the next alone, …
            if pairs:
                first = (seed + n // 2) % len(keys)
                chosen = {keys[first]} | ({keys[(first + 1) % len(keys)]} if n % 2 else set())
            else:
                chosen = {keys[(seed + n) % len(keys)]}
            value = [k for k in keys if k in chosen]  # stored in the options' order
            return [(name, k) for k in value], value

        return some_of

    if kind == "scale_grid":
        scale = config.get("scale", {})
        low, high = scale.get("min", 1), scale.get("max", 5)
        items = [item["key"] for item in config["items"]]

        def grid(n: int) -> tuple[Form, Any]:
            value = {item: low + (seed + n + j) % (high - low + 1) for j, item in enumerate(items)}
            return [(f"{name}-{item}", str(point)) for item, point in value.items()], value

        return grid

    if kind in ("text", "textarea"):
        limit = config.get("max_length", 200 if kind == "text" else 4000)

        def text(n: int) -> tuple[Form, Any]:
            # Names the sender: a value in the wrong place shows whose it was.
            value = f"{username} #{n} {key}"[:limit]
            return [(name, value)], value

        return text

    raise SystemExit(f"{key}: no values for a {kind} question")


@dataclass
class Item:
    """One question one respondent writes, and what the server answered about it."""

    key: str
    question_id: int
    shared: bool
    make: Callable[[int], tuple[Form, Any]]
    version: int = 0  # as the page has it: the version of the last reply
    orig: str = ""  # the fingerprint of the value the page last saw
    sent: int = 0
    last_ok: Any = None
    accepted: list[tuple[int, Any]] = field(default_factory=list)  # (version, value) per save
    retry: tuple[Form, Any] | None = None  # a save refused with a conflict, to send again


@dataclass
class Respondent:
    index: int
    username: str
    user_id: int
    number: str
    response_id: int
    slot: int  # 0 or 1: which respondent of the organisation
    items: list[Item]
    floor_question_id: int
    cookies: dict[str, str] = field(default_factory=dict)
    turn: int = 0
    floor_sent: int = 0
    floor_last_ok: str | None = None
    version_jumps: int = 0

    def next_item(self) -> Item:
        for item in self.items:
            if item.retry is not None:
                return item  # "keep mine" at once
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        return item


@dataclass
class Fixture:
    respondents: list[Respondent]
    organisations: int
    pairs: int
    questions: dict[str, str]  # key -> type, of every question some respondent writes


def eligible_questions(state, shown: set[str]) -> list:
    """Questions a respondent can keep changing without changing what else is shown: visible to
    the organisation, with no show_if on other answers (the routing depends on the organisation
    only), and not one of the floor's questions."""
    sections = {s.pk: s for s in state.sections}
    chosen = []
    for question in state.questions:
        section = sections[question.section_id]
        if (
            question.key in shown
            and question.type in TYPES
            and question.key not in FLOOR_QUESTIONS
            and not (question.show_if or {}).get("answers")
            and not (section.show_if or {}).get("answers")
        ):
            chosen.append(question)
    return chosen


def spread(count: int, among: int) -> list[int]:
    """``count`` indexes spread evenly over ``range(among)``."""
    return sorted({int(i * among / count) for i in range(count)}) if count else []


def create_fixture(clients: int) -> Fixture:
    """Respondents for every current organisation (two for some, ``clients`` in all), each an
    editor with a response, a settlement-category override and its own questions."""
    from django.contrib.auth.hashers import make_password
    from django.db import connections, transaction
    from django.http import QueryDict

    from portal.municipalities.selectors import current_organisations
    from surveys.models import Question
    from surveys.respondent import questions as qtypes
    from surveys.respondent.selectors import survey_state

    edition = open_edition(YEAR)
    floor_ids = [Question.objects.get(edition=edition, key=k).pk for k in FLOOR_QUESTIONS]
    shared_type = Question.objects.get(edition=edition, key=SHARED_QUESTION).type
    if shared_type not in ("text", "textarea"):
        raise SystemExit(f"{SHARED_QUESTION} is a {shared_type} question: its values must be text")

    organisations = list(current_organisations().order_by("number"))
    if clients > 2 * len(organisations):
        raise SystemExit(f"At most two respondents each for {len(organisations)} organisations")
    if clients <= len(organisations):
        organisations = [organisations[i] for i in spread(clients, len(organisations))]
        twice: set[int] = set()
    else:
        twice = set(spread(clients - len(organisations), len(organisations)))
    hashed = make_password(PASSWORD)  # hashed once: PBKDF2 per user would take a while

    respondents: list[Respondent] = []
    kinds: dict[str, str] = {}
    with transaction.atomic():
        for org_index, municipality in enumerate(organisations):
            response = bench_response(
                edition,
                municipality,
                category=CATEGORIES[org_index % len(CATEGORIES)],
                reason="bench/deadline_rush.py",
            )
            state = survey_state(edition, municipality, response=response, with_people=False)
            if state.answers:
                raise SystemExit(f"{municipality.number} has answers already: use a fresh database")
            questions = eligible_questions(state, set(state.visible))
            slots = 2 if org_index in twice else 1
            for slot in range(slots):
                index = len(respondents)
                username = f"{USERNAME_PREFIX}{index + 1:03d}"
                user = bench_editor(username, f"Rush {index + 1:03d}", hashed, municipality)
                if slots == 1:
                    own = questions
                else:  # every other question each, in the survey's order, and the shared one
                    others = [q.key for q in questions if q.key != SHARED_QUESTION]
                    keys = {*others[slot::2], SHARED_QUESTION}
                    own = [q for q in questions if q.key in keys]
                items = []
                for question in own:
                    make = value_maker(question, seed=index, username=username)
                    for n in range(4):  # the form really parses into the value expected
                        form, expected = make(n)
                        data = QueryDict(mutable=True)
                        for name, value in form:
                            data.appendlist(name, value)
                        if qtypes.parse(question, data) != (expected, ""):
                            raise SystemExit(f"{question.key}: {form} does not parse as {expected}")
                    kinds[question.key] = question.type
                    items.append(
                        Item(
                            key=question.key,
                            question_id=question.pk,
                            shared=slots == 2 and question.key == SHARED_QUESTION,
                            make=make,
                            orig=fingerprint(None),
                        )
                    )
                if not items:
                    raise SystemExit(f"No question to answer for {municipality.number}")
                respondents.append(
                    Respondent(
                        index=index,
                        username=username,
                        user_id=user.pk,
                        number=municipality.number,
                        response_id=response.pk,
                        slot=slot,
                        items=items,
                        floor_question_id=floor_ids[slot],
                    )
                )
    connections.close_all()
    return Fixture(respondents, len(organisations), len(twice), kinds)


# --- Phases ------------------------------------------------------------------------------------

OK, CONFLICT, ERROR = "ok", "conflict", "error"
# One request for one respondent: (outcome, error text).
Action = Callable[[Client, Respondent], tuple[str, str]]


@dataclass
class PhaseResult(Figures):
    """Requests by when they ended: in the warm-up, in the measured window, or after it (the
    queue draining once no new requests are sent). Only the window counts for the figures."""

    name: str
    latencies: list[float] = field(default_factory=list)  # ms, measured window, no errors
    counts: Counter = field(default_factory=Counter)  # (window, outcome) -> requests
    elapsed: float = 0.0  # the measured window, s
    connects: int = 0
    client_cpu: float = 0.0  # share of one core used by this process (the client) in the phase

    def count(self, window: str, outcome: str = "") -> int:
        return sum(n for (w, o), n in self.counts.items() if w == window and outcome in ("", o))

    @property
    def requests(self) -> int:
        return self.count("measured")

    @property
    def errors(self) -> int:
        return self.count("measured", ERROR)

    @property
    def conflicts(self) -> int:
        return self.count("measured", CONFLICT)


def run_phase(
    name: str,
    action: Action,
    respondents: list[Respondent],
    port: int,
    *,
    warmup: float,
    seconds: float,
    think: float,
    stop: threading.Event,
    errors: ErrorLog,
) -> PhaseResult:
    """One thread per respondent, each sending a request, waiting a think time (uniform between
    half and one and a half ``think``), and so on; the first request comes after a random part
    of a think time, so the respondents do not start in step.

    A request counts for the window in which it ends: with the server saturated, hundreds of
    requests wait in its queue at any moment, and counting by start would charge the window
    with the warm-up's queue and leave its own for after it."""
    result = PhaseResult(name, elapsed=seconds)
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from = start + warmup
    measure_to = measure_from + seconds

    def worker(respondent: Respondent) -> None:
        rng = random.Random(f"{name}-{respondent.index}")
        client = Client(port, timeout=120)
        counts: Counter = Counter()
        latencies: list[float] = []
        try:
            due = start + rng.uniform(0, 1.5 * think)
            while not stop.is_set():
                if stop.wait(max(0.0, due - time.perf_counter())):
                    break
                began = time.perf_counter()
                if began >= measure_to:
                    break
                try:
                    outcome, text = action(client, respondent)
                except NETWORK_ERRORS as exc:
                    outcome, text = ERROR, failure(exc)
                ended = time.perf_counter()
                if outcome == ERROR:
                    errors.add(f"{name} {respondent.username} ({respondent.number}): {text}")
                if ended < measure_from:
                    window = "warmup"
                elif ended < measure_to:
                    window = "measured"
                    if outcome != ERROR:
                        latencies.append((ended - began) * 1000)
                else:
                    window = "after"
                counts[window, outcome] += 1
                # A conflict is answered at once ("keep mine"); anything else after a pause.
                due = ended if outcome == CONFLICT else ended + think * rng.uniform(0.5, 1.5)
        finally:
            client.close()
            with lock:
                result.latencies.extend(latencies)
                result.counts.update(counts)
                result.connects += client.connects

    print(f"Phase {name}: {warmup:g} s warm-up, {seconds:g} s measured ...", flush=True)
    _wall, result.client_cpu = run_timed(worker, respondents, stop, start)
    return result


def floor_action(client: Client, respondent: Respondent) -> tuple[str, str]:
    value = f"{respondent.username} floor #{respondent.floor_sent}"
    respondent.floor_sent += 1
    problem = floor_upsert(
        client, respondent.cookies, respondent.response_id, respondent.floor_question_id, value
    )
    if problem:
        return ERROR, problem
    respondent.floor_last_ok = value
    return OK, ""


def autosave_action(client: Client, respondent: Respondent) -> tuple[str, str]:
    """One save as the page's script sends it: the question's fields, its version and the
    fingerprint of the value the page had. A conflict keeps the value for a retry with the
    version the server reported, as the "keep mine" button does."""
    item = respondent.next_item()
    if item.retry is not None:
        fields, value = item.retry
        item.retry = None
    else:
        fields, value = item.make(item.sent)
        item.sent += 1
    form = [
        ("question", item.key),
        *fields,
        (f"q-{item.key}-version", str(item.version)),
        (f"q-{item.key}-orig", item.orig),
    ]
    path = f"/kommune/{respondent.number}/undersokelse/{YEAR}/lagre/"
    status, body = client.request("POST", path, respondent.cookies, form)
    try:
        reply = json.loads(body)
    except ValueError:
        return ERROR, f"{item.key}: HTTP {status}, not JSON: {body[:300]!r}"
    if status == 409 and reply.get("status") == "conflict" and item.shared:
        item.version = reply["version"]
        item.retry = (fields, value)
        return CONFLICT, ""
    if status != 200 or reply.get("status") != "saved":
        return ERROR, f"{item.key}: HTTP {status}: {body[:300]!r}"
    if reply["version"] != item.version + 1:
        respondent.version_jumps += 1  # every save is a change: the version grows by one
    item.version = reply["version"]
    item.orig = reply["fingerprint"]
    item.last_ok = value
    item.accepted.append((item.version, value))
    return OK, ""


def log_in_all(
    respondents: list[Respondent], port: int, stop: threading.Event
) -> tuple[PhaseResult, list[str]]:
    """Every respondent logs in at the same moment, one thread each (the rush's first minute)."""
    result = PhaseResult("login")
    problems: list[str] = []
    lock = threading.Lock()
    start = time.perf_counter()

    def worker(respondent: Respondent) -> None:
        client = Client(port, timeout=300)  # 400 password checks queue behind two workers
        began = time.perf_counter()
        try:
            problem = log_in(client, respondent.username, PASSWORD, respondent.cookies)
        finally:
            client.close()
        ended = time.perf_counter()
        with lock:
            result.counts["measured", ERROR if problem else OK] += 1
            result.connects += client.connects
            if problem:
                problems.append(f"{respondent.username}: {problem}")
            else:
                result.latencies.append((ended - began) * 1000)

    result.elapsed, result.client_cpu = run_timed(worker, respondents, stop, start)
    return result, problems


# --- Checking the database ---------------------------------------------------------------------


@dataclass
class Expected:
    value: Any
    version: int | None  # None: not checked (the floor does not count versions)
    user_id: int
    what: str


def expected_rows(fixture: Fixture) -> tuple[dict[tuple[int, int], Expected], int]:
    """What every (response, question) should hold, and how many shared saves got a version
    another save of the same answer also got (which would mean a lost update)."""
    expected: dict[tuple[int, int], Expected] = {}
    shared: dict[tuple[int, int], list[tuple[int, Any, int, str]]] = {}
    for r in fixture.respondents:
        if r.floor_last_ok is not None:
            expected[r.response_id, r.floor_question_id] = Expected(
                r.floor_last_ok, None, r.user_id, f"{r.username} floor"
            )
        for item in r.items:
            if item.shared:
                shared.setdefault((r.response_id, item.question_id), []).extend(
                    (version, value, r.user_id, f"{r.username} {item.key} (shared)")
                    for version, value in item.accepted
                )
            elif item.accepted:
                expected[r.response_id, item.question_id] = Expected(
                    item.last_ok, item.version, r.user_id, f"{r.username} {item.key}"
                )
    duplicates = 0
    for key, saves in shared.items():
        versions = [s[0] for s in saves]
        duplicates += len(versions) - len(set(versions))
        if saves:
            version, value, user_id, what = max(saves, key=lambda s: s[0])
            expected[key] = Expected(value, version, user_id, what)
    return expected, duplicates


def check_database(fixture: Fixture) -> bool:
    """Compare the database with what the server accepted; print the outcome. True if all match."""
    from django.db import connections
    from django.db.models import Count

    from portal.core.audit.models import AuditEntry
    from surveys.models import Answer, Question

    expected, duplicates = expected_rows(fixture)
    responses = {r.response_id for r in fixture.respondents}
    stored = {
        (a["response_id"], a["question_id"]): a
        for a in Answer.objects.filter(response_id__in=responses).values(
            "response_id", "question_id", "value", "version", "updated_by_id"
        )
    }
    lost, mixed, unexpected, problems = 0, 0, 0, []
    for key, want in expected.items():
        row = stored.get(key)
        if row is None:
            lost += 1
            problems.append(f"  {want.what}: no answer stored, last accepted {want.value!r}")
            continue
        same_version = want.version is None or row["version"] == want.version
        if row["value"] == want.value and row["updated_by_id"] == want.user_id and same_version:
            continue
        if want.version is not None and row["version"] < want.version:
            lost += 1
        else:
            mixed += 1
        problems.append(
            f"  {want.what}: stored {row['value']!r} (version {row['version']}, user "
            f"{row['updated_by_id']}), last accepted {want.value!r} (version {want.version}, "
            f"user {want.user_id})"
        )
    for key, row in stored.items():
        if key not in expected:
            unexpected += 1
            problems.append(f"  response {key[0]}, question {key[1]}: unexpected {row['value']!r}")

    # Every accepted save changed the value, so each wrote one audit entry.
    keys = dict(Question.objects.filter(edition__year=YEAR).values_list("pk", "key"))
    saves: Counter = Counter()
    for r in fixture.respondents:
        for item in r.items:
            saves[r.user_id, f"{YEAR} {keys[item.question_id]}"] += len(item.accepted)
    logged = Counter(
        {
            (row["actor_id"], row["object_label"]): row["n"]
            for row in AuditEntry.objects.filter(
                action="answer.save", actor_id__in=[r.user_id for r in fixture.respondents]
            )
            .values("actor_id", "object_label")
            .annotate(n=Count("id"))
        }
    )
    saves, logged = +saves, +logged  # without zero counts
    audit_off = sum(((saves - logged) + (logged - saves)).values())
    connections.close_all()

    accepted = sum(len(i.accepted) for r in fixture.respondents for i in r.items)
    written = sorted(sum(1 for i in r.items if i.accepted) for r in fixture.respondents)
    print(
        f"verified: {len(expected) - lost - mixed}/{len(expected)} answers hold the last value "
        f"accepted, from the respondent who sent it ({accepted} autosaves accepted in all)"
    )
    print(
        f"          {lost} lost, {mixed} mixed up, {unexpected} unexpected rows, "
        f"{duplicates} versions given to two saves; each respondent changed "
        f"{written[0]}-{written[-1]} questions (median {written[len(written) // 2]})"
    )
    print(
        f"audit:    {sum(logged.values())} entries for {sum(saves.values())} accepted autosaves"
        + (f", {audit_off} off" if audit_off else "")
    )
    for line in problems[:MAX_ERROR_BODIES]:
        print(line)
    return not (lost or mixed or unexpected or duplicates or audit_off)


# --- Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=10, help="warm-up seconds per phase")
    parser.add_argument("--clients", type=int, default=400, help="respondents (one thread each)")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000,
        help="mean pause between a respondent's requests (uniform, 0.5-1.5 times this)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)"
    )
    parser.add_argument(
        "--db", default=DB_NAME, help=f"the bench database's name (default {DB_NAME})"
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="leave the database in place after the run (it is always recreated at the start)",
    )
    args = parser.parse_args(argv)
    if min(args.clients, args.workers, args.threads) < 1 or args.seconds <= 0:
        parser.error("--seconds, --clients, --workers and --threads must be positive")
    if args.warmup < 0 or args.think_ms < 0:
        parser.error("--warmup and --think-ms cannot be negative")
    return args


def print_table(phases: list[PhaseResult], login: PhaseResult) -> None:
    print()
    print(
        f"{'phase':<10}{'requests':>10}{'errors':>8}{'conflicts':>11}{'req/s':>10}"
        f"{'p50 ms':>10}{'p95 ms':>10}"
    )
    for r in [login, *phases]:
        print(
            f"{r.name:<10}{r.requests:>10}{r.errors:>8}{r.conflicts:>11}{r.rate:>10.1f}"
            f"{r.percentile(50):>10.1f}{r.percentile(95):>10.1f}"
        )
    print_ratios(*phases)
    print(
        f"(login: all at once, {login.elapsed:.1f} s for {login.requests}; "
        f"client used {login.client_cpu:.0%} of a core)"
    )
    for r in phases:
        total = sum(r.counts.values())
        print(
            f"({r.name}: {r.count('warmup')} requests ended in the warm-up and "
            f"{r.count('after')} after the window, {r.count('warmup', CONFLICT)} + "
            f"{r.count('after', CONFLICT)} conflicts there; {r.connects} TCP connections for "
            f"{total} requests; client used {r.client_cpu:.0%} of a core)"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    env = bench_env(database_url(args.db), BENCH_ENDPOINTS="1")
    server_shape = f"{args.workers} gunicorn workers" + (
        f" × {args.threads} threads" if args.threads > 1 else ""
    )
    print(
        f"Deadline rush: {args.clients} respondents, {server_shape}, {args.seconds:g} s per "
        f"phase, think time {args.think_ms:g} ms (0.5-1.5 ×)"
    )
    prepare_database(env, args.db, keep=False)
    try:
        return run(args, env)
    finally:
        if args.keep_db:
            print(f"Database {args.db} kept (--keep-db)")
        else:
            drop_database(args.db)


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    django_setup(env)
    from django.conf import settings

    think = args.think_ms / 1000
    fixture = create_fixture(args.clients)
    respondents = fixture.respondents
    kinds = Counter(fixture.questions.values())
    per = sorted(len(r.items) for r in respondents)
    print(
        f"  {len(respondents)} respondents in {fixture.organisations} organisations "
        f"({fixture.pairs} with two, who share {SHARED_QUESTION})"
    )
    print(
        f"  {len(fixture.questions)} questions ("
        + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        + f"), {per[0]}-{per[-1]} for each respondent, {sum(per)} in all"
    )
    paced = len(respondents) / think if think else float("inf")
    per_minute = f"{60 / (0.5 * think):.0f}" if think else "no limit"
    print(
        f"  pacing: at most {paced:.0f} requests/s in all, {per_minute} a minute per respondent "
        f"(the autosave limit is {settings.AUTOSAVE_PER_MINUTE} a minute)"
    )

    extra = ["--threads", str(args.threads)] if args.threads > 1 else []
    with Serving(env, args.workers, extra, max_errors=MAX_ERROR_BODIES) as serving:
        serving.wait_healthy()
        print(f"Logging in {len(respondents)} respondents at once ...", flush=True)
        login, problems = log_in_all(respondents, serving.port, serving.stop)
        if serving.logins_failed(problems):
            return 1
        print(f"Logged in {len(respondents)} respondents in {login.elapsed:.1f} s")

        common = {
            "warmup": args.warmup,
            "seconds": args.seconds,
            "think": think,
            "stop": serving.stop,
            "errors": serving.errors,
        }
        floor = run_phase("floor", floor_action, respondents, serving.port, **common)
        autosave = run_phase("autosave", autosave_action, respondents, serving.port, **common)
        print_table([floor, autosave], login)
        for r in (floor, autosave):
            if r.rate > 0.8 * paced:
                print(
                    f"note: {r.name} reached {r.rate / paced:.0%} of what the pacing allows, so "
                    "it measures the pacing more than the server (lower --think-ms)"
                )
        serving.report_errors("{total} requests failed (warm-up included); the first few:")
    if serving.interrupted:
        return 130

    print()
    failed = serving.failed
    if not check_database(fixture):
        failed = True
    jumps = sum(r.version_jumps for r in respondents)
    if jumps:
        failed = True
        print(f"surprise: {jumps} autosave replies skipped a version (expected +1 each)")
    floor_saved = sum(1 for r in respondents if r.floor_last_ok is not None)
    print(f"floor:    {floor_saved}/{len(respondents)} respondents had a floor save accepted")
    return 1 if failed else 0


if __name__ == "__main__":
    run_script(main)  # Ctrl-C during the setup; once gunicorn runs, main() handles it
