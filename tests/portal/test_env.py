"""The local env file (var/local.env): read where the environment is silent, never over it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.core import env


def _write(tmp_path, text):
    path = tmp_path / "local.env"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_env_file(tmp_path):
    path = _write(
        tmp_path,
        "# written by make migrate\n\nDEBUG=1\nSECRET_KEY = abc=def\nQUOTED=\"a b\"\nSINGLE='c'\n",
    )
    assert env.read_env_file(path) == {
        "DEBUG": "1",
        "SECRET_KEY": "abc=def",
        "QUOTED": "a b",
        "SINGLE": "c",
    }


def test_a_missing_env_file_reads_as_empty(tmp_path):
    assert env.read_env_file(tmp_path / "absent.env") == {}
    assert env.read_env_file(tmp_path) == {}  # a directory is not a file


def test_a_malformed_env_file_fails_loudly(tmp_path):
    path = _write(tmp_path, "DEBUG=1\nthis is not an assignment\n")
    with pytest.raises(ImproperlyConfigured, match=r"local\.env:2 is not a NAME=value line"):
        env.read_env_file(path)


def test_local_env_fills_in_what_the_environment_does_not_set(tmp_path):
    path = _write(tmp_path, "DEBUG=1\nLOG_LEVEL=DEBUG\n")
    environ = {"LOG_LEVEL": "WARNING", "PATH": "/bin"}
    taken = env.load_local_env(path, environ)
    assert taken == {"DEBUG": "1"}
    assert environ == {"LOG_LEVEL": "WARNING", "PATH": "/bin", "DEBUG": "1"}


def test_the_environment_wins_over_the_local_env_file(tmp_path):
    path = _write(tmp_path, "DEBUG=1\nALLOWED_HOSTS=file.example\n")
    environ = {"DEBUG": "0", "ALLOWED_HOSTS": ""}
    assert env.load_local_env(path, environ) == {}
    assert environ == {"DEBUG": "0", "ALLOWED_HOSTS": ""}


def test_an_environment_with_its_own_key_does_not_read_the_local_env_file(tmp_path):
    # Production, the test suite and the benchmarks set SECRET_KEY and leave DEBUG unset: the
    # file's DEBUG=1 must not turn them into development settings.
    path = _write(tmp_path, "DEBUG=1\nSECRET_KEY=from-the-file\nLOG_LEVEL=DEBUG\n")
    environ = {"SECRET_KEY": "from-the-environment"}
    assert env.load_local_env(path, environ) == {}
    assert environ == {"SECRET_KEY": "from-the-environment"}


def test_without_a_local_env_file_nothing_changes(tmp_path):
    environ = {"PATH": "/bin"}
    assert env.load_local_env(tmp_path / "absent.env", environ) == {}
    assert environ == {"PATH": "/bin"}
