"""A Celery worker or beat without a usable configuration stops with one line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_LOCAL_ENV = str(ROOT / "tests" / "portal" / "no-such-dir" / "local.env")
CELERY = Path(sys.executable).with_name("celery")


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_without_a_key_celery_prints_one_line_and_exits_1(command, tmp_path):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LOCAL_ENV_FILE"}
    }
    environment.update({"DEBUG": "0", "LOCAL_ENV_FILE": NO_LOCAL_ENV, "PYTHONPATH": str(ROOT)})
    done = subprocess.run(  # noqa: S603 - our own fixed command
        [str(CELERY), "-A", "portal", command, "--loglevel=INFO"],
        cwd=tmp_path,  # beat would write its schedule file here, were it to start
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        "SECRET_KEY must be set when DEBUG is off"
        " (on a local checkout, `make run` writes one to var/local.env)"
    ]
