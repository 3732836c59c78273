"""PostgreSQL restarted under a portal in use: while it is away, requests get the portal's own
error page (503, Retry-After, no traceback) and nothing is half-written; once it is back the
same gunicorn processes serve everything again, without being restarted.

What carries it: every write is one transaction (a save is the answer, the response's last
activity and the audit entry, or none of them); the error handler answers 503 for a database
that cannot be reached; connections are checked before they are reused
(``CONN_HEALTH_CHECKS``), so a connection the restart broke is replaced, not used.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.faults import harness

pytestmark = pytest.mark.faults

EDITOR = "kristiansand-editor"
NUMBER = "4204"
VALUE_DURING_OUTAGE = 4999  # sent while PostgreSQL is down: must never be stored


class Saver:
    """An editor typing: autosaves a new value every few tens of milliseconds, throughout."""

    def __init__(self, client: harness.Client, path: str, key: str, version: int) -> None:
        self.client, self.path, self.key, self.version = client, path, key, version
        self.value = 100
        self.statuses: list[int | str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def save(self, value: int) -> tuple[int, dict | str]:
        status, body, _headers = self.client.post(
            self.path,
            {"question": self.key, f"q-{self.key}": str(value), f"q-{self.key}-version": str(self.version)},
            json_reply=True,
        )  # fmt: skip
        try:
            reply = json.loads(body)
        except ValueError:
            return status, body
        if "version" in reply:  # saved, or a conflict with what the server has: go on from it
            self.version = reply["version"]
        return status, reply

    def run(self) -> None:
        while not self.stop.is_set():
            self.value += 1
            try:
                status, _reply = self.save(self.value)
            except OSError as error:
                status = type(error).__name__
            self.statuses.append(status)
            time.sleep(0.03)


def _stored(cluster, database: str, question_id: int) -> dict:
    [(value, version, updated_at, last_activity)] = cluster.pg.query(
        database,
        "SELECT a.value, a.version, a.updated_at, r.last_activity_at FROM surveys_answer a "
        "JOIN surveys_response r ON r.id = a.response_id "
        "JOIN municipalities_municipality m ON m.id = a.municipality_id "
        "WHERE a.question_id = %s AND m.number = %s",
        (question_id, NUMBER),
    )
    audit = [
        changes
        for (changes,) in cluster.pg.query(
            database,
            "SELECT e.changes FROM audit_auditentry e "
            "JOIN municipalities_municipality m ON m.id = e.municipality_id "
            "WHERE e.action = 'answer.save' AND m.number = %s ORDER BY e.id",
            (NUMBER,),
        )
    ]
    return {
        "value": value,
        "version": version,
        "same_moment": updated_at == last_activity,
        "audit": audit,
    }


def test_a_postgres_restart_fails_requests_cleanly_and_the_portal_recovers(
    cluster, workdir, services
):
    demo = cluster.demo
    database = cluster.new_database()
    redis = harness.PrivateRedis(workdir)
    redis.start()
    services.append(redis)
    web, port = harness.gunicorn(cluster.env(database, redis), workdir, workers=2)
    services.append(web)
    workers = web.children()

    client = harness.Client(port)
    assert client.log_in(EDITOR)[0] == 302
    year, key = demo["year"], demo["question"]
    section_path = f"/kommune/{NUMBER}/undersokelse/{year}/del/{demo['section']}/"
    saver = Saver(harness.Client(port), f"/kommune/{NUMBER}/undersokelse/{year}/lagre/", key, 0)
    saver.client.cookies = dict(client.cookies)  # the same person, in another tab
    status, reply = saver.save(99)
    assert status == 200 and reply["status"] == "saved", reply
    saver.thread.start()
    time.sleep(0.5)

    cluster.pg.stop("fast")
    try:
        for path in ("/", section_path):
            status, body, headers = client.request("GET", path)
            assert status == 503, (path, status, body[:300])
            assert headers.get("retry-after") == "30"
            assert "Noe gikk galt" in body and "Traceback" not in body
            assert "OperationalError" not in body and "psycopg" not in body
        status, reply = Saver(client, saver.path, key, saver.version).save(VALUE_DURING_OUTAGE)
        assert status == 503 and "Noe gikk galt" in reply
        assert client.get("/healthz")[0] == 503
        time.sleep(1)
    finally:
        cluster.pg.start()

    harness.wait_for(lambda: client.get("/healthz")[0] == 200, timeout=30, what="/healthz")
    time.sleep(0.5)
    saver.stop.set()
    saver.thread.join(timeout=30)
    assert 503 in saver.statuses, "no save was attempted during the outage"
    assert saver.statuses[-1] == 200, saver.statuses[-10:]
    # Only the portal's answers: 200 saved, 409 (a save whose reply was lost, then noticed),
    # 503 while the database was away. No 500, no dropped connection.
    assert set(saver.statuses) <= {200, 409, 503}, saver.statuses

    # Back: every page and a save work, on the same processes, from the first request on.
    for _ in range(12):  # over both workers and their threads
        for path in ("/", section_path, f"/kommune/{NUMBER}/rapport/"):
            status, body = client.get(path)
            assert status == 200, (path, status, body[:300])
    final = saver.value + 1000
    status, reply = saver.save(final)
    if status == 409:  # the last save of the thread was stored but its reply lost
        status, reply = saver.save(final)
    assert status == 200 and reply["status"] == "saved", reply
    assert web.alive() and web.children() == workers, "gunicorn or its workers were restarted"

    # Nothing half-written: each stored version has its audit entry, written with it.
    stored = _stored(cluster, database, demo["question_id"])
    assert stored["value"] == final and stored["same_moment"]
    assert len(stored["audit"]) == stored["version"]
    assert [c[key][1] for c in stored["audit"]][-1] == final
    assert VALUE_DURING_OUTAGE not in [c[key][1] for c in stored["audit"]]
