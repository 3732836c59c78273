"""Directorate staff log in with a password and a code from an authenticator app (TOTP)."""

import time

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import services
from portal.accounts.middleware import OPEN_BEFORE_SECOND_FACTOR
from portal.core.audit.models import AuditEntry
from tests.accounts.test_access_matrix import MATRIX
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

DIRECTORATE = ["adviser_a", "officer", "admin"]


def _code(device, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def _password_login(client, user, next_url=""):
    user.set_password(PASSWORD)
    user.save()
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.username, "password": PASSWORD})


def _follow(client, response):
    while response.status_code == 302:
        response = client.get(response["Location"])
    return response


def test_first_login_sets_up_the_app_then_lands_where_asked(client, cast):
    response = _follow(
        client, _password_login(client, cast.adviser_a, next_url="/direktoratet/undersokelser/")
    )
    assert response.request["PATH_INFO"] == reverse("accounts:two_factor_setup")
    page = response.content.decode()
    assert 'src="data:image/svg+xml' in page  # the QR code, allowed by the CSP (img-src data:)
    device = TOTPDevice.objects.get(user=cast.adviser_a)
    assert not device.confirmed
    # The key written out for typing by hand is the device's key.
    secret = "".join(response.context["secret_groups"])
    assert TOTP(__import__("base64").b32decode(secret)).token() == TOTP(device.bin_key).token()
    # A reload shows the same key: a code from the app just scanned still works.
    again = client.get(reverse("accounts:two_factor_setup"))
    assert again.context["secret_groups"] == response.context["secret_groups"]

    wrong = client.post(
        reverse("accounts:two_factor_setup"),
        {"code": "000000", "next": "/direktoratet/undersokelser/"},
    )
    if _code(device) == "000000":  # one chance in a million
        pytest.skip("the right code happened to be 000000")
    assert wrong.status_code == 200
    assert [e.code for e in wrong.context["form"].errors.as_data()["code"]] == ["wrong"]
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()

    done = client.post(
        reverse("accounts:two_factor_setup"),
        {"code": _code(device), "next": "/direktoratet/undersokelser/"},
    )
    # Next, the recovery codes, shown once, then on to the page asked for.
    assert done.status_code == 302
    assert done["Location"] == (
        reverse("accounts:two_factor_recovery_codes") + "?next=%2Fdirektoratet%2Fundersokelser%2F"
    )
    codes_page = client.get(done["Location"])
    assert len(codes_page.context["new_codes"]) == 10
    assert 'href="/direktoratet/undersokelser/"' in codes_page.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="two_factor.enrolled", object_id=cast.adviser_a.pk)
    assert client.get(reverse("home")).status_code == 200


def test_next_login_asks_for_a_fresh_code_and_refuses_a_used_one(client, cast):
    device = TOTPDevice.objects.create(user=cast.officer, name="app", confirmed=True)
    response = _password_login(client, cast.officer)
    response = _follow(client, response)
    assert response.request["PATH_INFO"] == reverse("accounts:two_factor_verify")

    code = _code(device)
    ok = client.post(reverse("accounts:two_factor_verify"), {"code": code})
    assert ok.status_code == 302 and ok["Location"] == reverse("home")
    client.post(reverse("accounts:logout"))

    _password_login(client, cast.officer)
    replay = client.post(reverse("accounts:two_factor_verify"), {"code": code})
    assert [e.code for e in replay.context["form"].errors.as_data()["code"]] == ["wrong"]
    assert client.get(reverse("home")).status_code == 302  # still not in
    device.refresh_from_db()
    device.throttle_reset()
    # The app's next code (within the tolerated drift of one step) lets the person in.
    assert (
        client.post(reverse("accounts:two_factor_verify"), {"code": _code(device, 1)}).status_code
        == 302
    )
    assert client.get(reverse("home")).status_code == 200


