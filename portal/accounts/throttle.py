"""Counting failed logins (and other bursts) in the cache, to slow down password guessing.

A login name gets ``LOGIN_FAILURES_PER_NAME`` failed attempts, and one client address
``LOGIN_FAILURES_PER_ADDRESS``, within ``LOGIN_LOCKOUT_SECONDS``; after that every attempt is
refused with the same words until the window has passed, whether or not the account exists (so
the answer tells nothing about which accounts there are). A successful login clears the name's
count.

If the cache (Redis) cannot be reached, the counts are kept in the memory of each web process
until it is back, and a warning is logged (at most once a minute per process). Logins keep
working, which an outage of Redis must not stop, and guessing is still limited: per process,
so with N web processes a guesser gets at most N times the limit while Redis is down. The
counts made meanwhile are not carried over to Redis.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

# This process's own counts, used while the shared cache is unavailable.
_fallback = LocMemCache("throttle-fallback", {"MAX_ENTRIES": 10_000, "CULL_FREQUENCY": 3})
_WARN_EVERY = 60.0
_warned_at = [-_WARN_EVERY]
_warn_lock = threading.Lock()


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]
    return f"{settings.THROTTLE_PREFIX}:{kind}:{digest}"


def _unavailable(error: Exception) -> None:
    with _warn_lock:
        now = time.monotonic()
        if now - _warned_at[0] < _WARN_EVERY:
            return
        _warned_at[0] = now
    logger.warning(
        "throttle: the cache is unavailable (%s: %s); counting in this process until it is back",
        type(error).__name__,
        error,
    )


def _count(key: str) -> int:
    try:
        return int(cache.get(key) or 0)
    except Exception as error:  # the cache being down must not stop logins
        _unavailable(error)
        return int(_fallback.get(key) or 0)


def _hit(store, key: str, window: int) -> int:
    if store.add(key, 1, timeout=window):
        return 1
    try:
        return int(store.incr(key))
    except ValueError:  # expired between add and incr
        store.set(key, 1, timeout=window)
        return 1


def hit(kind: str, value: str, *, window: int) -> int:
    """Count one event for ``(kind, value)``; returns the count in the current window."""
    key = _key(kind, value)
    try:
        return _hit(cache, key, window)
    except Exception as error:
        _unavailable(error)
        return _hit(_fallback, key, window)


def clear(kind: str, value: str) -> None:
    key = _key(kind, value)
    _fallback.delete(key)
    try:
        cache.delete(key)
    except Exception as error:
        _unavailable(error)


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
