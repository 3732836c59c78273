"""portal.core.queue: tasks are handed to the broker after commit; a broker that is down is one
warning, never an error for the request; anything else is still raised."""

import socket
import threading
import time

import pytest
import redis.exceptions
from celery import Celery
from django.conf import settings
from django.db import transaction
from kombu.exceptions import EncodeError
from kombu.exceptions import OperationalError as BrokerError

from portal.core import queue
from portal.municipalities.models import Municipality
from surveys.tasks import send_receipt
from tests.broker import queue_warnings
from tests.factories import MunicipalityFactory


class FakeTask:
    name = "tests.fake"

    def __init__(self, error: BaseException | None = None, takes: int | None = None) -> None:
        self.error, self.takes, self.sent = error, takes, []

    def delay(self, *args):
        if self.error is not None and (self.takes is None or len(self.sent) >= self.takes):
            raise self.error
        self.sent.append(args)


@pytest.mark.parametrize(
    "error",
    [
        BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        redis.exceptions.ConnectionError("Connection refused"),
        redis.exceptions.TimeoutError("Timeout reading from socket"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        OSError(113, "No route to host"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_broker_error_is_one_warning_not_an_exception(error, caplog):
    assert queue.send(FakeTask(error), 7) is False
    [line] = queue_warnings(caplog)
    assert line.startswith("WARNING queue: the broker did not take tests.fake(7,)")
    assert type(error).__name__ in line and "\n" not in line


@pytest.mark.parametrize("error", [ValueError("a bug"), EncodeError("not JSON")])
def test_other_errors_are_raised(error):
    with pytest.raises(type(error)):
        queue.send(FakeTask(error), 7)
    with pytest.raises(type(error)):
        queue.send_each(FakeTask(error), [7])


def test_send_each_stops_at_the_first_refusal_with_one_line(caplog):
    task = FakeTask(BrokerError("Connection refused"), takes=2)
    assert queue.send_each(task, [1, 2, 3, 4]) == 2
    assert task.sent == [(1,), (2,)]
    [line] = queue_warnings(caplog)
    assert "tests.fake for 2 of 4 id(s)" in line
    assert queue.send_each(FakeTask(), []) == 0


@pytest.mark.django_db(transaction=True)
def test_sent_after_commit_and_never_after_a_rollback():
    task = FakeTask()
    with transaction.atomic():
        queue.enqueue_on_commit(task, 1)
        queue.enqueue_each_on_commit(task, [2, 3])
        assert task.sent == []
    assert task.sent == [(1,), (2,), (3,)]
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue_on_commit(task, 4)
        raise RuntimeError
    assert task.sent == [(1,), (2,), (3,)]


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_leaves_the_commit_and_the_later_sends_alone(caplog):
    down, other = FakeTask(BrokerError("Connection refused")), FakeTask()
    with transaction.atomic():
        municipality = MunicipalityFactory()
        queue.enqueue_on_commit(down, municipality.pk)
        queue.enqueue_on_commit(other, municipality.pk)
    assert Municipality.objects.filter(pk=municipality.pk).exists()
    assert other.sent == [(municipality.pk,)]
    assert len(queue_warnings(caplog)) == 1


def test_a_redis_that_does_not_answer_costs_a_send_seconds_not_forever():
    """The broker's socket timeouts (CELERY_BROKER_TRANSPORT_OPTIONS) are options kombu and
    redis-py act on: against a server that takes the connection and never answers, sending a
    task gives up after a few seconds and is a broker error like a refused connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop, held = threading.Event(), []

    def accept():
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    app = Celery(
        "silent-broker",
        broker=f"redis://127.0.0.1:{server.getsockname()[1]}/0",
        set_as_current=False,
    )
    app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS

    @app.task(name="tests.silent_broker_probe", shared=False)
    def probe():
        return None

    outcome: dict = {}

    def send():
        started = time.monotonic()
        outcome["sent"] = queue.send(probe)
        outcome["took"] = time.monotonic() - started

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    sender.join(timeout=30)
    stop.set()
    acceptor.join(timeout=5)
    app.close()
    for connection in held:
        connection.close()
    server.close()
    assert not sender.is_alive(), "sending a task waited on a Redis that does not answer"
    assert outcome == {"sent": False, "took": outcome["took"]} and outcome["took"] < 15


@pytest.mark.django_db
def test_a_task_given_by_name_is_found_and_a_wrong_name_fails_at_the_call():
    assert queue.task_named("surveys.tasks.send_receipt") is send_receipt
    with transaction.atomic():
        for enqueue in (queue.enqueue_on_commit, queue.enqueue_each_on_commit):
            with pytest.raises(ImportError):
                enqueue("surveys.tasks.no_such_task", [1])
