"""Counting failed logins (and other bursts) in the cache, to slow down password guessing.

A login name gets ``LOGIN_FAILURES_PER_NAME`` failed attempts, and one client address
``LOGIN_FAILURES_PER_ADDRESS``, within ``LOGIN_LOCKOUT_SECONDS``; after that every attempt is
refused with the same words until the window has passed, whether or not the account exists (so
the answer tells nothing about which accounts there are). A successful login clears the name's
count. If the cache cannot be reached the portal keeps working without the limit (and logs it):
an outage of Redis must not lock everybody out.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]
    return f"{settings.THROTTLE_PREFIX}:{kind}:{digest}"


def _count(key: str) -> int:
    try:
        return int(cache.get(key) or 0)
    except Exception:  # the cache being down must not stop logins
        logger.warning("throttle: cache unavailable, not limiting")
        return 0


def hit(kind: str, value: str, *, window: int) -> int:
    """Count one event for ``(kind, value)``; returns the count in the current window."""
    key = _key(kind, value)
    try:
        if cache.add(key, 1, timeout=window):
            return 1
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
    except Exception:
        logger.warning("throttle: cache unavailable, not limiting")
        return 0


def clear(kind: str, value: str) -> None:
    try:
        cache.delete(_key(kind, value))
    except Exception:
        logger.warning("throttle: cache unavailable")


def client_address(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown") if request is not None else "unknown"


def login_locked(request, username: str) -> bool:
    return (
        _count(_key("login-name", username)) >= settings.LOGIN_FAILURES_PER_NAME
        or _count(_key("login-address", client_address(request)))
        >= settings.LOGIN_FAILURES_PER_ADDRESS
    )


def login_failed(request, username: str) -> None:
    window = settings.LOGIN_LOCKOUT_SECONDS
    hit("login-name", username, window=window)
    hit("login-address", client_address(request), window=window)


def login_succeeded(username: str) -> None:
    clear("login-name", username)
