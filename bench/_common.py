"""What the benchmark scripts share. Mostly the plumbing of the HTTP benchmarks
(bench/autosave.py, bench/deadline_rush.py): a throwaway PostgreSQL database set up with the
portal's own management commands, gunicorn with production settings, a standard-library client
that logs in through the real login form, and the skeleton of a run against gunicorn. Also what
the others use of it: the environment, manage.py, Django in the script's own process, child
processes with a log, and the script's exit on Ctrl-C.

Not a benchmark itself; the scripts import it as ``_common`` (they run with bench/ on sys.path).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

# The question types the export and scaling benchmarks build an edition of, ten of each per
# hundred questions (the edition schema has a few more; these are the ones whose answers differ
# in shape).
QUESTION_TYPES = [
    "yes_no",
    "single",
    "multi",
    "rank",
    "integer",
    "percent",
    "scale",
    "scale_grid",
    "text",
    "textarea",
]
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qAt"]


def database_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def bench_env(db_url: str, **settings: str) -> dict[str, str]:
    """The environment of every process: production settings (DEBUG off, no Redis) on the bench
    database, and then ``settings`` (``BENCH_ENDPOINTS="1"`` for the floor view of the HTTP
    benchmarks, ``REDIS_URL`` where Redis is wanted, ...)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL", "SQLITE_PATH")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DATABASE_URL=db_url,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


# --- Setup -------------------------------------------------------------------------------------


def psql(sql: str) -> str:
    done = subprocess.run(
        [*PSQL, "-d", "postgres", "-c", sql], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"psql failed ({sql}):\n{done.stderr.strip()}")
    return done.stdout.strip()


