import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _source_language():
    """These tests check the logic; labels are asserted in the source language (English)."""
    with translation.override("en"):
        yield
