"""The receipt for a submitted response: an e-mail with a PDF copy of the answers."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.models import Membership, MunicipalRole
from surveys.models import Response
from surveys.respondent.pdf import render_response_pdf


def receipt_recipients(response: Response) -> list[str]:
    emails = (
        {response.submitted_by.email}
        if response.submitted_by and response.submitted_by.email
        else set()
    )
    emails |= set(
        Membership.objects.filter(
            municipality=response.municipality,
            role__in=[MunicipalRole.EDITOR, MunicipalRole.SIGNATORY],
        )
        .exclude(user__email="")
        .filter(user__is_active=True)
        .values_list("user__email", flat=True)
    )
    return sorted(emails)


def send_receipt(*, response_id: int) -> bool:
    """Send the receipt once; a retried or duplicated task does nothing the second time."""
    claimed = Response.objects.filter(
        pk=response_id, status=Response.Status.SUBMITTED, receipt_sent_at=None
    ).update(receipt_sent_at=timezone.now())
    if claimed != 1:
        return False
    response = Response.objects.select_related("edition", "municipality", "submitted_by").get(
        pk=response_id
    )
    try:
        with translation.override(response.municipality.language):
            pdf = render_response_pdf(response)
            url = settings.PORTAL_BASE_URL + reverse(
                "surveys:overview", args=[response.municipality.number, response.edition.year]
            )
            body = render_to_string("surveys/email/receipt.txt", {"response": response, "url": url})
            subject = _("Receipt: %(survey)s – %(organisation)s") % {
                "survey": response.edition.title_text,
                "organisation": response.municipality.name,
            }
            message = EmailMessage(subject, body, to=receipt_recipients(response))
            message.attach(
                f"kommuneundersokelsen-{response.edition.year}-{response.municipality.number}.pdf",
                pdf,
                "application/pdf",
            )
            message.send()
    except Exception:
        Response.objects.filter(pk=response_id).update(receipt_sent_at=None)
        raise
    return True
