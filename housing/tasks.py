import smtplib

from celery import shared_task
from django.utils import timezone

from housing import mailing, selectors, services
from portal.core import queue

TRANSIENT = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=6)
def send_stale_reminders(municipality_id: int) -> int:
    """E-mail the municipality's pending reminders about stale profile sections (once each)."""
    return mailing.send_stale_reminders(municipality_id=municipality_id)


@shared_task
def queue_stale_reminders() -> int:
    """Run daily by Celery beat: a reminder for every section that has gone stale."""
    return services.stale_reminders_due(now=timezone.now())


@shared_task
def send_unsent_reminders() -> int:
    """Run by Celery beat every five minutes, and by each worker as it connects to the broker:
    sends again the stale-section reminders the broker never took (see portal.core.queue). Returns
    how many tasks were sent; a reminder goes out once however often this runs."""
    return queue.send_each(send_stale_reminders, selectors.municipalities_with_unsent_reminders())
