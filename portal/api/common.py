"""What every endpoint needs: the calling client's service user, an organisation it may read
(404 otherwise, as on the pages), and filters turned into rows or a 400 naming the parameter."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone

from portal.accounts.access import Perm, get_municipality
from portal.accounts.models import User
from portal.api import selectors
from portal.api.errors import ApiError, bad_parameter, not_found
from portal.api.models import ApiClient
from portal.municipalities.models import Municipality, Region
from surveys.models import SurveyEdition


def client_of(request: HttpRequest) -> ApiClient:
    return request.api_client  # type: ignore[attr-defined]


def user_of(request: HttpRequest) -> User:
    """The client's service user: the one the access module scopes."""
    return client_of(request).user


def organisation(request: HttpRequest, number: str, perm: Perm = Perm.VIEW) -> Municipality:
    """The current organisation with this number, if the client may ``perm`` it: another
    organisation answers 404 like a missing one, a right the client's role lacks 403."""
    try:
        return get_municipality(user_of(request), number, perm)
    except Http404:
        raise not_found(f"No organisation {number} that this client may see.") from None
    except PermissionDenied:
        raise ApiError(
            403, "forbidden", f"This client's role does not give the right to this ({perm})."
        ) from None


def region(code: str | None) -> Region | None:
    if code is None:
        return None
    found = selectors.region_by_code(code)
    if found is None:
        raise bad_parameter(
            "region",
            f"No region {code!r}; use one of: {', '.join(selectors.region_codes())}.",
        )
    return found


def edition(request: HttpRequest, year: int | None) -> SurveyEdition | None:
    if year is None:
        return None
    found = selectors.survey_editions(user_of(request)).filter(year=year).first()
    if found is None:
        raise bad_parameter("edition", f"No survey edition {year} that this client may see.")
    return found


_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?$"
)


def moment(parameter: str, value: str | None) -> dt.datetime | None:
    """An ISO 8601 date and time; one without a zone is Norwegian time."""
    if value is None:
        return None
    try:
        if not _DATE_TIME.match(value):
            raise ValueError
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise bad_parameter(
            parameter,
            f"{parameter}: not an ISO 8601 date and time such as 2026-12-01T08:00:00Z "
            f"(got {value!r})",
        ) from None
    if timezone.is_aware(parsed):
        return parsed
    return timezone.make_aware(parsed, timezone.get_default_timezone())
