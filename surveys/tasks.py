import smtplib

from celery import shared_task

from surveys import receipts


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=6,
)
def send_receipt(response_id: int) -> bool:
    return receipts.send_receipt(response_id=response_id)
