"""Settings read the environment strictly; production settings pass Django's deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.core import env

ROOT = Path(__file__).resolve().parents[2]
# A local env file that does not exist: this checkout's var/local.env is left out.
NO_LOCAL_ENV = str(ROOT / "tests" / "portal" / "no-such-dir" / "local.env")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env.env_bool("X_FLAG") is expected


def test_env_bool_fails_loudly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env.env_bool("X_FLAG")


def test_env_int_fails_loudly(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env.env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "10")
    assert env.env_int("X_NUM", 1) == 10


def test_env_list(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env.env_list("X_LIST") == ["a.example", "b.example"]


def test_database_url_postgres():
    config = env.parse_database_url(
        "DATABASE_URL", "postgresql://u%40x:p%2Fw@db.example:6543/portal?sslmode=require"
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "u@x",
        "p/w",
        "db.example",
        "6543",
        "portal",
    )
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_database_url_sqlite():
    assert env.parse_database_url("D", "sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    assert env.parse_database_url("D", "sqlite:///var/x.db")["NAME"] == "var/x.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "scheme 'mysql'"),
        ("postgresql://u@h", "names no database"),
        ("postgresql://u@h:port/db", "port that is not a number"),
        ("sqlite://", "names no SQLite file"),
    ],
)
def test_database_url_fails_loudly(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env.parse_database_url("DATABASE_URL", url)


def test_email_url():
    smtp = env.parse_email_url("EMAIL_URL", "smtp://user:secret@mail.example:587?tls=1")
    assert smtp.backend.endswith("smtp.EmailBackend")
    assert (smtp.host, smtp.port, smtp.user, smtp.password, smtp.use_tls, smtp.use_ssl) == (
        "mail.example",
        587,
        "user",
        "secret",
        True,
        False,
    )
    assert env.parse_email_url("E", "smtps://mail.example").port == 465
    assert env.parse_email_url("E", "console://").backend.endswith("console.EmailBackend")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smtp://", "names no SMTP host"),
        ("ftp://x", "scheme 'ftp'"),
        ("smtp://h?tls=sometimes", "tls="),
    ],
)
def test_email_url_fails_loudly(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env.parse_email_url("EMAIL_URL", url)


def test_redis_url_checked():
    with pytest.raises(ImproperlyConfigured):
        env.check_redis_url("REDIS_URL", "localhost:6379")


def _manage(*args, **extra_env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "DATABASE_URL",
            "REDIS_URL",
            "LOCAL_ENV_FILE",
        }
    }
    environment.update({"LOCAL_ENV_FILE": NO_LOCAL_ENV, **extra_env})
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-like-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="portal.example.no",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_malformed_environment_stops_start_up():
    result = _manage("check", DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


_PRINT_SETTINGS = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"


def test_a_local_env_file_is_read_where_the_environment_is_silent(tmp_path):
    local_env = tmp_path / "local.env"
    local_env.write_text("DEBUG=1\nSECRET_KEY=key-from-the-local-env-file\n", encoding="utf-8")
    result = _manage("shell", "--no-imports", "-c", _PRINT_SETTINGS, LOCAL_ENV_FILE=str(local_env))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["True", "key-from-the-local-env-file"]

    result = _manage(
        "shell", "--no-imports", "-c", _PRINT_SETTINGS, LOCAL_ENV_FILE=str(local_env), DEBUG="0"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["False", "key-from-the-local-env-file"]


def test_an_environment_with_a_key_leaves_the_local_env_file_unread(tmp_path):
    local_env = tmp_path / "local.env"
    local_env.write_text("DEBUG=1\nSECRET_KEY=key-from-the-local-env-file\n", encoding="utf-8")
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        _PRINT_SETTINGS,
        LOCAL_ENV_FILE=str(local_env),
        SECRET_KEY="key-from-the-environment",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["False", "key-from-the-environment"]


def test_migrate_creates_the_directory_of_the_sqlite_database(tmp_path):
    database = tmp_path / "fresh-clone" / "var" / "db.sqlite3"
    result = _manage(
        "migrate",
        "--noinput",
        "-v0",
        SECRET_KEY="a-long-random-production-like-secret-key-0123456789-abcdefghijklmnop",
        SQLITE_PATH=str(database),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert database.is_file()


def test_debug_is_off_unless_asked_for(settings):
    assert settings.DEBUG is False


def test_no_pending_migrations(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_check_deploy_refuses_the_benchmark_endpoint():
    result = _manage(
        "check",
        "--deploy",
        SECRET_KEY="a-long-random-production-like-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="portal.example.no",
        BENCH_ENDPOINTS="1",
    )
    assert result.returncode != 0
    assert "portal.E001" in result.stderr + result.stdout
