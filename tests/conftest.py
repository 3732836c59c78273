"""The standard cast: who is who in every access test.

Municipality A (region Sør) and B (region Vest); an editor, viewer and signatory of A, an editor
of B, a regional adviser of A's region and one of another region, a settlement officer and an
IMDi admin.
"""

from dataclasses import dataclass

import pytest

from portal.accounts.models import DirectorateRole, User
from portal.municipalities.models import Municipality
from tests.factories import (
    CountyFactory,
    MembershipFactory,
    MunicipalityFactory,
    RegionFactory,
    UserFactory,
)
from tests.providers.fixtures import api_tokens, token_issuer  # noqa: F401 (the API's issuer)

PASSWORD = "correct horse battery staple"


@dataclass
class Cast:
    a: Municipality
    b: Municipality
    editor_a: User
    viewer_a: User
    signatory_a: User
    editor_b: User
    adviser_a: User
    adviser_other: User
    officer: User
    admin: User

    def member(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


CAST_NAMES = [
    "anonymous",
    "editor_a",
    "viewer_a",
    "signatory_a",
    "editor_b",
    "adviser_a",
    "adviser_other",
    "officer",
    "admin",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow by design; tests that create many users don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _directorate_logins_give_the_second_factor(monkeypatch):
    """``client.force_login(user)`` logs in all the way: for directorate staff that includes the
    code from the authenticator app (a confirmed device, verified in the session).
    ``force_login(user, second_factor=False)`` stops after the password, as a person does who
    has not yet given the code; tests/accounts/test_two_factor.py goes through the real pages."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.accounts.selectors import two_factor_required

    password_only = Client.force_login

    def force_login(self, user, backend=None, *, second_factor=True):
        password_only(self, user, backend)
        if second_factor and two_factor_required(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _own_throttle_counts(settings):
    """Each test counts failed logins and autosaves under its own prefix. (Not cache.clear():
    against Redis that would empty the database the Celery broker and other tests use too.)"""
    import uuid

    settings.THROTTLE_PREFIX = f"throttle-test-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def _tasks_run_in_process(request):
    """Tasks run in the test's own process, so their effects can be asserted right away.

    Tests marked ``real_worker`` keep the configured broker and start a worker process.
    """
    from portal.celery import app

    if request.node.get_closest_marker("real_worker"):
        yield
        return
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def cast(db) -> Cast:
    sor = RegionFactory(code="sor", name="IMDi Sør")
    vest = RegionFactory(code="vest", name="IMDi Vest")
    agder = CountyFactory(number="42", name="Agder")
    vestland = CountyFactory(number="46", name="Vestland")
    a = MunicipalityFactory(number="4204", name="Kristiansand", county=agder, region=sor)
    b = MunicipalityFactory(number="4601", name="Bergen", county=vestland, region=vest)
    return Cast(
        a=a,
        b=b,
        editor_a=MembershipFactory(
            user=UserFactory(username="editor_a"), municipality=a, role="editor"
        ).user,
        viewer_a=MembershipFactory(
            user=UserFactory(username="viewer_a"), municipality=a, role="viewer"
        ).user,
        signatory_a=MembershipFactory(
            user=UserFactory(username="signatory_a"), municipality=a, role="signatory"
        ).user,
        editor_b=MembershipFactory(
            user=UserFactory(username="editor_b"), municipality=b, role="editor"
        ).user,
        adviser_a=UserFactory(
            username="adviser_a", directorate_role=DirectorateRole.REGIONAL_ADVISER, region=sor
        ),
        adviser_other=UserFactory(
            username="adviser_other", directorate_role=DirectorateRole.REGIONAL_ADVISER, region=vest
        ),
        officer=UserFactory(
            username="officer", directorate_role=DirectorateRole.SETTLEMENT_OFFICER
        ),
        admin=UserFactory(
            username="admin",
            directorate_role=DirectorateRole.ADMIN,
            is_staff=True,
            is_superuser=True,
        ),
    )