def run_manage(env: dict[str, str], *args: str, timeout: float | None = None) -> float:
    """``manage.py ARGS`` with ``env``, quietly; SystemExit with the end of its output if it
    fails. Returns the seconds it took."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
    return time.perf_counter() - started


def manage(env: dict[str, str], *args: str) -> None:
    """``run_manage``, named on a line of its own first."""
    print(f"  manage.py {' '.join(args)}", flush=True)
    run_manage(env, *args)


def recreate_database(db_name: str, *, keep: bool) -> bool:
    """Drop and create the database; with ``keep`` an existing one is reused instead. Returns
    whether it was created (empty)."""
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{db_name}'") == "1"
    if exists and keep:
        print(f"Reusing database {db_name} (--keep-db)")
        return False
    if exists:
        psql(f'DROP DATABASE "{db_name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{db_name}"')
    print(f"Created database {db_name}")
    return True


def prepare_database(env: dict[str, str], db_name: str, *, keep: bool) -> None:
    """(Re)create the database, migrate, and load reference data and the survey editions."""
    recreate_database(db_name, keep=keep)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_reference_data")
    manage(env, "load_survey_editions")
    manage(env, "collectstatic", "--noinput", "-v0")


def drop_database(db_name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def django_setup(env: dict[str, str]) -> None:
    """Django in the script's own process, with the environment ``env`` its children get (what
    ``env`` leaves out, such as DEBUG, is removed from this process's environment)."""
    for name in set(os.environ) - set(env):
        del os.environ[name]
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def django_on_sqlite(prefix: str, **defaults: str) -> None:
    """Django in the script's own process on a throwaway SQLite database, in a new temporary
    folder whose name starts with ``prefix`` (on the database of DATABASE_URL instead if that is
    set: give it a throwaway one), migrated. ``defaults`` are environment variables to set where
    the environment has none."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix=prefix)) / "db.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Bench data (Django set up) ---------------------------------------------------------------


def open_edition(year: int) -> Any:
    """The survey edition of ``year``, which must be open."""
    from surveys.models import SurveyEdition

    edition = SurveyEdition.objects.get(year=year)
    if edition.status != SurveyEdition.Status.OPEN:
        raise SystemExit(f"The {year} edition is {edition.status}, not open")
    return edition


def bench_editor(username: str, last_name: str, password_hash: str, municipality: Any) -> Any:
    """The bench user ``username`` (created or updated), active, with the given password hash,
    and an editor of ``municipality``."""
    from portal.accounts.models import Membership, MunicipalRole, User

    user, _created = User.objects.update_or_create(
        username=username,
        defaults={
            "email": f"{username}@bench.kommuneportal.example",
            "first_name": "Bench",
            "last_name": last_name,
            "password": password_hash,
            "is_active": True,
        },
    )
    Membership.objects.update_or_create(
        user=user, municipality=municipality, defaults={"role": MunicipalRole.EDITOR}
    )
    return user


def bench_response(edition: Any, municipality: Any, *, category: str, reason: str) -> Any:
    """The organisation's response to the edition (created if need be; it must not be locked),
    after giving the organisation a settlement-category override for the edition's year, which
    decides the sections it is shown."""
    from surveys.models import Response, SettlementCategoryOverride

    SettlementCategoryOverride.objects.update_or_create(
        municipality=municipality,
        year=edition.year,
        defaults={"category": category, "reason": reason},
    )
    response, _created = Response.objects.get_or_create(edition=edition, municipality=municipality)
    if response.is_locked:
        raise SystemExit(f"The response of {municipality.number} is locked (submitted)")
    return response


# --- The server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_extra_args() -> list[str]:
    """gunicorn 24+ opens a control socket in ~/.gunicorn by default; the bench needs none."""
    done = subprocess.run([str(GUNICORN), "--help"], capture_output=True, text=True, check=False)
    return ["--no-control-socket"] if "--no-control-socket" in done.stdout else []


class LoggedProcess:
    """A child process with its output in a temporary log file, in a session of its own: Ctrl-C
    goes to the script, which stops the process itself. ``stop`` ends it: SIGTERM, and after
    ``stop_timeout`` seconds ``kill``."""

    stop_timeout = 20.0

    def __init__(self, command: Sequence[str], env: dict[str, str], log_prefix: str) -> None:
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix=log_prefix, suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        self.proc.kill()

    def stop(self, *, keep_log: bool) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                self.proc.wait()
        self.log.close()
        if not keep_log:
            Path(self.log.name).unlink(missing_ok=True)


class Server(LoggedProcess):
    """``gunicorn portal.wsgi:application`` on a free port of 127.0.0.1."""

    def __init__(self, env: dict[str, str], workers: int, extra: Sequence[str] = ()) -> None:
        self.port = free_port()
        command = [
            str(GUNICORN),
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            *extra,
            *gunicorn_extra_args(),
        ]
        super().__init__(command, env, "bench-gunicorn-")

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}:\n{self.tail()}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", "/healthz")
                reply = conn.getresponse()
                reply.read()
                if reply.status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.tail()}")


# --- The client --------------------------------------------------------------------------------


class Client:
    """One persistent connection; cookies are kept by the caller (per user) and sent by hand,
    because with DEBUG off they are ``Secure`` and a cookie jar would not send them over http."""

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.connects = 0  # TCP connections opened (gunicorn's sync workers close each one)
        # SQL statements per reply, from the X-Queries header the server adds with
        # BENCH_ENDPOINTS on (portal/middleware.py): {count: replies}.
        self.queries: Counter[int] = Counter()

    def request(
        self,
        method: str,
        path: str,
        cookies: dict[str, str],
        form: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> tuple[int, bytes]:
        headers = {"Referer": f"{self.origin}/"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if "csrftoken" in cookies:
                headers["X-CSRFToken"] = cookies["csrftoken"]
        if self.conn.sock is None:
            self.connects += 1
        try:
            self.conn.request(method, path, body=body, headers=headers)
            reply = self.conn.getresponse()
            data = reply.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the next request opens a new connection
            raise
        for header in reply.headers.get_all("Set-Cookie") or []:
            update_cookies(cookies, header)
        counted = reply.headers.get("X-Queries")
        if counted is not None and counted.isdigit():
            self.queries[int(counted)] += 1
        return reply.status, data

    def close(self) -> None:
        self.conn.close()


def update_cookies(cookies: dict[str, str], header: str) -> None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return
    for name, morsel in jar.items():
        if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
            cookies.pop(name, None)
        else:
            cookies[name] = morsel.value


# What a request can fail with short of an HTTP reply; counted as a failed request.
NETWORK_ERRORS = (OSError, http.client.HTTPException)


def failure(exc: BaseException) -> str:
    """The error text of a request that got no reply."""
    return f"{type(exc).__name__}: {exc}"


CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def log_in(client: Client, username: str, password: str, cookies: dict[str, str]) -> str | None:
    """The real login form; returns an error text (also for a network error), or None when
    logged in."""
    try:
        return _log_in(client, username, password, cookies)
    except NETWORK_ERRORS as exc:
        return failure(exc)


def _log_in(client: Client, username: str, password: str, cookies: dict[str, str]) -> str | None:
    cookies.clear()
    status, body = client.request("GET", "/konto/login/", cookies)
    match = CSRF_INPUT.search(body)
    if status != 200 or match is None:
        return f"GET /konto/login/ -> {status}: {body[:300]!r}"
    form = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": match.group(1).decode(),
    }
    status, body = client.request("POST", "/konto/login/", cookies, form)
    if status != 302 or "sessionid" not in cookies:
        return f"POST /konto/login/ -> {status}: {body[:300]!r}"
    return None


def floor_upsert(
    client: Client, cookies: dict[str, str], response_id: int, question_id: int, value: str
) -> str | None:
    """The floor: ``POST /bench/upsert/<response>/<question>/`` (BENCH_ENDPOINTS), which
    authenticates the session and upserts one answer row with ``value`` as it is. Returns an
    error text, or None when stored."""
    path = f"/bench/upsert/{response_id}/{question_id}/"
    status, body = client.request("POST", path, cookies, {"value": value})
    if status != 200:
        return f"HTTP {status}: {body[:300]!r}"
    return None


# --- Running and counting ----------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


class ErrorLog:
    def __init__(self, keep: int = 5) -> None:
        self.lock = threading.Lock()
        self.keep = keep
        self.bodies: list[str] = []
        self.total = 0

    def add(self, text: str) -> None:
        with self.lock:
            self.total += 1
            if len(self.bodies) < self.keep:
                self.bodies.append(text)


def run_threads(
    worker: Callable[[Any], None], groups: Sequence[Any], stop: threading.Event
) -> None:
    """One thread per group, each running ``worker(group)``; on an exception (or Ctrl-C) the
    others are told to stop and the exception is raised."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(groups))
    try:
        futures = [pool.submit(worker, group) for group in groups]
        for future in futures:
            future.result()
    except BaseException:
        stop.set()  # the threads finish their current request and return
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def run_timed(
    worker: Callable[[Any], None], groups: Sequence[Any], stop: threading.Event, since: float
) -> tuple[float, float]:
    """``run_threads``; returns the seconds from ``since`` (a ``time.perf_counter()`` reading)
    to the end, and the share of one core this process (the client) used from the call on."""
    cpu = time.process_time()
    run_threads(worker, groups, stop)
    wall = time.perf_counter() - since
    return wall, (time.process_time() - cpu) / wall


