from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DirectorateRole(models.TextChoices):
    NONE = "", _("None")
    ADMIN = "admin", _("Administrator")
    REGIONAL_ADVISER = "adviser", _("Regional adviser")
    SETTLEMENT_OFFICER = "settlement", _("Settlement officer")


class MunicipalRole(models.TextChoices):
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")
    SIGNATORY = "signatory", _("Signatory")


class User(AbstractUser):
    """A person. Municipal staff get their rights through memberships; directorate staff
    through ``directorate_role`` (a regional adviser also has a ``region``)."""

    email = models.EmailField(_("e-mail address"))
    directorate_role = models.CharField(
        _("directorate role"),
        max_length=20,
        choices=DirectorateRole.choices,
        blank=True,
        default="",
    )
    region = models.ForeignKey(
        "municipalities.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="advisers",
        verbose_name=_("region"),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(directorate_role="adviser") | models.Q(region__isnull=False),
                name="adviser_has_region",
            ),
        ]

    @property
    def is_directorate(self) -> bool:
        return bool(self.directorate_role)

    @property
    def is_portal_admin(self) -> bool:
        return self.directorate_role == DirectorateRole.ADMIN

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """A person's role in one organisation. A person may belong to several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=MunicipalRole.choices)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality__number", "user__last_name", "user__first_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.municipality} ({self.get_role_display()})"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation by e-mail to join a municipality with a role; one use, time-limited."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=MunicipalRole.choices)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.municipality}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class NationalIdentity(models.Model):
    """A person's national login (ID-porten or Ansattporten) bound to a portal user.

    Only a keyed hash of the national identity number (the ``pid`` claim) is kept, never the
    number: enough to recognise the person at the next login, useless to anyone who reads the
    table without the key (portal/accounts/national_login/providers.py, ``pid_hash``)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="national_identity")
    pid_hash = models.CharField(max_length=64, unique=True, editable=False)
    bound_at = models.DateTimeField(auto_now_add=True)
    bound_with = models.CharField(_("bound with"), max_length=20, editable=False)
    last_login_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("national login identity")
        verbose_name_plural = _("national login identities")

    def __str__(self) -> str:
        return str(self.user)


class NationalLoginPolicy(models.Model):
    """Who must log in with ID-porten (or Ansattporten): a single row, changed in the admin."""

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    required_for_everyone = models.BooleanField(
        _("required for everyone"),
        default=False,
        help_text=_(
            "Password login is refused for everyone except superusers (kept as a way in when "
            "ID-porten is down)."
        ),
    )
    organisations = models.ManyToManyField(
        "municipalities.Municipality",
        blank=True,
        related_name="+",
        verbose_name=_("required for the members of"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("national login requirement")
        verbose_name_plural = _("national login requirement")

    def __str__(self) -> str:
        return str(_("National login requirement"))


class NationalLoginSession(models.Model):
    """A portal session opened with a national login, found again by the provider's session
    id (``sid``) when the provider asks for front-channel logout."""

    session_key = models.CharField(max_length=40, unique=True)
    provider = models.CharField(max_length=20)
    sid = models.CharField(max_length=255, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.provider}:{self.session_key[:6]}…"
