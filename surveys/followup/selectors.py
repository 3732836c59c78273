"""Reads for the directorate's follow-up that are not pages: the e-mails still to be sent."""

from __future__ import annotations

import datetime as dt

from portal.core.queue import sweep_window
from surveys.models import FollowUp


def follow_ups_unsent(*, now: dt.datetime | None = None) -> list[int]:
    """The follow-up e-mails still waiting to be sent, logged between the sweep's cut-off and
    grace period ago (portal.core.queue.sweep_window), oldest first."""
    oldest, newest = sweep_window(now)
    return list(
        FollowUp.objects.filter(status=FollowUp.Status.PENDING, at__gte=oldest, at__lt=newest)
        .order_by("at", "pk")
        .values_list("pk", flat=True)
    )