class Figures:
    """requests/s and latency percentiles of a phase's measured window, from the subclass's
    ``requests``, ``elapsed`` (s) and ``latencies`` (ms)."""

    requests: int
    elapsed: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)


# The goals of issue 16 for the autosave, against the floor measured in the same run.
GOAL_THROUGHPUT = 0.6  # autosave requests/s at least this share of the floor's
GOAL_P95 = 2.0  # autosave p95 at most this many times the floor's
GOAL_QUERIES = 8  # SQL statements per save, BEGIN and COMMIT included


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_ratios(floor: Figures, autosave: Figures) -> None:
    """The autosave/floor ratios of throughput and p95, where both phases have figures, each
    with its goal."""
    if floor.rate and floor.latencies and autosave.latencies:
        throughput = autosave.rate / floor.rate
        p95 = autosave.percentile(95) / floor.percentile(95)
        print(f"autosave/floor throughput: {throughput:.2f}")
        print(f"autosave/floor p95:        {p95:.2f}")
        print(
            f"goal: autosave throughput >= {GOAL_THROUGHPUT}x the floor's: {throughput:.2f}, "
            f"{met(throughput >= GOAL_THROUGHPUT)}"
        )
        print(f"goal: autosave p95 <= {GOAL_P95:g}x the floor's: {p95:.2f}, {met(p95 <= GOAL_P95)}")


