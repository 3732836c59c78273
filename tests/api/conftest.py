"""Data for the API's tests: the standard cast's organisations and a few more in A's region,
key figures, an open survey edition with responses and answers."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from surveys.models import Answer, Response, SurveyEdition
from tests.factories import KeyFiguresFactory, MunicipalityFactory


@dataclass
class ApiData:
    edition: SurveyEdition
    response_a: Response
    response_b: Response
    extra: list


@pytest.fixture
def api_data(cast) -> ApiData:
    from tests.accounts.test_access_matrix import _open_edition

    edition = _open_edition()
    extra = [
        MunicipalityFactory(
            number=f"42{n:02d}", name=f"Sørby {n}", county=cast.a.county, region=cast.a.region
        )
        for n in (10, 11, 12)
    ]
    for municipality in [cast.a, cast.b, *extra]:
        for year in (2023, 2024):
            KeyFiguresFactory(municipality=municipality, year=year)
    earlier = timezone.now() - dt.timedelta(days=10)
    response_a = Response.objects.create(
        edition=edition,
        municipality=cast.a,
        status=Response.Status.SUBMITTED,
        submitted_at=earlier,
        last_activity_at=earlier,
    )
    response_b = Response.objects.create(
        edition=edition, municipality=cast.b, last_activity_at=timezone.now()
    )
    questions = list(edition.questions.order_by("position")[:3])
    for response in (response_a, response_b):
        for question in questions:
            Answer.objects.create(
                response=response,
                municipality=response.municipality,
                question=question,
                value=3 if question.type == "integer" else "x",
                updated_at=response.last_activity_at,
            )
    return ApiData(edition=edition, response_a=response_a, response_b=response_b, extra=extra)


@pytest.fixture
def more_data(cast):
    """Answers for the aggregates, housing profiles with contact persons, and benchmark reports
    in each status (tests/api/data_more.py)."""
    from tests.api.data_more import add_more_api_data

    return add_more_api_data(cast)


@pytest.fixture
def as_(cast, api_tokens):
    """``as_("viewer_a")``: the headers of a client acting as that cast member."""
    from tests.api.clients import headers_as

    return lambda who, **kw: headers_as(cast, api_tokens, who, **kw)
