import smtplib

from celery import shared_task
from django.utils import timezone

from housing import mailing, services

TRANSIENT = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=6)
def send_stale_reminders(municipality_id: int) -> int:
    """E-mail the municipality's pending reminders about stale profile sections (once each)."""
    return mailing.send_stale_reminders(municipality_id=municipality_id)


@shared_task
def queue_stale_reminders() -> int:
    """Run daily by Celery beat: a reminder for every section that has gone stale."""
    return services.stale_reminders_due(now=timezone.now())
