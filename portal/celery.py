"""The Celery application. Without REDIS_URL, tasks run in-process (see settings)."""

import logging
import os

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

logger = logging.getLogger(__name__)

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class SendWaitingWork(bootsteps.StartStopStep):
    """Each time a worker has connected to the broker (when it starts, and again when Redis is
    back after an outage), it asks for the work the broker could not take meanwhile to be sent:
    the benchmark reports asked for while Redis was down. Beat does the same every minute."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, c):
        try:
            c.app.send_task("portal.benchmark.tasks.send_waiting_reports")
        except Exception as error:  # noqa: BLE001 - never stop the worker from consuming
            logger.warning("could not ask for the waiting reports to be sent: %s", error)


app.steps["consumer"].add(SendWaitingWork)
