"""Deployment checks of the portal's own settings (run by ``check --deploy``)."""

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
