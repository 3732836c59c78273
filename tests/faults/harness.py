"""The pieces of a fault test: a private PostgreSQL cluster and Redis server (never the machine's
shared ones), gunicorn and Celery workers pointed at them, and a small HTTP client.

Everything runs as subprocesses on free ports under a temporary folder, and is stopped and
removed afterwards. As root, PostgreSQL runs as the ``postgres`` user (it refuses root).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
CELERY = Path(sys.executable).with_name("celery")
SECRET_KEY = "faults-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123"
DEMO_PASSWORD = "demo"


def missing() -> str:
    """What is missing to run the fault tests here ("" when nothing is)."""
    for binary in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / binary).exists():
            return f"PostgreSQL's {binary} is not in {PG_BIN} (set FAULTS_PG_BIN)"
    if not Path(REDIS_SERVER).exists():
        return "redis-server is not installed"
    if not CELERY.exists():
        return f"celery is not installed next to {sys.executable}"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root, but runuser is missing (PostgreSQL cannot run as root)"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, but there is no postgres user to run PostgreSQL as"
    return ""


def free_port() -> int:
    """A free port below the ephemeral range. A server stopped and started again on its port
    (Redis, PostgreSQL) must find it still free, and while it is stopped the clients' own
    outgoing connections take their local ports from the ephemeral range: one of them could
    take the server's port if it had been picked from there."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    candidates = list(range(10_000, max(low, 10_001)))
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def wait_for(
    check: Callable[[], Any], *, timeout: float, interval: float = 0.2, what: str = ""
) -> Any:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or check}")
        time.sleep(interval)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def base_env() -> dict[str, str]:
    """Production settings (DEBUG off), pointed at nothing shared."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "EMAIL_URL",
            "DJANGO_SETTINGS_MODULE",
            "DEBUG",
            "SQLITE_PATH",
            "CELERY_TASK_TIME_LIMIT",
            "CELERY_TASK_SOFT_TIME_LIMIT",
            "CELERY_VISIBILITY_TIMEOUT",
        )
    }
    env.update(
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        EMAIL_URL="memory://",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    return env


# --- PostgreSQL ------------------------------------------------------------------------------


class PrivatePostgres:
    """A throwaway cluster on its own port, trust authentication, no fsync."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(  # noqa: S603 - our own fixed commands
            command, capture_output=True, text=True, check=False, cwd=self.folder
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}\n{tail(self.log)}"
            )
        return done

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-sync", "--locale=C.UTF-8",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        )

    def execute(self, sql: str, database: str = "postgres", params: tuple = ()) -> None:
        with self.connect(database) as conn:
            conn.execute(sql, params)

    def query(self, database: str, sql: str, params: tuple = ()) -> list[tuple]:
        with self.connect(database) as conn:
            return list(conn.execute(sql, params).fetchall())


# --- Redis -----------------------------------------------------------------------------------


class PrivateRedis:
    """redis-server on its own port, keeping nothing on disk; stop and start it again at will."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.log = folder / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            [
                REDIS_SERVER,
                "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder),
            ],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self.ping, timeout=20, what=f"redis-server on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=20)
        self.process = None
        wait_for(lambda: not self.ping(), timeout=10, what="redis-server to stop")


# --- The portal's processes ------------------------------------------------------------------


class Service:
    """A subprocess in its own process group, so it can be killed with everything it started."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Service:
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed commands
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: nothing gets to clean up (an OOM kill, a pulled plug)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def children(self) -> set[int]:
        """The pids of the direct children (gunicorn's workers, Celery's pool)."""
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...; comm may hold spaces and brackets.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.pid:
                found.add(int(entry.name))
        return found


def gunicorn(env: dict[str, str], folder: Path, *, workers: int = 2) -> tuple[Service, int]:
    port = free_port()
    service = Service(
        "gunicorn",
        [
            sys.executable, "-m", "gunicorn", "portal.wsgi:application",
            f"--bind=127.0.0.1:{port}", f"--workers={workers}", "--threads=4", "--timeout=60",
            "--graceful-timeout=5", "--no-control-socket",
        ],
        env,
        folder / f"gunicorn-{port}.log",
    ).start()  # fmt: skip
    client = Client(port)

    def healthy() -> bool:
        if not service.alive():
            raise AssertionError(f"gunicorn exited:\n{tail(service.log)}")
        try:
            return client.get("/healthz")[0] == 200
        except OSError:
            return False

    wait_for(healthy, timeout=60, what="gunicorn to answer /healthz")
    wait_for(lambda: len(service.children()) == workers, timeout=30, what="gunicorn's workers")
    return service, port


def celery_worker(env: dict[str, str], folder: Path, name: str, *, concurrency: int = 2) -> Service:
    log = folder / f"celery-{name}.log"
    service = Service(
        f"celery {name}",
        [
            str(CELERY), "-A", "portal", "worker", "--loglevel=INFO", f"--concurrency={concurrency}",
            f"--hostname={name}@%h", "--without-gossip", "--without-mingle",
        ],
        env,
        log,
    ).start()  # fmt: skip

    def ready() -> bool:
        if not service.alive():
            raise AssertionError(f"the Celery worker {name} exited:\n{tail(log)}")
        return " ready." in log.read_text(errors="replace")

    wait_for(ready, timeout=90, what=f"the Celery worker {name} to be ready")
    return service


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def django_script(env: dict[str, str], code: str) -> Any:
    """Run ``code`` in ``manage.py shell``; it prints one JSON value, which is returned."""
    output = manage(env, "shell", "--no-imports", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


# --- HTTP ------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Client:
    """One request per connection; cookies kept by hand, because with DEBUG off they are
    ``Secure`` and a cookie jar would not send them over plain http."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, *, json_reply=False
    ) -> tuple[int, str, dict[str, str]]:
        headers = {"Referer": f"http://127.0.0.1:{self.port}/", "Host": "127.0.0.1"}
        if json_reply:
            headers["Accept"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            self._keep(header)
        return reply.status, data, {k.lower(): v for k, v in reply.headers.items()}

    def _keep(self, header: str) -> None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            return
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str, **kwargs) -> tuple[int, str]:
        status, body, _headers = self.request("GET", path, **kwargs)
        return status, body

    def post(self, path: str, form: dict[str, str], **kwargs) -> tuple[int, str, dict[str, str]]:
        return self.request("POST", path, form, **kwargs)

    def csrf_from(self, path: str) -> str:
        status, body = self.get(path)
        match = CSRF_INPUT.search(body)
        assert status == 200 and match, f"GET {path} -> {status}: {body[:300]}"
        return match.group(1)

    def log_in(self, username: str, password: str = DEMO_PASSWORD) -> tuple[int, str]:
        token = self.csrf_from("/konto/login/")
        status, body, _headers = self.post(
            "/konto/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        return status, body
