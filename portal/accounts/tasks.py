import smtplib
from importlib import import_module

from celery import shared_task
from django.conf import settings

from portal.accounts import selectors, services
from portal.core import queue


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=6,
)
def send_invitation(invitation_id: int) -> bool:
    return services.invitation_send_email(invitation_id=invitation_id)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=6,
)
def send_two_factor_notice(user_id: int, event: str) -> bool:
    """Tell a person that two-factor authentication was set up or reset on their account."""
    return services.two_factor_notice_send(user_id=user_id, event=event)


@shared_task
def send_unsent_invitations() -> int:
    """Run by Celery beat every five minutes, and by each worker as it connects to the broker:
    sends again the invitation e-mails the broker never took (see portal.core.queue). Returns how
    many tasks were sent; an invitation is e-mailed once however often this runs."""
    return queue.send_each(send_invitation, selectors.invitations_unsent())


@shared_task
def clear_expired_sessions() -> None:
    """Run by Celery beat once a day: deletes ended sessions from the session store (Django's
    ``clearsessions``). Running it again deletes nothing more."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
