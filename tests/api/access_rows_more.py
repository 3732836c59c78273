"""Rows of the access matrix for the aggregates, housing-profile and benchmark-report endpoints
(format as in tests/api/access_rows.py; merged into MATRIX in tests/accounts/test_access_matrix.py)."""

from tests.api.access_rows import READS_SURVEYS, SEES_A, TOKEN_200


def _a(cast):
    return {"number": cast.a.number}


def _edition(cast):
    from tests.accounts.test_access_matrix import _open_edition

    return {"year": _open_edition().year}


def _ready_report(cast):
    from portal.benchmark.models import BenchmarkReport

    report, _ = BenchmarkReport.objects.get_or_create(
        identifier="4204-2026-nb-api-matrix",
        defaults={
            "municipality": cast.a,
            "year": 2026,
            "language": "nb",
            "inputs_hash": "api-matrix",
            "status": "ready",
            "pdf": b"%PDF-1.7 matrix",
        },
    )
    return {"number": cast.a.number, "identifier": report.identifier}


API_MATRIX_MORE = {
    "api:edition_aggregates": ("get", _edition, READS_SURVEYS),
    "api:housing_profile_list": ("get", None, TOKEN_200),
    "api:housing_profile_detail": ("get", _a, SEES_A),
    "api:benchmark_report_list": ("get", None, TOKEN_200),
    "api:benchmark_report_pdf": ("get", _ready_report, SEES_A),
}