def print_queries(name: str, counts: Counter[int]) -> None:
    """How many SQL statements the server sent per reply in a phase: the range and the most
    common count."""
    if not counts:
        print(f"{name}: no query counts (the server sent no X-Queries header)")
        return
    common, replies = counts.most_common(1)[0]
    print(
        f"{name}: {min(counts)}–{max(counts)} queries per request, {common} in "
        f"{replies / sum(counts.values()):.0%} of them"
    )


class Serving:
    """gunicorn for the part of an HTTP benchmark that needs it, and what the client threads
    share: ``stop`` and ``errors``. Used as ``with Serving(...) as serving:``, the block starting
    with ``serving.wait_healthy()``. Leaving the block sets ``stop`` (the threads finish their
    current request and return) and stops gunicorn, keeping its log if ``failed`` was set.
    Ctrl-C (or a signal handled by ``interrupt``) in the block is reported and swallowed, and
    sets ``interrupted``: the caller then returns 130."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int,
        extra: Sequence[str] = (),
        *,
        max_errors: int,
    ) -> None:
        self.stop = threading.Event()
        self.errors = ErrorLog(max_errors)
        self.max_errors = max_errors
        self.failed = False
        self.interrupted = False
        self.server = Server(env, workers, extra)

    @property
    def port(self) -> int:
        return self.server.port

    def __enter__(self) -> Serving:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: object, tb: object) -> bool:
        self.interrupted = kind is not None and issubclass(kind, KeyboardInterrupt)
        self.stop.set()
        if self.interrupted:
            print("\nInterrupted.", file=sys.stderr)
        self.server.stop(keep_log=self.failed)
        if self.failed:
            print(f"gunicorn log kept: {self.server.log.name}")
        return self.interrupted

    def wait_healthy(self) -> None:
        self.server.wait_healthy()
        print(f"gunicorn on 127.0.0.1:{self.server.port} (log: {self.server.log.name})")

    def logins_failed(self, problems: Sequence[str]) -> bool:
        """Whether any login failed; if so, prints the first few and gunicorn's log."""
        if not problems:
            return False
        self.failed = True
        print(f"{len(problems)} logins failed, e.g.:")
        for line in problems[: self.max_errors]:
            print(f"  {line}")
        print(self.server.tail())
        return True

    def report_errors(self, heading: str) -> None:
        """If any request failed: ``heading`` (formatted with ``total`` and ``shown``), the
        failures kept and gunicorn's log."""
        if not self.errors.total:
            return
        self.failed = True
        print("\n" + heading.format(total=self.errors.total, shown=len(self.errors.bodies)))
        for line in self.errors.bodies:
            print(f"  {line}")
        print("gunicorn log (tail):")
        print(self.server.tail())


# --- The script --------------------------------------------------------------------------------


def add_keep_db(parser: argparse.ArgumentParser, db_name: str) -> None:
    """``--keep-db``, for ``recreate_database(keep=...)`` and leaving the database at the end."""
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help=f"reuse {db_name} if it exists and leave it after the run "
        "(default: drop and recreate it, and drop it at the end)",
    )


def interrupt(signum: int, frame: object) -> None:
    """A signal handler: SIGTERM (and SIGHUP) stop the run like Ctrl-C, so that what the script
    started (gunicorn, workers, the database) is stopped or dropped too."""
    raise KeyboardInterrupt


def run_script(main: Callable[[], int]) -> NoReturn:
    """Exit with ``main()``; Ctrl-C where main() does not handle it (in the setup) exits with 130."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
