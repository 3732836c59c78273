"""With DATABASE_URL and REDIS_URL set, the portal runs on PostgreSQL, Redis and real Celery
workers. These tests are skipped on the embedded default; .ci/run runs them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="DATABASE_URL is not set"
)
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")


def test_embedded_default_runs_tasks_in_process():
    if os.environ.get("REDIS_URL"):
        assert settings.CELERY_TASK_ALWAYS_EAGER is False
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
        assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


@needs_postgres
@pytest.mark.services
def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"


@needs_redis
@pytest.mark.services
def test_cache_is_redis():
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"probe-{os.getpid()}"
    cache.set(key, {"a": 1}, 30)
    assert cache.get(key) == {"a": 1}
    cache.delete(key)


@needs_postgres
@needs_redis
@pytest.mark.services
@pytest.mark.real_worker
def test_a_real_celery_worker_sends_the_invitation(transactional_db, cast, tmp_path):
    """Enqueue through Redis after commit; a worker process claims it and sends it once."""
    from django.utils import timezone

    from portal.accounts import services
    from portal.accounts.models import Invitation

    db = connection.settings_dict
    worker_env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_URL": "console://",
        "CELERY_WORKER_NAME": f"test-{os.getpid()}",
    }
    queue = f"test-{os.getpid()}"
    worker = subprocess.Popen(  # noqa: S603 - our own Celery app
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=worker_env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    from portal.accounts.tasks import send_invitation
    from portal.celery import app

    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        invitation = services.invitation_create(
            actor=cast.editor_a, municipality=cast.a, email="worker.test@example.no", role="viewer"
        )
        # The task was sent on commit; send it twice more to show the worker sends exactly once.
        send_invitation.apply_async(args=[invitation.pk], queue=queue)
        send_invitation.apply_async(args=[invitation.pk], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            invitation.refresh_from_db()
            if invitation.email_sent_at is not None:
                break
            time.sleep(0.3)
        assert invitation.email_sent_at is not None, (tmp_path / "worker.log").read_text()
        assert invitation.email_sent_at <= timezone.now()
        time.sleep(1.5)
        log = (tmp_path / "worker.log").read_text()
        assert log.count("worker.test@example.no") == 1, log
    finally:
        app.conf.task_default_queue = default_queue
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        Invitation.objects.all().delete()
