"""The rights a machine client can have: one token scope each (Maskinporten scope names)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = (
        "imdi:kommuneportal.read",
        _("Read organisations, key figures, survey editions and survey answers"),
    )
    HOUSING = (
        "imdi:kommuneportal.housing",
        _("Read housing and service profiles, including contact persons"),
    )
