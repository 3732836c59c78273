"""Error pages: the portal's own page, never a traceback; 503 when the database is away."""

import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_the_database_being_away_is_a_503_with_the_error_page(client, cast, monkeypatch):
    import portal.views

    def away(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    client.force_login(cast.editor_a)
    monkeypatch.setattr(portal.views, "memberships_of", away)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Noe gikk galt" in body and "Traceback" not in body and "5432" not in body


@pytest.mark.django_db
def test_any_other_error_is_a_500_with_the_same_page(client, cast, monkeypatch):
    import portal.views

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    client.force_login(cast.editor_a)
    monkeypatch.setattr(portal.views, "memberships_of", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500 and not response.has_header("Retry-After")
    assert "Noe gikk galt" in response.content.decode()
