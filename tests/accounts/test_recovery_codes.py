"""One-use recovery codes (django-otp's static device) for directorate staff who lost the phone."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import services
from portal.accounts.selectors import recovery_codes_remaining
from portal.core.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

VERIFY = "accounts:two_factor_verify"
RECOVERY = "accounts:two_factor_recovery"
CODES = "accounts:two_factor_recovery_codes"
NEW = "accounts:two_factor_recovery_codes_new"


@pytest.fixture
def officer(cast):
    """A settlement officer with the app set up and a set of codes, after the password only."""
    TOTPDevice.objects.create(user=cast.officer, name="app", confirmed=True)
    return cast.officer


def _password_only(user) -> Client:
    client = Client()
    client.force_login(user, second_factor=False)
    return client


def _error_codes(response):
    return [e.code for e in response.context["form"].errors.as_data()["code"]]


def test_codes_are_ten_readable_distinct_codes_stored_as_django_otp_stores_them(officer):
    codes = services.recovery_codes_create(user=officer)
    assert len(codes) == len(set(codes)) == 10
    for code in codes:
        first, second = code.split("-")
        assert len(first) == len(second) == 5
        assert set(first + second) <= set(services.RECOVERY_CODE_ALPHABET)
    stored = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert stored == {code.replace("-", "") for code in codes}
    assert StaticDevice.objects.get(user=officer).confirmed


def test_a_recovery_code_logs_in_once(
    client, officer, mailoutbox, django_capture_on_commit_callbacks
):
    officer.email = "officer@imdi.example"
    officer.save()
    codes = services.recovery_codes_create(user=officer)
    client.force_login(officer, second_factor=False)
    # The code page links to the recovery-code page.
    verify = client.get(reverse(VERIFY) + "?next=/direktoratet/kommuner/")
    assert reverse(RECOVERY) + "?next=/direktoratet/kommuner/" in verify.content.decode()
    # Typed in capitals with a space instead of the dash: still the code.
    typed = codes[0].upper().replace("-", " ")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(RECOVERY), {"code": typed, "next": "/direktoratet/kommuner/"}
        )
    assert response.status_code == 302 and response["Location"] == "/direktoratet/kommuner/"
    assert client.get("/direktoratet/kommuner/").status_code == 200
    assert recovery_codes_remaining(officer) == 9
    entry = AuditEntry.objects.get(action="two_factor.recovery_code_used", object_id=officer.pk)
    assert entry.actor == officer and entry.changes == {"recovery_codes": [10, 9]}
    assert [m.to for m in mailoutbox] == [["officer@imdi.example"]]
    with translation.override(officer.language):
        assert mailoutbox[0].subject == _("A recovery code was used to log in to your account")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("9" in m for m in messages)

    # The same code a second time: refused with a clear message, and not let in.
    again = _password_only(officer)
    refused = again.post(reverse(RECOVERY), {"code": codes[0]})
    assert refused.status_code == 200 and _error_codes(refused) == ["wrong"]
    assert again.get(reverse("home")).status_code == 302
    assert recovery_codes_remaining(officer) == 9


@pytest.mark.parametrize("typed", ["", "abcde", "abcde-fghjk-m", "abcde-fghj0", "æøåæø-æøåæø"])
def test_something_that_is_not_a_recovery_code_is_explained_and_not_counted(officer, typed):
    services.recovery_codes_create(user=officer)
    client = _password_only(officer)
    response = client.post(reverse(RECOVERY), {"code": typed})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert StaticDevice.objects.get(user=officer).throttling_failure_count == 0


def test_a_wrong_code_is_refused_and_makes_the_next_try_wait(officer):
    codes = services.recovery_codes_create(user=officer)
    client = _password_only(officer)
    wrong = "zzzzz-zzzzz" if "zzzzz-zzzzz" not in codes else "yyyyy-yyyyy"
    first = client.post(reverse(RECOVERY), {"code": wrong})
    assert _error_codes(first) == ["wrong"]
    # Straight after, even a right code waits, with the wait in seconds; nothing is used up.
    waiting = client.post(reverse(RECOVERY), {"code": codes[1]})
    assert _error_codes(waiting) == ["wait"]
    assert recovery_codes_remaining(officer) == 10
    device = StaticDevice.objects.get(user=officer)
    assert device.throttling_failure_count == 1
    device.throttling_failure_timestamp -= dt.timedelta(seconds=5)
    device.save()
    assert client.post(reverse(RECOVERY), {"code": codes[1]}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_the_wait_stays_at_minutes_after_many_wrong_codes(officer):
    codes = services.recovery_codes_create(user=officer)
    StaticDevice.objects.filter(user=officer).update(
        throttling_failure_count=40,
        throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=5),
    )
    device = StaticDevice.objects.get(user=officer)
    assert services.recovery_code_verify(user=officer, device=device, token=codes[0]).ok


def test_two_tries_with_the_same_code_let_one_in(officer):
    codes = services.recovery_codes_create(user=officer)
    first = StaticDevice.objects.get(user=officer)
    second = StaticDevice.objects.get(user=officer)
    assert services.recovery_code_verify(user=officer, device=first, token=codes[0]).ok
    assert not services.recovery_code_verify(user=officer, device=second, token=codes[0]).ok


def test_someone_elses_device_is_refused(officer, cast):
    from django.core.exceptions import PermissionDenied

    codes = services.recovery_codes_create(user=officer)
    device = StaticDevice.objects.get(user=officer)
    with pytest.raises(PermissionDenied):
        services.recovery_code_verify(user=cast.admin, device=device, token=codes[0])


def test_a_new_set_replaces_the_old_one_and_is_logged(client, officer):
    old = services.recovery_codes_create(user=officer)
    client.force_login(officer)
    made = client.post(reverse(NEW))
    assert made.status_code == 302 and made["Location"] == reverse(CODES)
    page = client.get(made["Location"])
    new = page.context["new_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert page["Cache-Control"].count("no-store")
    for code in new:
        assert code in page.content.decode()
    # Shown once: a reload shows the count, not the codes.
    reload = client.get(reverse(CODES))
    assert reload.context["new_codes"] is None and new[0] not in reload.content.decode()
    assert reload.context["remaining"] == 10
    assert StaticDevice.objects.filter(user=officer).count() == 1
    entries = AuditEntry.objects.filter(
        action="two_factor.recovery_codes_created", object_id=officer.pk
    ).order_by("pk")
    assert [e.changes for e in entries] == [
        {"recovery_codes": [0, 10]},
        {"recovery_codes": [10, 10]},
    ]
    # The old codes no longer let anyone in; the new ones do.
    other = _password_only(officer)
    assert _error_codes(other.post(reverse(RECOVERY), {"code": old[0]})) == ["wrong"]
    StaticDevice.objects.filter(user=officer).update(throttling_failure_count=0)
    assert other.post(reverse(RECOVERY), {"code": new[0]}).status_code == 302


def test_the_two_factor_page_says_how_many_codes_remain_and_warns_when_few(client, officer):
    codes = services.recovery_codes_create(user=officer)
    device = StaticDevice.objects.get(user=officer)
    for code in codes[:7]:
        assert services.recovery_code_verify(user=officer, device=device, token=code).ok
    client.force_login(officer)
    page = client.get(reverse(CODES))
    assert page.context["remaining"] == 3
    text = page.content.decode()
    count = re.search(r'<p id="recovery-count">([^<]*)</p>', text)
    assert count and re.findall(r"\d+", count.group(1)) == ["3"]
    assert "alert-warning" in text
    # The menu leads there.
    assert reverse(CODES) in client.get(reverse("home")).content.decode()


def test_logging_in_with_one_of_the_last_codes_leads_to_making_a_new_set(officer):
    codes = services.recovery_codes_create(user=officer)
    device = StaticDevice.objects.get(user=officer)
    for code in codes[:7]:
        services.recovery_code_verify(user=officer, device=device, token=code)
    client = _password_only(officer)
    response = client.post(reverse(RECOVERY), {"code": codes[7], "next": "/direktoratet/kommuner/"})
    assert response["Location"] == reverse(CODES) + "?next=%2Fdirektoratet%2Fkommuner%2F"
    page = client.get(response["Location"])
    assert page.context["remaining"] == 2 and page.context["next"] == "/direktoratet/kommuner/"
    assert any(m.level_tag == "warning" for m in page.context["messages"])


def test_without_codes_the_page_says_to_ask_an_administrator(officer):
    client = _password_only(officer)
    response = client.get(reverse(RECOVERY))
    assert response.status_code == 200 and response.context["form"] is None
    assert 'name="code"' not in response.content.decode()
    # A POST without codes lets nobody in.
    assert client.post(reverse(RECOVERY), {"code": "abcde-fghjk"}).status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_the_middleware_lets_a_recovery_code_login_through(officer):
    codes = services.recovery_codes_create(user=officer)
    client = _password_only(officer)
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse(VERIFY))
    assert client.get(reverse(RECOVERY)).status_code == 200  # open before the second factor
    before = client.session.session_key
    client.post(reverse(RECOVERY), {"code": codes[0]})
    assert client.session.session_key != before
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/direktoratet/kommuner/").status_code == 200


def test_before_the_second_factor_no_new_set_can_be_made(officer):
    client = _password_only(officer)
    assert client.get(reverse(CODES))["Location"].startswith(reverse(VERIFY))
    assert client.post(reverse(NEW))["Location"].startswith(reverse(VERIFY))
    assert not StaticDevice.objects.filter(user=officer).exists()


def test_municipal_staff_have_no_recovery_codes(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.recovery_codes_create(user=cast.editor_a)
    assert not StaticDevice.objects.filter(user=cast.editor_a).exists()


def test_an_administrators_reset_removes_the_codes_too(client, cast, officer):
    codes = services.recovery_codes_create(user=officer)
    # A session that logged in with a recovery code is no longer logged in all the way.
    session = _password_only(officer)
    session.post(reverse(RECOVERY), {"code": codes[0]})
    assert session.get(reverse("home")).status_code == 200
    client.force_login(cast.admin)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [officer.pk]},
    )
    assert not StaticDevice.objects.filter(user=officer).exists()
    assert not StaticToken.objects.filter(device__user=officer).exists()
    entry = AuditEntry.objects.get(action="two_factor.reset", object_id=officer.pk)
    assert entry.changes == {"devices": [1, 0], "recovery_codes": [9, 0]}
    assert session.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_the_admin_never_shows_anyones_recovery_codes(client, cast):
    client.force_login(cast.admin)
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert client.get("/admin/otp_static/statictoken/").status_code == 404
