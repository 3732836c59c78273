import smtplib

from celery import shared_task

from portal.accounts import services


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=6,
)
def send_invitation(invitation_id: int) -> bool:
    return services.invitation_send_email(invitation_id=invitation_id)
