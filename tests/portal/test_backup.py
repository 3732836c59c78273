"""The backup and restore path of docs/operations.md: pg_dump, pg_restore into an empty
database, and the portal shows the same data. PostgreSQL only (skipped on the embedded default)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import KeyFiguresFactory

ROOT = Path(__file__).resolve().parents[2]

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="DATABASE_URL is not set"
)


def _url(settings_dict, name):
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    password = settings_dict.get("PASSWORD")
    auth = f"{user}:{password}" if password else user
    return f"postgresql://{auth}@{host}:{port}/{name}"


def _counts(url):
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608 - table names from the catalogue


@needs_postgres
@pytest.mark.services
def test_dump_and_restore_into_an_empty_database_shows_the_same_data(
    transactional_db, cast, tmp_path
):
    KeyFiguresFactory(municipality=cast.a, year=2025, population=116_000, settled=250)
    source = _url(connection.settings_dict, connection.settings_dict["NAME"])
    target_name = f"restore_{uuid.uuid4().hex[:12]}"
    target = _url(connection.settings_dict, target_name)
    dump = tmp_path / "portal.dump"
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], **run)  # noqa: S603, S607
    admin = _url(connection.settings_dict, "postgres")
    subprocess.run(["psql", admin, "-c", f'CREATE DATABASE "{target_name}"'], **run)  # noqa: S603, S607
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(dump)], **run)  # noqa: S603, S607
        assert _counts(target) == _counts(source)
        # The portal on the restored database shows the municipality and its figures.
        script = (
            "from django.test import Client;"
            "from portal.accounts.models import User;"
            "c = Client(); c.force_login(User.objects.get(username='editor_a'));"
            "r = c.get('/kommune/4204/');"
            "print(r.status_code, 'Kristiansand' in r.content.decode(), '116' in r.content.decode())"
        )
        env = {**os.environ, "DATABASE_URL": target, "ALLOWED_HOSTS": "testserver"}
        env.pop("REDIS_URL", None)
        shown = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, **run
        )
        assert shown.stdout.strip().splitlines()[-1] == "200 True True", shown.stdout + shown.stderr
    finally:
        drop = f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)'
        subprocess.run(  # noqa: S603
            ["psql", admin, "-c", drop],  # noqa: S607
            check=False,
            capture_output=True,
        )
