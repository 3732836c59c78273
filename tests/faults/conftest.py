"""Fault tests: the portal's real processes (gunicorn, Celery workers) against a private
PostgreSQL cluster and Redis server, which the tests stop, kill and restart.

They run only with ``make faults`` (marker ``faults``; the default runs leave them out). Where
PostgreSQL's server binaries, redis-server or Celery are missing they are skipped with a message
saying so, unless ``FAULTS_REQUIRED=1`` (as in CI), which makes a missing piece an error.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults import harness

TEMPLATE_DB = "faults_template"

# A question Kristiansand is shown, for autosaves: an integer one, so each save can send a new
# value (one without plausibility checks if there is one). Printed as JSON by manage.py shell.
FIND_QUESTION = """
import json
from portal.municipalities.models import Municipality
from surveys.models import SurveyEdition
from surveys.respondent.selectors import survey_state
from portal.benchmark.selectors import report_years
edition = SurveyEdition.objects.get(status="open")
municipality = Municipality.objects.get(number="4204", valid_to__isnull=True)
state = survey_state(edition, municipality)
shown = [q for q in state.questions if q.key in state.visible and q.type == "integer"]
question = sorted(shown, key=lambda q: bool(q.config.get("checks")))[0]
print(json.dumps({
    "year": edition.year, "question": question.key, "section": question.section.key,
    "question_id": question.pk, "report_year": report_years()[0],
}))
"""


def pytest_collection_modifyitems(config, items):
    ours = [item for item in items if "tests/faults/" in str(item.fspath)]
    selected = config.getoption("markexpr", "") or ""
    if not ours or "faults" not in selected or "not faults" in selected:
        return  # left out (the default runs): nothing to check
    reason = harness.missing()
    if not reason:
        return
    if os.environ.get("FAULTS_REQUIRED") == "1":
        raise pytest.UsageError(f"fault tests required but {reason}")
    skip = pytest.mark.skip(reason=f"fault tests skipped: {reason}")
    for item in ours:
        item.add_marker(skip)


@dataclass
class Cluster:
    pg: harness.PrivatePostgres
    folder: Path
    demo: dict  # what FIND_QUESTION printed
    _n: int = 0

    def new_database(self) -> str:
        """A fresh copy of the demo database (CREATE DATABASE … TEMPLATE takes a second)."""
        self._n += 1
        name = f"faults_{self._n}"
        self.pg.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
        return name

    def env(self, database: str, redis: harness.PrivateRedis | None, **extra: str) -> dict:
        env = harness.base_env()
        env["DATABASE_URL"] = self.pg.url(database)
        if redis is not None:
            env["REDIS_URL"] = redis.url
        env.update(extra)
        return env


@pytest.fixture(scope="session")
def cluster():
    """One private PostgreSQL cluster for the session, with the demo data in a template."""
    folder = Path(tempfile.mkdtemp(prefix="portal-faults-"))
    folder.chmod(0o755)  # the postgres user must reach its data folder inside
    pg = harness.PrivatePostgres(folder / "pg")
    try:
        pg.init()
        pg.start()
        pg.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
        setup = {**harness.base_env(), "DATABASE_URL": pg.url(TEMPLATE_DB), "DEBUG": "1"}
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["load_demo"],
            ["load_survey_editions"],
            ["load_housing_demo"],
            ["load_benchmark_defaults"],
        ):
            harness.manage(setup, *command)
        demo = harness.django_script(setup, FIND_QUESTION)
        yield Cluster(pg=pg, folder=folder, demo=demo)
    finally:
        if os.environ.get("FAULTS_KEEP") == "1":  # to read the logs afterwards
            pg.stop("immediate")
            print(f"\nfault test folder kept: {folder}")
        else:
            pg.destroy()
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def workdir(cluster, request):
    """A folder for this test's logs; their tails are printed when the test fails."""
    path = cluster.folder / request.node.name
    path.mkdir()
    yield path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "workdir" in item.funcargs:
        folder = item.funcargs["workdir"]
        for log in sorted(Path(folder).glob("*.log")):
            report.sections.append((f"log {log.name}", harness.tail(log, 60)))


@pytest.fixture
def services():
    """Stops every process a test started, whatever happened."""
    started: list = []
    yield started
    for service in reversed(started):
        try:
            service.stop()
        except Exception:  # noqa: BLE001 - stop the others too
            if hasattr(service, "kill"):
                service.kill()
