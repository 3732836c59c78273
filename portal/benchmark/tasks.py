"""Background work for the benchmark report: ids in, one service call each, idempotent."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from portal.benchmark import services

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def render_report(self, report_id: int) -> bool:
    """Make one report. The claim is the task id, which a message delivered again after its
    worker died keeps, so that delivery can finish the report; any other copy exits."""
    claim = self.request.id or f"local-{report_id}"
    made = services.report_generate(report_id=report_id, claim=claim)
    for batch_id in services.batches_of(report_id=report_id):
        services.batch_finish_if_done(batch_id=batch_id)
    return made


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def dispatch_batch(batch_id: int) -> int:
    return services.batch_dispatch(batch_id=batch_id)


@shared_task
def resume_batches() -> int:
    """Run by Celery beat: picks up every unfinished batch."""
    return services.batches_resume()


@shared_task
def send_waiting_reports() -> int:
    """Run by Celery beat every minute, and by each worker as it connects to the broker: sends
    the reports that were asked for while the broker was down."""
    return services.reports_send_waiting()
