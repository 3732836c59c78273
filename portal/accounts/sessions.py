"""When a logged-in session ends, so that pages can warn before it does.

A session lasts ``SESSION_COOKIE_AGE`` seconds from the last time it was saved: at log-in, when
the second factor is given, and when the person chooses to stay logged in (the keep-alive
endpoint). Opening pages does not extend it. ``SessionEndMiddleware`` writes the moment the
session will end into the session each time it is saved, and pages read it back.
"""

from __future__ import annotations

import time
from functools import wraps

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_ENDS_KEY = "portal_session_ends"


class SessionEndMiddleware:
    """Right after ``SessionMiddleware`` in the list, so that its answer is handled first: a
    session about to be saved gets the moment it will end (the database's expiry is set from
    the same clock in the same save)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.modified and not session.is_empty():
            session[SESSION_ENDS_KEY] = int(time.time()) + session.get_session_cookie_age()
        return response


def seconds_left(request: HttpRequest) -> int | None:
    """Seconds until the logged-in person's session ends; None for someone not logged in or a
    session saved before the end was written into it (it gets one the next time it is saved)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    session = request.session
    now = int(time.time())
    if session.modified:  # saved, with a new end, once this request is answered
        return session.get_session_cookie_age()
    ends = session.get(SESSION_ENDS_KEY)
    if not isinstance(ends, int):
        return None
    return max(0, ends - now)


def logged_out_json() -> JsonResponse:
    """What a script's request gets once the session has ended (instead of the login page)."""
    return JsonResponse(
        {
            "status": "logged_out",
            "message": _("You are logged out. Log in again to carry on."),
            "login_url": reverse("accounts:login"),
        },
        status=401,
    )


def login_required_json(view):
    """Like ``login_required`` for endpoints a page's script calls: 401 with JSON, no redirect."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return logged_out_json()
        return view(request, *args, **kwargs)

    return wrapper


# Set at a login through ID-porten or Ansattporten (portal/accounts/national_login/views.py):
# the provider, the level and the id_token (encrypted) for ending the provider's session.
NATIONAL_LOGIN_SESSION_KEY = "national_login"


def national_login_of(request: HttpRequest) -> dict | None:
    """The national login this session was opened with, or None (a password login). Every
    level the portal accepts is substantial or higher: two factors, so no code after it."""
    session = getattr(request, "session", None)
    value = session.get(NATIONAL_LOGIN_SESSION_KEY) if session is not None else None
    return value if isinstance(value, dict) else None


# Set when a right password was refused because ID-porten is required and the account has no
# ID-porten login yet: the next ID-porten login within the time connects it to that account.
BIND_SESSION_KEY = "national_login_bind"
BIND_SECONDS = 10 * 60


def offer_binding(request: HttpRequest, user) -> None:
    """The password was right but ID-porten is required: let the next ID-porten login connect
    the person to this account (the login form calls this)."""
    request.session[BIND_SESSION_KEY] = {"user": user.pk, "until": int(time.time()) + BIND_SECONDS}


def pending_binding(request: HttpRequest) -> int | None:
    value = request.session.get(BIND_SESSION_KEY)
    if isinstance(value, dict) and int(value.get("until", 0)) > time.time():
        return int(value["user"])
    return None