def test_guessing_codes_makes_the_person_wait_longer_each_time(client, cast):
    device = TOTPDevice.objects.create(user=cast.admin, name="app", confirmed=True)
    _password_login(client, cast.admin)
    right = _code(device)
    wrong = "111111" if right != "111111" else "222222"
    client.post(reverse("accounts:two_factor_verify"), {"code": wrong})
    # Straight after a wrong code, even the right one is refused, with the wait in seconds.
    refused = client.post(reverse("accounts:two_factor_verify"), {"code": right})
    assert [e.code for e in refused.context["form"].errors.as_data()["code"]] == ["wait"]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Once the wait is over, the right code works.
    device.throttling_failure_timestamp -= __import__("datetime").timedelta(seconds=5)
    device.save()
    assert client.post(reverse("accounts:two_factor_verify"), {"code": right}).status_code == 302


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_a_code_that_is_not_six_digits_is_explained_and_not_counted(client, cast, typed):
    device = TOTPDevice.objects.create(user=cast.admin, name="app", confirmed=True)
    client.force_login(cast.admin, second_factor=False)
    response = client.post(reverse("accounts:two_factor_verify"), {"code": typed})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_spaces_in_the_code_are_ignored(client, cast):
    device = TOTPDevice.objects.create(user=cast.admin, name="app", confirmed=True)
    client.force_login(cast.admin, second_factor=False)
    code = _code(device)
    response = client.post(
        reverse("accounts:two_factor_verify"), {"code": f" {code[:3]} {code[3:]} "}
    )
    assert response.status_code == 302


def test_municipal_staff_are_not_asked_for_a_code(client, cast):
    response = _password_login(client, cast.editor_a)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert not TOTPDevice.objects.filter(user=cast.editor_a).exists()


