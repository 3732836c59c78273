"""What the HTTP benchmarks share (bench/autosave.py, bench/deadline_rush.py): a throwaway
PostgreSQL database set up with the portal's own management commands, gunicorn with production
settings, and a standard-library client that logs in through the real login form.

Not a benchmark itself; the scripts import it as ``_common`` (they run with bench/ on sys.path).
"""

from __future__ import annotations

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
from collections.abc import Callable, Sequence
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qAt"]


def database_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def bench_env(db_url: str) -> dict[str, str]:
    """The environment of every process: production settings on the bench database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DATABASE_URL=db_url,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        BENCH_ENDPOINTS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


# --- Setup -------------------------------------------------------------------------------------


def psql(sql: str) -> str:
    done = subprocess.run(
        [*PSQL, "-d", "postgres", "-c", sql], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"psql failed ({sql}):\n{done.stderr.strip()}")
    return done.stdout.strip()


def manage(env: dict[str, str], *args: str) -> None:
    print(f"  manage.py {' '.join(args)}", flush=True)
    done = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )


def prepare_database(env: dict[str, str], db_name: str, *, keep: bool) -> None:
    """(Re)create the database, migrate, and load reference data and the survey editions."""
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{db_name}'") == "1"
    if exists and keep:
        print(f"Reusing database {db_name} (--keep-db)")
    else:
        if exists:
            psql(f'DROP DATABASE "{db_name}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{db_name}"')
        print(f"Created database {db_name}")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_reference_data")
    manage(env, "load_survey_editions")
    manage(env, "collectstatic", "--noinput", "-v0")


def drop_database(db_name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def django_setup(env: dict[str, str]) -> None:
    for name in ("DEBUG", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- The server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_extra_args() -> list[str]:
    """gunicorn 24+ opens a control socket in ~/.gunicorn by default; the bench needs none."""
    done = subprocess.run([str(GUNICORN), "--help"], capture_output=True, text=True, check=False)
    return ["--no-control-socket"] if "--no-control-socket" in done.stdout else []


class Server:
    def __init__(self, env: dict[str, str], workers: int, extra: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [
                str(GUNICORN),
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                *extra,
                *gunicorn_extra_args(),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to this script, which stops gunicorn itself
        )

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

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, *, keep_log: bool) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if not keep_log:
            Path(self.log.name).unlink(missing_ok=True)


# --- The client --------------------------------------------------------------------------------


class Client:
    """One persistent connection; cookies are kept by the caller (per user) and sent by hand,
    because with DEBUG off they are ``Secure`` and a cookie jar would not send them over http."""

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.connects = 0  # TCP connections opened (gunicorn's sync workers close each one)

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


CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def log_in(client: Client, username: str, password: str, cookies: dict[str, str]) -> str | None:
    """The real login form; returns an error text, or None when logged in."""
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
