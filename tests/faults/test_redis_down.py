"""Redis stopped: the portal still serves pages, logs people in (still limiting password
guessing) and saves answers; a report asked for meanwhile is kept as waiting and is made once
Redis is back, by the same worker, which reconnects by itself."""

from __future__ import annotations

import json

import pytest

from tests.faults import harness

pytestmark = pytest.mark.faults

EDITOR = "kristiansand-editor"
VIEWER = "kristiansand-viewer"
NUMBER = "4204"
FAILURES_PER_NAME = 3


def _answer(cluster, database: str, question_id: int):
    rows = cluster.pg.query(
        database,
        "SELECT a.value, a.version FROM surveys_answer a "
        "JOIN municipalities_municipality m ON m.id = a.municipality_id "
        "WHERE a.question_id = %s AND m.number = %s",
        (question_id, NUMBER),
    )
    return rows[0] if rows else None


def _reports(cluster, database: str) -> list[tuple]:
    return cluster.pg.query(
        database,
        "SELECT r.id, r.status, r.queued_at IS NOT NULL, r.attempts, r.pdf IS NOT NULL "
        "FROM benchmark_benchmarkreport r "
        "JOIN municipalities_municipality m ON m.id = r.municipality_id WHERE m.number = %s",
        (NUMBER,),
    )


def test_pages_logins_and_answers_without_redis_and_reports_wait_for_it(cluster, workdir, services):
    demo = cluster.demo
    database = cluster.new_database()
    redis = harness.PrivateRedis(workdir)
    redis.start()
    services.append(redis)
    env = cluster.env(database, redis, LOGIN_FAILURES_PER_NAME=str(FAILURES_PER_NAME))
    # One web process: its own count of failed logins is the one that applies while Redis is
    # down (with several, each keeps its own).
    web, port = harness.gunicorn(env, workdir, workers=1)
    services.append(web)
    worker = harness.celery_worker(env, workdir, "w1")
    services.append(worker)

    redis.stop()

    # Pages, and logging in.
    client = harness.Client(port)
    assert client.get("/konto/login/")[0] == 200
    status, body = client.log_in(EDITOR)
    assert status == 302, body[:500]
    year, section, key = demo["year"], demo["section"], demo["question"]
    for path in ("/", f"/kommune/{NUMBER}/undersokelse/{year}/del/{section}/"):
        status, body = client.get(path)
        assert status == 200, f"{path}: {status} {body[:300]}"

    # Autosave saves.
    status, body, _headers = client.post(
        f"/kommune/{NUMBER}/undersokelse/{year}/lagre/",
        {"question": key, f"q-{key}": "17", f"q-{key}-version": "0"},
    )
    assert status == 200 and json.loads(body)["status"] == "saved", body[:300]
    assert _answer(cluster, database, demo["question_id"]) == (17, 1)

    # Guessing a password is still limited (counted in the web process meanwhile).
    guesser = harness.Client(port)
    for _ in range(FAILURES_PER_NAME):
        assert guesser.log_in(VIEWER, "wrong-password")[0] == 200
    status, body = guesser.log_in(VIEWER)  # the right password, but the name is locked now
    assert status == 200 and "sessionid" not in guesser.cookies

    # A report asked for: kept as waiting, and the page says so.
    status, _body = client.get(f"/kommune/{NUMBER}/rapport/")
    assert status == 200
    status, body, headers = client.post(
        f"/kommune/{NUMBER}/rapport/", {"year": str(demo["report_year"]), "language": "nb"}
    )
    assert status == 302, body[:500]
    report_url = headers["location"]
    status, page = client.get(report_url)
    assert status == 200 and 'id="report-waiting-note"' in page
    [(report_id, state, queued, attempts, _pdf)] = _reports(cluster, database)
    assert (state, queued, attempts) == ("pending", False, 0)
    assert worker.alive(), "the worker gave up while Redis was down"

    # Redis is back (same address, empty): the worker reconnects and the report is made.
    redis.start()

    def ready() -> bool:
        status, body = client.get(f"{report_url}status/", json_reply=True)
        return status == 200 and json.loads(body)["ready"]

    harness.wait_for(ready, timeout=90, interval=1, what="the report to be made")
    assert _reports(cluster, database) == [(report_id, "ready", True, 1, True)]
    status, page = client.get(report_url)
    assert status == 200 and 'id="report-waiting-note"' not in page
    # The same processes did it all.
    assert web.alive() and worker.alive()
