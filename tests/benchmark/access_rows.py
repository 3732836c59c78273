"""The benchmark URL patterns × the standard cast, in the format of MATRIX in
tests/accounts/test_access_matrix.py (name: (method, kwargs builder, {cast member: expected})).

A report is read and requested with Perm.VIEW: the organisation's members (any role), the
regional adviser of its region, settlement officers and admins; another organisation's report
answers 404. Peer settings and batches are the IMDi admins' alone.
"""

from tests.conftest import CAST_NAMES

LOGIN = "login-redirect"  # the same marker as in test_access_matrix

VIEW_A = {
    "anonymous": LOGIN,
    "editor_a": 200,
    "viewer_a": 200,
    "signatory_a": 200,
    "editor_b": 404,
    "adviser_a": 200,
    "adviser_other": 404,
    "officer": 200,
    "admin": 200,
}
ADMIN = {
    "anonymous": LOGIN,
    **dict.fromkeys(
        [
            "editor_a",
            "viewer_a",
            "signatory_a",
            "editor_b",
            "adviser_a",
            "adviser_other",
            "officer",
        ],
        403,
    ),
    "admin": 200,
}
ONLY_POST = {**dict.fromkeys(CAST_NAMES, 405), "anonymous": LOGIN}


def _report(cast, status="ready"):
    from portal.benchmark.models import BenchmarkReport

    report, _ = BenchmarkReport.objects.get_or_create(
        identifier=f"4204-2026-nb-{status}",
        defaults={
            "municipality": cast.a,
            "year": 2026,
            "language": "nb",
            "inputs_hash": status,
            "status": status,
            "pdf": b"%PDF-1.7 matrix",
            "csv": "report\r\n",
        },
    )
    return {"number": cast.a.number, "identifier": report.identifier}


def _batch(cast):
    from portal.benchmark.models import ReportBatch

    batch = ReportBatch.objects.first() or ReportBatch.objects.create(year=2026, inputs_hash="x")
    return {"batch_id": batch.pk}


BENCHMARK_MATRIX = {
    "benchmark:home": ("get", lambda c: {"number": c.a.number}, VIEW_A),
    "benchmark:report": ("get", lambda c: _report(c, "pending"), VIEW_A),
    "benchmark:report_status": ("get", _report, VIEW_A),
    "benchmark:report_pdf": ("get", _report, VIEW_A),
    "benchmark:report_csv": ("get", _report, VIEW_A),
    "benchmark:admin": ("get", None, ADMIN),
    "benchmark:batch_start": ("post", None, {**ADMIN, "admin": 302}),
    "benchmark:batch": ("get", _batch, ADMIN),
    "benchmark:batch_status": ("get", _batch, ADMIN),
    "benchmark:batch_resume": ("post", _batch, {**ADMIN, "admin": 302}),
}

BENCHMARK_GET_ONLY_CHECKS = {
    "benchmark:batch_start": ONLY_POST,
    "benchmark:batch_resume": ONLY_POST,
}
