"""Handing tasks to the broker after the transaction that asked for them has committed, without
failing the request when the broker (Redis) cannot be reached.

What the broker does not take is not lost. Each e-mail the portal sends has a row that says
whether it has been sent (an invitation's ``email_sent_at``, a follow-up's ``status``, a
response's ``receipt_sent_at``, a stale-section reminder's ``status``). A sweep per app sends
the task again for the rows still unsent ``SWEEP_GRACE`` after they were written, and gives up
on them ``SWEEP_CUTOFF`` after. The sweeps run every five minutes (Celery beat) and each time
a worker connects to the broker (``portal.celery.SendWaitingWork``).

The grace period keeps a sweep from sending again a task that is only waiting in the queue.
Sending one twice does no harm: each task claims its row with a conditional update before it
sends anything, so an e-mail goes out once however many tasks are sent for it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import redis.exceptions
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

# What sending a task raises when the broker cannot be reached or does not answer in time:
# kombu's OperationalError once its own retries are used up (a refused connection, a socket
# timeout), and, should one escape kombu unwrapped, redis-py's connection errors and the
# socket errors beneath them (OSError covers ConnectionError and TimeoutError). Anything else,
# such as arguments that cannot be serialised, is a mistake in the code and is raised.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    KombuOperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)

SWEEP_GRACE = dt.timedelta(minutes=10)
SWEEP_CUTOFF = dt.timedelta(days=2)


def sweep_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """(oldest, newest): the rows a sweep sends again were written in between."""
    now = now or timezone.now()
    return now - SWEEP_CUTOFF, now - SWEEP_GRACE


def task_named(task: Any) -> Any:
    """A task, or a task given by its dotted name ("surveys.tasks.send_receipt").

    Services name the tasks they enqueue instead of importing them: a tasks module imports its
    app's services (a task loads its row and calls one service), so the import points one way,
    from tasks to services, and never back. A name that does not resolve raises ImportError at
    the call, in the tests that reach it.
    """
    return import_string(task) if isinstance(task, str) else task


def send(task: Any, *args: Any) -> bool:
    """Send ``task(*args)`` now; False (and a warning) when the broker does not take it.
    ``task`` is a task or its dotted name (``task_named``)."""
    task = task_named(task)
    try:
        task.delay(*args)
    except BROKER_ERRORS as error:
        logger.warning(
            "queue: the broker did not take %s%r (%s: %s); a sweep sends it again",
            task.name,
            args,
            type(error).__name__,
            error,
        )
        return False
    return True


def send_each(task: Any, ids: Iterable[int]) -> int:
    """Send ``task(pk)`` for each id in order; returns how many the broker took.

    At the first refusal the rest are not tried (the broker is down: each try would only add
    its own wait) and one warning says how many were left for the sweep.
    """
    task = task_named(task)
    todo = list(ids)
    for index, pk in enumerate(todo):
        try:
            task.delay(pk)
        except BROKER_ERRORS as error:
            logger.warning(
                "queue: the broker did not take %s for %d of %d id(s) (%s: %s); "
                "a sweep sends them again",
                task.name,
                len(todo) - index,
                len(todo),
                type(error).__name__,
                error,
            )
            return index
    return len(todo)


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Send ``task(*args)`` once the current transaction has committed (right away outside one).

    A broker that is down is logged, not raised: the data is committed by then and the request
    answers as usual; the sweep sends the task later. Nothing is sent if the transaction rolls
    back.
    """
    task_named(task)  # a name that does not resolve fails here, inside the request
    transaction.on_commit(lambda: send(task, *args), robust=False)


def enqueue_each_on_commit(task: Any, ids: Iterable[int]) -> None:
    """``send_each`` once the current transaction has committed."""
    task_named(task)  # as in enqueue_on_commit: a wrong name fails at the call
    todo = list(ids)
    if todo:
        transaction.on_commit(lambda: send_each(task, todo), robust=False)
