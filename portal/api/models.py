from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import DirectorateRole

ORGNO_VALIDATOR = RegexValidator(
    r"^\d{9}$", _("An organisation number has 9 digits (Brønnøysund register).")
)


class ApiClient(models.Model):
    """A system registered by the directorate to read the API with Maskinporten-style tokens.

    The token's ``consumer`` (organisation number) names the client. It reads as its service
    user: a viewer of the organisation it acts for, or a directorate role. The pages' access
    module (portal/accounts/access.py) scopes both the same way.
    """

    name = models.CharField(_("name"), max_length=120)
    consumer_orgno = models.CharField(
        _("consumer organisation number"),
        max_length=9,
        unique=True,
        validators=[ORGNO_VALIDATOR],
        help_text=_("The organisation number in the token's consumer claim (0192:…)."),
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_clients",
        verbose_name=_("acts for organisation"),
        help_text=_("The municipality or city district whose data it reads. Empty: directorate."),
    )
    directorate_role = models.CharField(
        _("directorate role"),
        max_length=20,
        choices=DirectorateRole.choices,
        blank=True,
        default="",
        help_text=_("For a directorate client: the role whose rights it reads with."),
    )
    region = models.ForeignKey(
        "municipalities.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("For a regional adviser's client: the region."),
    )
    scopes = models.JSONField(_("allowed scopes"), default=list, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"), default=120, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "consumer_orgno"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(municipality__isnull=False, directorate_role="")
                    | models.Q(municipality__isnull=True) & ~models.Q(directorate_role="")
                ),
                name="api_client_acts_for_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.consumer_orgno})"

    @property
    def consumer_id(self) -> str:
        return f"0192:{self.consumer_orgno}"
