"""The Celery application. Without REDIS_URL, tasks run in-process (see settings)."""

import logging
import os
import sys

from celery import Celery, bootsteps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.core.env import one_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

logger = logging.getLogger(__name__)

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def settings_or_one_line() -> None:
    """A worker or beat started without a key (or with a malformed variable) stops with the
    message on one line, as manage.py and the web process do, not with a traceback."""
    try:
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as error:
        sys.exit(one_line(error))


# The celery command reads the settings while it parses its own options, before any signal: check
# them first. (Imported by anything else, the settings are loaded by whoever imports.)
if os.path.basename(sys.argv[0]) == "celery":
    settings_or_one_line()

# The sweeps that send what the broker could not take while it was down (see portal.core.queue).
# Beat runs each of them too (CELERY_BEAT_SCHEDULE).
WAITING_WORK = (
    "portal.benchmark.tasks.send_waiting_reports",
    "portal.accounts.tasks.send_unsent_invitations",
    "surveys.tasks.send_unsent_emails",
    "housing.tasks.send_unsent_reminders",
)


class SendWaitingWork(bootsteps.StartStopStep):
    """Each time a worker has connected to the broker (when it starts, and again when Redis is
    back after an outage), it asks for the work the broker could not take meanwhile to be sent:
    the benchmark reports asked for, and the e-mails due, while Redis was down (``WAITING_WORK``).
    Beat does the same every minute (reports) or every five minutes (e-mails)."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, c):
        for index, name in enumerate(WAITING_WORK):
            try:
                c.app.send_task(name)
            except Exception as error:  # noqa: BLE001 - never stop the worker from consuming
                logger.warning(
                    "could not ask for the waiting work to be sent (%s and %d more): %s",
                    name,
                    len(WAITING_WORK) - index - 1,
                    error,
                )
                return


app.steps["consumer"].add(SendWaitingWork)
