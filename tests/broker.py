"""A broker (Redis) that is down, for tests: ``delay`` raises kombu's OperationalError, as it
does when Redis cannot be reached (tests/faults/ does the same against a real Redis that is
stopped). Once it is back up, ``delay`` runs the task as usual (in-process in tests)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."


class Broker:
    def __init__(self, task) -> None:
        self.task, self.real, self.up, self.refused = task, task.delay, False, []

    def __call__(self, *args):
        if not self.up:
            self.refused.append(args)
            raise BrokerError(REFUSED)
        return self.real(*args)


def broker_down(monkeypatch, task) -> Broker:
    """``task.delay`` refuses until ``.up`` is set on what this returns."""
    broker = Broker(task)
    monkeypatch.setattr(task, "delay", broker)
    return broker


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def queue_warnings(caplog) -> list[str]:
    """The lines portal.core.queue logged, each as 'LEVEL message'."""
    return [
        f"{r.levelname} {r.getMessage()}" for r in caplog.records if r.name == "portal.core.queue"
    ]
