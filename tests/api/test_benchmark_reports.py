"""Benchmark reports: the stored reports' metadata scoped to what the client may see, filtered
and paginated; the PDF of a ready report, 404 for another organisation's, 409 for one not ready."""

import pytest

pytestmark = pytest.mark.usefixtures("more_data")

LIST = "/api/v1/benchmark-reports"


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["identifier"] for row in response.json()["results"]]


def test_a_municipalitys_client_sees_its_own_reports(client, as_):
    rows = client.get(LIST, headers=as_("viewer_a")).json()["results"]
    assert {r["organisation"] for r in rows} == {"4204"}
    assert {r["status"] for r in rows} == {"ready", "running", "failed"}
    ready = next(r for r in rows if r["status"] == "ready")
    assert ready["year"] == 2026
    assert ready["language"] == "nb"
    assert ready["requested_at"]
    assert ready["pdf"].endswith(
        "/api/v1/organisations/4204/benchmark-reports/4204-2026-nb-api-ready/pdf"
    )
    assert all(r["pdf"] is None for r in rows if r["status"] != "ready")
    response = client.get(LIST, {"organisation": "4601"}, headers=as_("viewer_a"))
    assert response.status_code == 404


def test_the_directorate_sees_every_report_and_filters(client, as_):
    assert len(_ids(client.get(LIST, headers=as_("admin")))) == 5
    assert _ids(client.get(LIST, {"status": "ready", "region": "vest"}, headers=as_("admin"))) == [
        "4601-2026-nb-api-ready"
    ]
    assert _ids(client.get(LIST, {"organisation": "4210"}, headers=as_("admin"))) == [
        "4210-2026-nb-api-pending"
    ]
    assert _ids(client.get(LIST, {"year": 2025}, headers=as_("admin"))) == []
    assert _ids(client.get(LIST, {"language": "en"}, headers=as_("admin"))) == []
    assert len(_ids(client.get(LIST, headers=as_("adviser_a")))) == 4


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"status": "done"}, "status"),
        ({"language": "de"}, "language"),
        ({"year": "last"}, "year"),
        ({"region": "nord"}, "region"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client, as_, query, parameter):
    response = client.get(LIST, query, headers=as_("admin"))
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_pages_are_newest_first_in_a_stable_order(client, as_):
    everything = _ids(client.get(LIST, headers=as_("admin")))
    first = client.get(LIST, {"page_size": 3}, headers=as_("admin")).json()
    second = client.get(first["next"], headers=as_("admin")).json()
    assert [r["identifier"] for r in first["results"] + second["results"]] == everything
    assert second["next"] is None


def test_the_pdf_of_a_ready_report(client, as_):
    url = "/api/v1/organisations/4204/benchmark-reports/4204-2026-nb-api-ready/pdf"
    response = client.get(url, headers=as_("viewer_a"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-1.7")
    assert 'filename="4204-2026-nb-api-ready.pdf"' in response["Content-Disposition"]
    assert client.get(url, headers=as_("admin")).status_code == 200


def test_another_organisations_pdf_is_404(client, as_):
    url = "/api/v1/organisations/4601/benchmark-reports/4601-2026-nb-api-ready/pdf"
    assert client.get(url, headers=as_("viewer_a")).status_code == 404
    # Another organisation's identifier under one's own number is not found either.
    url = "/api/v1/organisations/4204/benchmark-reports/4601-2026-nb-api-ready/pdf"
    response = client.get(url, headers=as_("viewer_a"))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("status", ["running", "failed"])
def test_a_report_not_ready_is_409(client, as_, status):
    url = f"/api/v1/organisations/4204/benchmark-reports/4204-2026-nb-api-{status}/pdf"
    response = client.get(url, headers=as_("viewer_a"))
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "not_ready"
    assert body["report_status"] == status
    assert "not ready" in body["detail"]


def test_the_number_of_queries_does_not_grow_with_reports(client, as_, django_assert_num_queries):
    headers = as_("admin")
    client.get(LIST, headers=headers)
    with django_assert_num_queries(3):  # the client, the count, the page with its organisations
        assert len(_ids(client.get(LIST, {"page_size": 1}, headers=headers))) == 1
    with django_assert_num_queries(3):
        assert len(_ids(client.get(LIST, headers=headers))) == 5
