"""Schemathesis against the OpenAPI document: every operation, with generated parameters, as a
municipality's client, another municipality's and the directorate's. No server error, and every
answer matches the document. Run with `make test-api` (marker ``api_fuzz``)."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.clients import headers_as

pytestmark = pytest.mark.api_fuzz

ROLES = ("viewer_a", "editor_b", "admin")


from portal.wsgi import application  # noqa: E402 (after the settings are loaded)

# Loading the document makes no database query.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def role_headers(cast, api_data, more_data, api_tokens):
    return {who: headers_as(cast, api_tokens, who) for who in ROLES}


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_matches_its_document(case, role_headers):
    for who in ROLES:
        # An edition, region or organisation that does not exist is schema-valid and answers
        # 400 naming the parameter, by design: that check is left out.
        case.call_and_validate(
            headers=role_headers[who], excluded_checks=[positive_data_acceptance]
        )
