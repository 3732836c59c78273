"""manage.py without a usable configuration stops with one line, not a traceback."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A local env file that does not exist: this checkout's var/local.env is left out.
NO_LOCAL_ENV = str(ROOT / "tests" / "portal" / "no-such-dir" / "local.env")


def _manage(*args, **extra_env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LOCAL_ENV_FILE"}
    }
    environment.update({"DEBUG": "0", "LOCAL_ENV_FILE": NO_LOCAL_ENV, **extra_env})
    process = subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a runserver that did start is stopped with all its children
    )
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
    return process.returncode, stdout, stderr


@pytest.mark.parametrize("command", [["check"], ["runserver", "127.0.0.1:0"], ["migrate"]])
def test_without_a_key_manage_prints_one_line_and_exits_1(command):
    returncode, stdout, stderr = _manage(*command)
    assert returncode == 1, stdout + stderr
    assert stderr.splitlines() == [
        "SECRET_KEY must be set when DEBUG is off"
        " (on a local checkout, `make run` writes one to var/local.env)"
    ]


def test_a_malformed_variable_is_one_line_too():
    returncode, stdout, stderr = _manage("check", DEBUG="perhaps", SECRET_KEY="x")
    assert returncode == 1, stdout + stderr
    assert stderr.splitlines() == [
        "DEBUG='perhaps' is not a boolean (use 1/0, true/false, yes/no, on/off)"
    ]
