"""Checks of the portal's own settings and environment: deployment checks (``check --deploy``),
and one that runs with every command."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def benchmark_endpoints_off(app_configs, **kwargs):
    if settings.BENCH_ENDPOINTS:
        return [
            Error(
                "BENCH_ENDPOINTS is on: the benchmark's floor view writes answers without access checks.",
                hint="Unset BENCH_ENDPOINTS outside benchmark runs.",
                id="portal.E001",
            )
        ]
    return []


@register(Tags.security)
def workbooks_read_through_defusedxml(app_configs, **kwargs):
    """openpyxl refuses XML entity declarations in an uploaded workbook only through defusedxml."""
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        return [
            Error(
                "openpyxl does not read workbooks through defusedxml: an uploaded .xlsx could expand XML entities.",
                hint="Install the locked requirements (defusedxml) and leave OPENPYXL_DEFUSEDXML unset.",
                id="portal.E002",
            )
        ]
    return []
