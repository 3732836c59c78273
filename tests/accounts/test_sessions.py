"""The session's end: pages are told when it comes, "Stay logged in" starts its time again, and
a page's script is answered 401 (not sent to the login page) once it has ended."""

import datetime as dt
import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from portal.accounts.sessions import SESSION_ENDS_KEY
from portal.accounts.tasks import clear_expired_sessions
from tests.conftest import PASSWORD

EXPIRES_IN = re.compile(r'data-session-expires-in="(\d+)"')


def _log_in(client, username="editor_a"):
    response = client.post("/konto/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]


def _ending_in(client, seconds: int) -> None:
    """Make the logged-in session end in ``seconds``, in the database and in what pages read."""
    session = client.session
    session[SESSION_ENDS_KEY] = int(time.time()) + seconds
    session.save()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(seconds=seconds)
    )


def _expires_in(client) -> int | None:
    found = EXPIRES_IN.search(client.get("/").content.decode())
    return int(found.group(1)) if found else None


def test_a_page_tells_when_the_session_ends(client, cast, settings):
    _log_in(client)
    left = _expires_in(client)
    assert (
        left is not None and settings.SESSION_COOKIE_AGE - 5 <= left <= settings.SESSION_COOKIE_AGE
    )
    _ending_in(client, 120)
    assert 100 <= _expires_in(client) <= 120
    html = client.get("/").content.decode()
    assert f'data-session-warning="{settings.SESSION_WARNING_SECONDS}"' in html
    assert 'role="alertdialog"' in html and "Forbli innlogget" in html


def test_opening_pages_does_not_extend_the_session(client, cast):
    _log_in(client)
    _ending_in(client, 120)
    client.get("/")
    client.get("/kommune/4204/")
    key = client.session.session_key
    assert Session.objects.get(pk=key).expire_date <= timezone.now() + dt.timedelta(seconds=120)


def test_stay_logged_in_starts_the_time_again(client, cast, settings):
    _log_in(client)
    _ending_in(client, 60)
    response = client.post("/konto/keep-alive/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["expires_in"] == settings.SESSION_COOKIE_AGE
    ends = dt.datetime.fromisoformat(body["expires_at"])
    stored = Session.objects.get(pk=client.session.session_key).expire_date
    assert abs((stored - ends).total_seconds()) < 5
    assert stored > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 10)
    assert _expires_in(client) > settings.SESSION_COOKIE_AGE - 10


def test_stay_logged_in_after_the_end_says_logged_out(client, cast):
    _log_in(client)
    _ending_in(client, -1)
    response = client.post("/konto/keep-alive/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["status"] == "logged_out"
    assert response.json()["login_url"] == "/konto/login/"


def test_stay_logged_in_anonymous_and_by_get(client, db):
    assert client.post("/konto/keep-alive/").status_code == 401
    assert client.get("/konto/keep-alive/").status_code == 405
    assert "data-session-expires-in" not in client.get("/konto/login/").content.decode()


def test_stay_logged_in_needs_the_form_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.editor_a)
    assert client.post("/konto/keep-alive/").status_code == 403


def test_stay_logged_in_before_the_second_factor(client, cast):
    """A directorate member who has given only the password may keep that session alive (they
    still give the code before anything else) and read the statements."""
    client.force_login(cast.admin, second_factor=False)
    assert client.get("/").status_code == 302
    assert client.post("/konto/keep-alive/", HTTP_ACCEPT="application/json").status_code == 200
    assert client.get("/tilgjengelighet/").status_code == 200
    assert client.get("/personvern/").status_code == 200


def test_autosave_after_the_end_answers_401_with_json(client, cast):
    _log_in(client)
    _ending_in(client, -1)
    response = client.post("/kommune/4204/undersokelse/2026/lagre/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["status"] == "logged_out"


@pytest.mark.django_db
def test_ended_sessions_are_cleared_and_clearing_twice_is_harmless(client, cast):
    _log_in(client)
    live = client.session.session_key
    other = Client()
    _log_in(other, "viewer_a")
    ended = other.session.session_key
    Session.objects.filter(pk=ended).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    clear_expired_sessions.delay()
    clear_expired_sessions.delay()
    assert set(Session.objects.values_list("pk", flat=True)) == {live}
