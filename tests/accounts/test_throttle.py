"""Password guessing is slowed down, with the same words whether or not the account exists."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def _login(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.django_db
def test_five_failures_lock_the_name_even_for_the_right_password(client, cast, settings):
    cast.editor_a.set_password(PASSWORD)
    cast.editor_a.save()
    for _ in range(settings.LOGIN_FAILURES_PER_NAME):
        response = _login(client, "editor_a", "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    locked = _login(client, "editor_a", PASSWORD)
    assert "_auth_user_id" not in client.session
    assert locked.context["form"].non_field_errors().as_data()[0].code == "locked"
    # Another name from another address still gets in.
    cast.viewer_a.set_password(PASSWORD)
    cast.viewer_a.save()
    _login(client, "viewer_a", PASSWORD, address="10.0.0.2")
    assert client.session["_auth_user_id"] == str(cast.viewer_a.pk)


@pytest.mark.django_db
def test_a_missing_account_is_locked_in_the_same_words(client, cast, settings):
    answers = {}
    for name in ("editor_a", "nobody-at-all"):
        for _ in range(settings.LOGIN_FAILURES_PER_NAME):
            _login(client, name, "wrong", address=f"10.1.0.{len(answers)}")
        response = _login(client, name, "wrong", address=f"10.1.0.{len(answers)}")
        answers[name] = [e.code for e in response.context["form"].non_field_errors().as_data()]
    assert answers["editor_a"] == answers["nobody-at-all"] == ["locked"]


@pytest.mark.django_db
def test_a_success_clears_the_count(client, cast, settings):
    cast.editor_a.set_password(PASSWORD)
    cast.editor_a.save()
    for _ in range(settings.LOGIN_FAILURES_PER_NAME - 1):
        _login(client, "editor_a", "wrong")
    _login(client, "editor_a", PASSWORD)
    assert client.session["_auth_user_id"] == str(cast.editor_a.pk)
    client.logout()
    for _ in range(settings.LOGIN_FAILURES_PER_NAME - 1):
        _login(client, "editor_a", "wrong")
    _login(client, "editor_a", PASSWORD)
    assert client.session["_auth_user_id"] == str(cast.editor_a.pk)


@pytest.mark.django_db
def test_one_address_guessing_many_names_is_locked(client, cast, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for i in range(4):
        _login(client, f"guess{i}", "wrong", address="10.9.9.9")
    cast.editor_a.set_password(PASSWORD)
    cast.editor_a.save()
    response = _login(client, "editor_a", PASSWORD, address="10.9.9.9")
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors().as_data()[0].code == "locked"


@pytest.mark.django_db
def test_logins_work_when_the_cache_is_down(client, cast, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "add", "incr", "set", "delete"):
        monkeypatch.setattr(cache, name, down)
    cast.editor_a.set_password(PASSWORD)
    cast.editor_a.save()
    _login(client, "editor_a", "wrong")
    _login(client, "editor_a", PASSWORD)
    assert client.session["_auth_user_id"] == str(cast.editor_a.pk)


@pytest.mark.django_db
def test_autosave_is_rate_limited_per_person(client, cast, settings):
    from tests.accounts.test_access_matrix import _survey

    settings.AUTOSAVE_PER_MINUTE = 3
    kwargs = _survey(cast)
    url = reverse("surveys:autosave", kwargs=kwargs)
    client.force_login(cast.editor_a)
    codes = [client.post(url, {"question": ""}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    refused = client.post(url, {"question": ""})
    assert refused.status_code == 429 and refused.json()["status"] == "refused"
    assert refused.json()["message"]
    # Another person is not slowed down by it.
    client.force_login(cast.signatory_a)
    assert client.post(url, {"question": ""}).status_code == 400


@pytest.mark.django_db
def test_guessing_is_still_limited_while_the_cache_is_down(client, cast, settings, monkeypatch):
    """Redis down: each web process counts in its own memory, so the name is still locked."""
    import logging

    from django.core.cache import cache

    from portal.accounts import throttle

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "add", "incr", "set", "delete"):
        monkeypatch.setattr(cache, name, down)
    monkeypatch.setattr(throttle, "_warned_at", [-throttle._WARN_EVERY])
    cast.editor_a.set_password(PASSWORD)
    cast.editor_a.save()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("portal.accounts.throttle").addHandler(handler)
    try:
        for _ in range(settings.LOGIN_FAILURES_PER_NAME):
            _login(client, "editor_a", "wrong")
        locked = _login(client, "editor_a", PASSWORD)
    finally:
        logging.getLogger("portal.accounts.throttle").removeHandler(handler)
    assert "_auth_user_id" not in client.session
    assert locked.context["form"].non_field_errors().as_data()[0].code == "locked"
    # Said once, not on every request.
    warnings = [r for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cache is unavailable" in warnings[0].getMessage()
    # Another name still gets in.
    cast.viewer_a.set_password(PASSWORD)
    cast.viewer_a.save()
    _login(client, "viewer_a", PASSWORD, address="10.0.0.2")
    assert client.session["_auth_user_id"] == str(cast.viewer_a.pk)


@pytest.mark.django_db
def test_autosave_works_when_the_cache_is_down(client, cast, monkeypatch):
    from django.core.cache import cache

    from tests.accounts.test_access_matrix import _survey

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "add", "incr", "set", "delete"):
        monkeypatch.setattr(cache, name, down)
    client.force_login(cast.editor_a)
    url = reverse("surveys:autosave", kwargs=_survey(cast))
    # The request gets through to the survey (which refuses an empty question in words).
    assert client.post(url, {"question": ""}).status_code == 400


@pytest.mark.django_db
def test_the_admin_site_logs_in_through_the_portal_and_its_lock_out(client, cast):
    """The admin site has no log-in form of its own that guessing could go around."""
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/konto/login/?next=/admin/accounts/user/"
    response = client.post("/admin/login/", {"username": "admin", "password": "guess"})
    assert response.status_code == 302 and "_auth_user_id" not in client.session
