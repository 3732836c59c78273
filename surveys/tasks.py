import smtplib

from celery import shared_task
from django.utils import timezone

from portal.core import queue
from surveys.followup import mailing
from surveys.followup import selectors as followup_selectors
from surveys.followup.services import reminders_due
from surveys.models import SurveyEdition
from surveys.respondent import receipts
from surveys.respondent import selectors as respondent_selectors

TRANSIENT = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=6)
def send_receipt(response_id: int) -> bool:
    return receipts.send_receipt(response_id=response_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=6)
def send_follow_up_email(follow_up_id: int) -> bool:
    return mailing.send_follow_up_email(follow_up_id=follow_up_id)


@shared_task
def send_unsent_emails() -> int:
    """Run by Celery beat every five minutes, and by each worker as it connects to the broker:
    sends again the follow-up e-mails and receipts the broker never took (see portal.core.queue).
    Returns how many tasks were sent; each e-mail goes out once however often this runs."""
    return queue.send_each(
        send_follow_up_email, followup_selectors.follow_ups_unsent()
    ) + queue.send_each(send_receipt, respondent_selectors.receipts_unsent())


@shared_task
def send_due_reminders() -> int:
    """Run daily by Celery beat: the automatic reminders due today, for every open edition."""
    today = timezone.localdate()
    return sum(
        reminders_due(edition=e, today=today) for e in SurveyEdition.objects.filter(status="open")
    )
