"""Log in with user name or e-mail, password reset without user enumeration."""

import pytest
from django.core import mail

from tests.conftest import PASSWORD


def test_login_with_username_or_email(client, cast):
    response = client.post("/konto/login/", {"username": "editor_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    client.logout()
    response = client.post(
        "/konto/login/", {"username": "EDITOR_A@example.no", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_failed_login_says_the_same_for_unknown_user_and_wrong_password(client, cast):
    wrong_password = client.post("/konto/login/", {"username": "editor_a", "password": "nope"})
    unknown_user = client.post("/konto/login/", {"username": "nobody", "password": "nope"})
    assert wrong_password.status_code == unknown_user.status_code == 200
    errors = [
        wrong_password.context["form"].non_field_errors(),
        unknown_user.context["form"].non_field_errors(),
    ]
    assert errors[0] == errors[1] and errors[0]


def test_inactive_user_cannot_log_in(client, cast):
    cast.editor_a.is_active = False
    cast.editor_a.save()
    response = client.post("/konto/login/", {"username": "editor_a", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("email", ["editor_a@example.no", "nobody@example.no"])
def test_password_reset_answers_the_same_whether_or_not_the_address_exists(client, cast, email):
    response = client.post("/konto/password-reset/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/konto/password-reset/sent/"
    assert len(mail.outbox) == (1 if email.startswith("editor_a") else 0)


def test_password_reset_link_sets_a_new_password(client, cast):
    client.post("/konto/password-reset/", {"email": "editor_a@example.no"})
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/konto/password-reset/" in line).strip()
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    new = "a-much-longer-Passphrase-2025"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    cast.editor_a.refresh_from_db()
    assert cast.editor_a.check_password(new)


def test_weak_password_is_refused_on_reset(client, cast):
    client.post("/konto/password-reset/", {"email": "editor_a@example.no"})
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/konto/password-reset/" in line
    ).strip()
    response = client.get(link.split("testserver", 1)[1], follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_logout_is_post(client, cast):
    client.force_login(cast.editor_a)
    assert client.post("/konto/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_language_switch_is_remembered_for_the_user(client, cast):
    client.force_login(cast.editor_a)
    response = client.post("/konto/language/", {"language": "nn", "next": "/"})
    assert response.status_code == 302
    cast.editor_a.refresh_from_db()
    assert cast.editor_a.language == "nn"
    response = client.get("/")
    assert '<html lang="nn">' in response.content.decode()


def test_security_headers(client, cast):
    client.force_login(cast.editor_a)
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
