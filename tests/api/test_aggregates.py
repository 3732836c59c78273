"""Aggregates per question: the analysis's counting over the responses that count, scoped to
what the client may read, filtered, paginated, and in a fixed number of queries."""

import pytest

pytestmark = pytest.mark.usefixtures("more_data")

URL = "/api/v1/survey-editions/2026/aggregates"


def _by_key(response):
    assert response.status_code == 200, response.content
    return {row["question"]: row for row in response.json()["results"]}


def _counts(row):
    return {c["key"]: c["count"] for c in row["counts"]}


def test_the_directorate_counts_every_response_that_counts(client, as_):
    rows = _by_key(client.get(URL, {"page_size": 100}, headers=as_("admin")))
    settled = rows["expected_settled"]
    # 4204, 4210, 4211, 4601 count (4212 is in progress); 4211 answered "don't know".
    assert settled["responses"] == 4
    assert settled["answered"] == 4
    assert settled["not_answered"] == 0
    assert settled["numbers"] == {
        "n": 3,
        "sum": 60,
        "mean": 20,
        "median": 20,
        "minimum": 10,
        "maximum": 30,
    }
    assert _counts(settled) == {"dont_know": 1}
    assert _counts(rows["has_plan"]) == {"yes": 3, "no": 1, "dont_know": 0}
    plan_yes = next(c for c in rows["has_plan"]["counts"] if c["key"] == "yes")
    assert plan_yes["percent"] == 75
    assert _counts(rows["unit"])["nav"] == 2
    unanswered = rows["plan_year"]
    assert (unanswered["answered"], unanswered["not_answered"]) == (0, 4)
    assert unanswered["numbers"]["sum"] is None


def test_a_municipalitys_client_counts_only_its_own_answers(client, as_):
    rows = _by_key(client.get(URL, {"question": "expected_settled"}, headers=as_("viewer_a")))
    assert list(rows) == ["expected_settled"]
    assert rows["expected_settled"]["numbers"]["sum"] == 10
    assert rows["expected_settled"]["responses"] == 1
    response = client.get(URL, {"organisation": "4601"}, headers=as_("viewer_a"))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_regional_adviser_counts_their_region(client, as_):
    rows = _by_key(client.get(URL, {"question": "expected_settled"}, headers=as_("adviser_a")))
    assert rows["expected_settled"]["numbers"]["sum"] == 30  # 4204 + 4210; 4211 don't know
    assert rows["expected_settled"]["responses"] == 3


def test_filters_by_region_status_and_organisation(client, as_):
    get = lambda **q: _by_key(  # noqa: E731
        client.get(URL, {"question": "expected_settled", **q}, headers=as_("admin"))
    )["expected_settled"]
    assert get(region="vest")["numbers"]["sum"] == 30
    assert get(status="approved")["numbers"]["sum"] == 20
    assert get(organisation="4204")["numbers"]["sum"] == 10


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"status": "in_progress"}, "status"),
        ({"region": "nord"}, "region"),
        ({"question": "no_such"}, "question"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client, as_, query, parameter):
    response = client.get(URL, query, headers=as_("admin"))
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_an_unknown_edition_is_404_and_an_officer_is_403(client, as_):
    assert (
        client.get("/api/v1/survey-editions/1999/aggregates", headers=as_("admin")).status_code
        == 404
    )
    assert client.get(URL, headers=as_("officer")).status_code == 403


def test_pages_follow_the_questionnaires_order(client, as_):
    first = client.get(URL, {"page_size": 2}, headers=as_("admin")).json()
    second = client.get(first["next"], headers=as_("admin")).json()
    everything = client.get(URL, {"page_size": 100}, headers=as_("admin")).json()
    positions = [r["position"] for r in everything["results"]]
    assert positions == sorted(positions)
    assert [r["question"] for r in first["results"] + second["results"]] == [
        r["question"] for r in everything["results"][:4]
    ]
    assert first["count"] == everything["count"] == len(everything["results"])


def test_the_number_of_queries_does_not_grow_with_questions(client, as_, django_assert_num_queries):
    headers = as_("admin")
    client.get(URL, headers=headers)  # the client's first call loads its signing keys
    with django_assert_num_queries(7) as captured:
        response = client.get(URL, {"page_size": 2}, headers=headers)
    assert response.status_code == 200
    with django_assert_num_queries(len(captured.captured_queries)):
        assert len(client.get(URL, {"page_size": 100}, headers=headers).json()["results"]) > 2
