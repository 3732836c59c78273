"""The WSGI application without a usable configuration: one line, and gunicorn stops."""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NO_LOCAL_ENV = str(ROOT / "tests" / "portal" / "no-such-dir" / "local.env")
MESSAGE = (
    "SECRET_KEY must be set when DEBUG is off"
    " (on a local checkout, `make run` writes one to var/local.env)"
)


def _run(*args):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LOCAL_ENV_FILE"}
    }
    environment.update({"DEBUG": "0", "LOCAL_ENV_FILE": NO_LOCAL_ENV})
    process = subprocess.Popen(  # noqa: S603 - our own app with fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a gunicorn that kept going is stopped with its workers
    )
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
    return process.returncode, stdout, stderr


def test_without_a_key_the_application_says_so_in_one_line():
    returncode, stdout, stderr = _run("-c", "import portal.wsgi")
    # 4 is gunicorn's "App failed to load".
    assert returncode == 4, stdout + stderr
    assert stderr.splitlines() == [MESSAGE]


def test_without_a_key_gunicorn_stops_instead_of_starting_workers_again():
    returncode, stdout, stderr = _run(
        "-m",
        "gunicorn",
        "portal.wsgi:application",
        "--bind=127.0.0.1:0",
        "--workers=1",
        "--no-control-socket",
    )
    assert returncode != 0, stdout + stderr
    assert "App failed to load" in stderr
    assert MESSAGE in stderr.splitlines()
    assert "Traceback" not in stderr