def test_a_next_address_on_another_site_is_ignored(client, cast):
    device = TOTPDevice.objects.create(user=cast.admin, name="app", confirmed=True)
    client.force_login(cast.admin, second_factor=False)
    response = client.post(
        reverse("accounts:two_factor_verify"),
        {"code": _code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def _url_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                yield from _url_names(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


@pytest.mark.parametrize("has_app", [False, True], ids=["no-app-yet", "app-set-up"])
@pytest.mark.parametrize("who", DIRECTORATE)
def test_before_the_code_directorate_staff_reach_nothing_else(client, cast, who, has_app):
    """Every page of the matrix, with the password given but not yet the code."""
    user = cast.member(who)
    if has_app:
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    setup = reverse("accounts:two_factor_verify" if has_app else "accounts:two_factor_setup")
    for name in sorted(set(_url_names()) - OPEN_BEFORE_SECOND_FACTOR):
        method, build_kwargs, _expected = MATRIX[name]
        client.force_login(user, second_factor=False)
        url = reverse(name, kwargs=build_kwargs(cast) if build_kwargs else None)
        response = getattr(client, method)(url)
        if name.startswith("api:"):
            # The API for systems never reads the session: its document and docs are open,
            # the rest answers 401 without a token (the bare root 404), never the code page.
            assert response.status_code in (200, 401, 404), (name, response.status_code)
            assert "Location" not in response, name
            continue
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith(setup), (name, response["Location"])
    admin_site = client.get("/admin/")
    assert admin_site.status_code == 302 and admin_site["Location"].startswith(setup)


def test_an_autosave_or_other_script_call_gets_a_json_answer(client, cast):
    client.force_login(cast.admin, second_factor=False)
    response = client.get(reverse("home"), HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert response.json()["url"].startswith(reverse("accounts:two_factor_setup"))
    assert response.json()["status"] == "refused" and response.json()["message"]


def test_setup_is_not_offered_again_once_the_app_is_connected(client, cast):
    TOTPDevice.objects.create(user=cast.admin, name="app", confirmed=True)
    client.force_login(cast.admin, second_factor=False)
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=cast.admin).count() == 1


def test_an_administrator_resets_a_lost_phone_and_it_is_logged(client, cast):
    TOTPDevice.objects.create(user=cast.adviser_a, name="app", confirmed=True)
    client.force_login(cast.admin)
    changelist = reverse("admin:accounts_user_changelist")
    response = client.post(
        changelist, {"action": "reset_two_factor", "_selected_action": [cast.adviser_a.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.adviser_a).exists()
    entry = AuditEntry.objects.get(action="two_factor.reset", object_id=cast.adviser_a.pk)
    assert entry.actor == cast.admin
    # At the next log-in the adviser sets up the app again.
    client.force_login(cast.adviser_a, second_factor=False)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_only_administrators_may_reset(cast):
    from django.core.exceptions import PermissionDenied

    TOTPDevice.objects.create(user=cast.officer, name="app", confirmed=True)
    with pytest.raises(PermissionDenied):
        services.two_factor_reset(actor=cast.adviser_a, user=cast.officer)
    assert TOTPDevice.objects.filter(user=cast.officer).exists()


def test_the_admin_never_shows_anyones_key(client, cast):
    client.force_login(cast.admin)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_demo_directorate_users_have_the_published_demo_key(settings, capsys):
    from portal.accounts.demo import ensure_demo_users

    settings.DEBUG = True
    call_command("load_demo")
    ensure_demo_users()  # idempotent: still one device each
    devices = TOTPDevice.objects.filter(user__username__in=["imdi-admin", "imdi-sor", "bosetter"])
    assert devices.count() == 3 and all(d.confirmed for d in devices)
    assert not TOTPDevice.objects.filter(user__username="kristiansand-editor").exists()
    capsys.readouterr()
    call_command("demo_totp_code")
    printed = capsys.readouterr().out.split()[0]
    assert printed == _code(devices[0])


def test_a_key_seen_by_someone_else_stops_working_when_the_person_sets_up(client, cast):
    """Someone with only the password opens the set-up page and copies the key; when the
    person opens it themselves, they get a new key and the copied one is worth nothing."""
    from django.test import Client

    intruder = Client()
    intruder.force_login(cast.officer, second_factor=False)
    copied = "".join(intruder.get(reverse("accounts:two_factor_setup")).context["secret_groups"])
    client.force_login(cast.officer, second_factor=False)
    own = client.get(reverse("accounts:two_factor_setup")).context["secret_groups"]
    assert "".join(own) != copied
    assert TOTPDevice.objects.filter(user=cast.officer).count() == 1
    # The intruder's code from the copied key confirms nothing.
    totp = TOTP(__import__("base64").b32decode(copied))
    totp.time = time.time()
    refused = intruder.post(reverse("accounts:two_factor_setup"), {"code": f"{totp.token():06d}"})
    assert refused.status_code == 200
    assert not TOTPDevice.objects.filter(user=cast.officer, confirmed=True).exists()


def test_two_tries_at_once_are_counted_one_after_the_other(cast):
    """Two requests with the same code at the same moment: one gets in, not both."""
    device = TOTPDevice.objects.create(user=cast.admin, name="app", confirmed=True)
    first, second = TOTPDevice.objects.get(pk=device.pk), TOTPDevice.objects.get(pk=device.pk)
    code = _code(device)
    assert services.totp_verify(user=cast.admin, device=first, token=code).ok
    assert not services.totp_verify(user=cast.admin, device=second, token=code).ok


def test_the_wait_after_wrong_codes_stops_growing(cast):
    """Thirty wrong codes do not lock the person out for years: the wait stays at minutes."""
    import datetime as dt

    from django.utils import timezone

    device = TOTPDevice.objects.create(
        user=cast.admin,
        name="app",
        confirmed=True,
        throttling_failure_count=30,
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=5),
    )
    assert services.totp_verify(user=cast.admin, device=device, token=_code(device)).ok


def test_a_wrong_code_is_logged_without_the_code(client, cast, caplog):
    device = TOTPDevice.objects.create(user=cast.admin, name="app", confirmed=True)
    wrong = "111111" if _code(device) != "111111" else "222222"
    with caplog.at_level("WARNING", logger="portal.accounts.services"):
        services.totp_verify(user=cast.admin, device=device, token=wrong)
    assert "wrong code for user" in caplog.text and wrong not in caplog.text


def test_the_session_gets_a_new_key_once_the_code_is_given(client, cast):
    device = TOTPDevice.objects.create(user=cast.admin, name="app", confirmed=True)
    client.force_login(cast.admin, second_factor=False)
    before = client.session.session_key
    client.post(reverse("accounts:two_factor_verify"), {"code": _code(device)})
    assert client.session.session_key != before
    assert client.get(reverse("home")).status_code == 200


def test_the_person_is_told_by_e_mail_when_the_app_is_set_up_or_reset(
    client, cast, mailoutbox, django_capture_on_commit_callbacks
):
    cast.officer.email = "officer@imdi.example"
    cast.officer.save()
    client.force_login(cast.officer, second_factor=False)
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=cast.officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:two_factor_setup"), {"code": _code(device)})
        services.two_factor_reset(actor=cast.admin, user=cast.officer)
    assert [m.to for m in mailoutbox] == [["officer@imdi.example"]] * 2
    assert "cast.officer" not in mailoutbox[0].body
    assert cast.officer.username in mailoutbox[0].body and "/konto/login/" in mailoutbox[0].body
    assert mailoutbox[0].subject != mailoutbox[1].subject
