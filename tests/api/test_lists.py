"""The API's lists: scoping through the access module, pagination in a stable order, ETag and
304, filters with bad values, the rate limit, and a fixed number of queries per page."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.api.services import api_client_update
from tests.api.clients import client_as
from tests.factories import KeyFiguresFactory

pytestmark = pytest.mark.usefixtures("api_data")


def _numbers(response):
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


# --- scoping -------------------------------------------------------------------------------


def test_a_municipality_sees_only_itself(client, cast, as_):
    assert _numbers(client.get("/api/v1/organisations", headers=as_("viewer_a"))) == ["4204"]
    response = client.get("/api/v1/organisations/4601", headers=as_("viewer_a"))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert client.get("/api/v1/organisations/9999", headers=as_("viewer_a")).status_code == 404
    assert client.get("/api/v1/organisations/4204", headers=as_("viewer_a")).status_code == 200


def test_another_organisations_key_figures_and_answers_are_404(client, cast, as_):
    headers = as_("editor_b")
    assert client.get("/api/v1/organisations/4204/key-figures", headers=headers).status_code == 404
    response = client.get("/api/v1/answers?organisation=4204", headers=headers)
    assert response.status_code == 404
    rows = client.get("/api/v1/answers", headers=headers).json()["results"]
    assert {row["organisation"] for row in rows} == {"4601"}


def test_the_directorate_sees_everything(client, cast, as_, api_data):
    everyone = ["4204", "4210", "4211", "4212", "4601"]
    assert _numbers(client.get("/api/v1/organisations", headers=as_("admin"))) == everyone
    rows = client.get("/api/v1/responses", headers=as_("admin")).json()["results"]
    assert [row["organisation"] for row in rows] == ["4204", "4601"]


def test_a_regional_advisers_client_sees_its_region(client, cast, as_):
    assert _numbers(client.get("/api/v1/organisations", headers=as_("adviser_a"))) == [
        "4204",
        "4210",
        "4211",
        "4212",
    ]
    rows = client.get("/api/v1/key-figures", headers=as_("adviser_other")).json()["results"]
    assert {row["organisation"] for row in rows} == {"4601"}


def test_a_settlement_officers_client_reads_no_survey_answers(client, cast, as_):
    response = client.get("/api/v1/responses", headers=as_("officer"))
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert client.get("/api/v1/key-figures", headers=as_("officer")).status_code == 200


def test_drafts_are_for_the_directorates_administrators(client, cast, as_, api_data):
    from surveys.editions.services import edition_import
    from tests.surveys.conftest import definition

    edition_import(actor=None, content=definition(year=2027))
    years = lambda who: [  # noqa: E731
        e["year"] for e in client.get("/api/v1/survey-editions", headers=as_(who)).json()["results"]
    ]
    assert years("admin") == [2027, api_data.edition.year]
    assert years("viewer_a") == [api_data.edition.year]
    assert client.get("/api/v1/survey-editions/2027", headers=as_("viewer_a")).status_code == 404
    detail = client.get("/api/v1/survey-editions/2027", headers=as_("admin")).json()
    assert detail["sections"][0]["questions"][0]["key"]


# --- pagination ----------------------------------------------------------------------------


def test_pages_walk_every_row_once_in_a_stable_order(client, cast, as_):
    headers = as_("admin")
    url = "/api/v1/key-figures?page_size=3"
    seen = []
    while url:
        page = client.get(url, headers=headers).json()
        assert page["count"] == 10
        seen += [(row["organisation"], row["year"]) for row in page["results"]]
        url = page["next"]
    assert seen == sorted(seen)
    assert len(set(seen)) == 10
    last = client.get("/api/v1/key-figures?page_size=3&page=4", headers=headers).json()
    assert last["next"] is None
    assert last["previous"] == "http://testserver/api/v1/key-figures?page_size=3&page=3"
    beyond = client.get("/api/v1/key-figures?page_size=3&page=9", headers=headers).json()
    assert beyond["results"] == []


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("page=0", "page"),
        ("page=x", "page"),
        ("page_size=0", "page_size"),
        ("page_size=100000", "page_size"),
    ],
)
def test_bad_pages_are_400_naming_the_parameter(client, cast, as_, query, parameter):
    response = client.get(f"/api/v1/organisations?{query}", headers=as_("admin"))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_parameter"
    assert body["parameter"] == parameter
    assert body["detail"].startswith(f"{parameter}: ")


# --- ETag ----------------------------------------------------------------------------------


def test_etag_and_304(client, cast, as_):
    headers = as_("admin")
    first = client.get("/api/v1/key-figures", headers=headers)
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "private, no-cache"
    again = client.get("/api/v1/key-figures", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    other = client.get("/api/v1/key-figures", headers={**headers, "If-None-Match": '"stale"'})
    assert other.status_code == 200
    KeyFiguresFactory(municipality=cast.a, year=2025)
    changed = client.get("/api/v1/key-figures", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_errors_carry_no_etag(client, cast, as_):
    response = client.get("/api/v1/organisations/4601", headers=as_("viewer_a"))
    assert response.status_code == 404
    assert "ETag" not in response


# --- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, parameter, words",
    [
        ("region=nowhere", "region", "No region 'nowhere'; use one of: sor, vest"),
        ("status=finished", "status", "status: Input should be"),
        ("updated_since=yesterday", "updated_since", "not an ISO 8601 date and time"),
        ("updated_since=0.5", "updated_since", "not an ISO 8601 date and time"),
        ("updatedsince=2026-01-01T00:00", "updatedsince", "Unknown parameter 'updatedsince'"),
        ("edition=1900", "edition", "No survey edition 1900"),
        ("edition=abc", "edition", "edition: Input should be a valid integer"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client, cast, as_, query, parameter, words):
    for path in ("/api/v1/responses", "/api/v1/answers"):
        response = client.get(f"{path}?{query}", headers=as_("admin"))
        assert response.status_code == 400, (path, response.content)
        assert response.json()["parameter"] == parameter
        assert words in response.json()["detail"]


def test_filters(client, cast, as_, api_data):
    headers = as_("admin")

    def organisations(query, path="/api/v1/responses"):
        response = client.get(f"{path}?{query}", headers=headers)
        assert response.status_code == 200, response.content
        return [row["organisation"] for row in response.json()["results"]]

    year = api_data.edition.year
    assert organisations(f"edition={year}") == ["4204", "4601"]
    assert organisations("status=submitted") == ["4204"]
    assert organisations("region=vest") == ["4601"]
    assert organisations("organisation=4601") == ["4601"]
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert organisations(f"updated_since={since.replace('+', '%2B')}") == ["4601"]
    assert organisations("updated_since=2000-01-01T00:00") == ["4204", "4601"]
    assert set(organisations("status=in_progress", "/api/v1/answers")) == {"4601"}
    answers = client.get("/api/v1/answers?organisation=4204", headers=headers).json()["results"]
    assert len(answers) == 3
    key = answers[0]["question"]
    assert organisations(f"question={key}", "/api/v1/answers") == ["4204", "4601"]
    assert answers[0]["response_status"] == "submitted"


# --- rate limit ----------------------------------------------------------------------------


def test_the_rate_limit_answers_429_with_retry_after(client, cast, as_):
    headers = as_("viewer_a")
    api_client_update(actor=None, client=client_as(cast, "viewer_a"), rate_limit_per_minute=3)
    statuses = [client.get("/api/v1/organisations", headers=headers).status_code for _ in range(4)]
    # The four requests may straddle a minute boundary; then the fourth is allowed.
    if statuses[-1] == 200:
        statuses.append(client.get("/api/v1/organisations", headers=headers).status_code)
        statuses.append(client.get("/api/v1/organisations", headers=headers).status_code)
    assert statuses[:3] == [200, 200, 200]
    response = client.get("/api/v1/organisations", headers=headers)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["error"] == "rate_limited"
    assert body["retry_after"] == int(response["Retry-After"])
    assert "More than 3 requests in a minute" in body["detail"]
    # Another client has its own count.
    assert client.get("/api/v1/organisations", headers=as_("admin")).status_code == 200


# --- queries -------------------------------------------------------------------------------

# Every request: the client with its service user and organisation (1). A municipality's client
# then reads its service user's memberships once (the access module); the directorate's needs
# none for lists.


@pytest.mark.parametrize(
    "path, admin, viewer",
    [
        ("/api/v1/organisations", 3, 4),  # client, (memberships), count, page
        ("/api/v1/key-figures", 3, 4),
        ("/api/v1/survey-editions", 3, 3),
        ("/api/v1/responses", 4, 5),  # + may it read survey answers at all
        ("/api/v1/answers", 4, 5),
        ("/api/v1/organisations/4204/key-figures", 5, 5),  # + the organisation and its rights
    ],
)
def test_lists_take_a_fixed_number_of_queries(
    client, cast, as_, api_data, django_assert_num_queries, path, admin, viewer
):
    for who, queries in (("admin", admin), ("viewer_a", viewer)):
        headers = as_(who)
        client.get(path, headers=headers)  # the issuer's keys are fetched and cached
        with django_assert_num_queries(queries):
            response = client.get(path, headers=headers)
        assert response.status_code == 200
        rows = response.json()["results"]
        assert len(rows) >= (2 if who == "admin" and "editions" not in path else 1)
