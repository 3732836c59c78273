"""A Celery worker killed (SIGKILL, with its pool) in the middle of a batch of reports: once a
worker is running again the batch completes, with exactly one report per organisation, none
missing and none left half-made.

What carries it: tasks are acknowledged only when done (``CELERY_TASK_ACKS_LATE``), so Redis
gives the killed worker's unacknowledged messages to another worker after the visibility
timeout; each report is claimed by its task id, which the redelivered message keeps, so it can
finish the report the dead worker was making, and any other copy exits. Here the visibility
timeout is 12 s (in production it is the task time limit + 5 minutes), and the worker is
restarted after it (a supervisor's pause, say); the queue's other messages wait for it.
"""

from __future__ import annotations

import time

import pytest

from tests.faults import harness

pytestmark = pytest.mark.faults

ORGANISATIONS = 10
VISIBILITY_TIMEOUT = 12

START_BATCH = """
import json
from portal.benchmark import services
batch = services.batch_start(actor=None, year={year})
print(json.dumps(batch.pk))
"""


def _keep_only_some_organisations(cluster, database: str) -> int:
    """A batch is every current organisation's report: keep ten, so it is quick."""
    cluster.pg.execute(
        """
        WITH kept AS (
            SELECT id FROM municipalities_municipality
            WHERE valid_to IS NULL AND kind = 'municipality'
            ORDER BY (number = '4204') DESC, number LIMIT %s
        )
        UPDATE municipalities_municipality SET valid_to = valid_from + 1
        WHERE valid_to IS NULL AND id NOT IN (SELECT id FROM kept)
        """,
        database,
        (ORGANISATIONS,),
    )
    [(n,)] = cluster.pg.query(
        database, "SELECT count(*) FROM municipalities_municipality WHERE valid_to IS NULL"
    )
    return n


def _batch(cluster, database: str, batch_id: int) -> dict[int, tuple]:
    """The batch's reports: id -> (organisation, status, attempts, claimed_by, has a PDF)."""
    rows = cluster.pg.query(
        database,
        "SELECT r.id, r.municipality_id, r.status, r.attempts, r.claimed_by, r.pdf IS NOT NULL "
        "FROM benchmark_benchmarkreport r "
        "JOIN benchmark_reportbatch_reports b ON b.benchmarkreport_id = r.id "
        "WHERE b.reportbatch_id = %s",
        (batch_id,),
    )
    return {row[0]: row[1:] for row in rows}


def test_a_killed_worker_is_restarted_and_the_batch_completes_once(cluster, workdir, services):
    database = cluster.new_database()
    organisations = _keep_only_some_organisations(cluster, database)
    assert organisations == ORGANISATIONS
    redis = harness.PrivateRedis(workdir)
    redis.start()
    services.append(redis)
    env = cluster.env(
        database,
        redis,
        CELERY_TASK_TIME_LIMIT="10",
        CELERY_TASK_SOFT_TIME_LIMIT="8",
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
    )
    first = harness.celery_worker(env, workdir, "w1", concurrency=2)
    services.append(first)

    year = cluster.demo["report_year"]
    batch_id = harness.django_script(env, START_BATCH.format(year=year))

    def some_made_one_being_made() -> bool:
        states = [row[1] for row in _batch(cluster, database, batch_id).values()]
        return states.count("ready") >= 2 and "running" in states

    harness.wait_for(
        some_made_one_being_made, timeout=90, interval=0.05, what="the batch to be under way"
    )
    first.kill()
    killed_at = time.monotonic()
    at_death = _batch(cluster, database, batch_id)
    interrupted = {pk: row for pk, row in at_death.items() if row[1] == "running"}
    made_before = {pk for pk, row in at_death.items() if row[1] == "ready"}
    assert interrupted, "the worker was killed between two reports; nothing was interrupted"
    assert len(made_before) < organisations

    # Restarted once the killed worker's messages may be given out again.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 1 - (time.monotonic() - killed_at)))
    second = harness.celery_worker(env, workdir, "w2", concurrency=2)
    services.append(second)

    def finished() -> bool:
        [(done,)] = cluster.pg.query(
            database,
            "SELECT finished_at IS NOT NULL FROM benchmark_reportbatch WHERE id = %s",
            (batch_id,),
        )
        return done

    harness.wait_for(finished, timeout=120, interval=0.5, what="the batch to finish")

    reports = _batch(cluster, database, batch_id)
    # One report per organisation: none missing, none twice, all made, each with its PDF.
    assert len(reports) == organisations
    assert len({row[0] for row in reports.values()}) == organisations
    assert {row[1] for row in reports.values()} == {"ready"}
    assert all(row[4] for row in reports.values())
    [(rows_for_year,)] = cluster.pg.query(
        database, "SELECT count(*) FROM benchmark_benchmarkreport WHERE year = %s", (year,)
    )
    assert rows_for_year == organisations
    # The reports made before the kill were not made again; the interrupted ones were finished
    # by their own task, delivered again (same claim), on their second attempt.
    for pk in made_before:
        assert reports[pk][2] == 1
        assert reports[pk][3] == at_death[pk][3]
    for pk, row in interrupted.items():
        assert reports[pk][2] == 2, (pk, reports[pk])
        assert reports[pk][3] == row[3]
    assert sum(row[2] for row in reports.values()) == organisations + len(interrupted)
