"""Housing stock and service profile: what a municipality keeps current for IMDi's settlement officers.

The current state lives in rows (housing lines, staffed housing, contact persons) and in one
``ProfileSection`` per section (its service facts and when it was last confirmed, and by whom).
Every change also writes a ``ProfileVersion`` with the whole section as it became, so the profile
on any earlier date, and what changed since, can be shown.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A section not confirmed (or changed) for this many days is stale.
STALE_AFTER_DAYS: int = getattr(settings, "HOUSING_STALE_AFTER_DAYS", 90)
MAX_ROOMS = 20
MAX_AGE = 25


def stale_after() -> dt.timedelta:
    return dt.timedelta(days=STALE_AFTER_DAYS)


class SectionKey(models.TextChoices):
    HOUSING = "housing", _("Housing")
    STAFFED_HOUSING = "staffed_housing", _("Staffed housing for unaccompanied minors")
    SCHOOLS = "schools", _("Schools and education")
    INTRODUCTION = "introduction", _("Introduction programme")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    INTERPRETERS = "interpreters", _("Interpreters")
    HEALTH = "health", _("Health")
    TRANSPORT = "transport", _("Public transport")
    LABOUR_MARKET = "labour_market", _("Labour market")
    CONTACTS = "contacts", _("Contact persons")


# Sections kept as rows; the others keep their facts in ProfileSection.data.
ROW_SECTIONS = (SectionKey.HOUSING, SectionKey.STAFFED_HOUSING, SectionKey.CONTACTS)


class Tenure(models.TextChoices):
    MUNICIPAL_RENTAL = "municipal_rental", _("Municipal rental dwelling")
    SUBLET = "sublet", _("Private dwelling leased and sublet by the municipality")
    GUARANTEE = "guarantee", _("Private lease with municipal guarantee")
    SHARED = "shared", _("Shared housing")
    RENT_TO_OWN = "rent_to_own", _("Rent-to-own")
    OTHER = "other", _("Other")


class ContactArea(models.TextChoices):
    GENERAL = "general", _("Settlement in general")
    HOUSING = "housing", _("Housing")
    STAFFED_HOUSING = "staffed_housing", _("Staffed housing for unaccompanied minors")
    SCHOOLS = "schools", _("Schools and education")
    INTRODUCTION = "introduction", _("Introduction programme")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    INTERPRETERS = "interpreters", _("Interpreters")
    HEALTH = "health", _("Health")
    TRANSPORT = "transport", _("Public transport")
    LABOUR_MARKET = "labour_market", _("Labour market")


def housing_line_problems(values: dict) -> list[tuple[str, str]]:
    """Checks across the fields of one housing line: ``[(field, message)]``.

    Shared by the form (through ``HousingLine.clean``) and the file upload, so both refuse the
    same things in the same words.
    """
    problems: list[tuple[str, str]] = []
    rooms, bedrooms = values.get("rooms"), values.get("bedrooms")
    units = values.get("units")
    vacant_now = values.get("vacant_now") or 0
    vacant_later = values.get("vacant_later") or 0
    if rooms is not None and bedrooms is not None and bedrooms >= rooms:
        message = gettext(
            "must be fewer than the rooms (%(rooms)s); the rooms include the living room"
        )
        problems.append(("bedrooms", message % {"rooms": rooms}))
    if units is not None and vacant_now > units:
        message = gettext("cannot be more than the units (%(units)s), but is %(value)s")
        problems.append(("vacant_now", message % {"units": units, "value": vacant_now}))
    elif units is not None and vacant_now + vacant_later > units:
        message = gettext(
            "vacant now (%(now)s) and vacant later (%(later)s) add up to more than the units (%(units)s)"
        )
        problems.append(
            ("vacant_later", message % {"now": vacant_now, "later": vacant_later, "units": units})
        )
    if vacant_later and not values.get("vacant_from"):
        problems.append(("vacant_from", gettext("give the date the units become vacant")))
    if not vacant_later and values.get("vacant_from"):
        problems.append(
            ("vacant_later", gettext("give how many units become vacant from the date"))
        )
    return problems


class HousingLine(models.Model):
    """A group of alike dwellings: same tenure, size and access, in one area."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="housing_lines"
    )
    reference = models.CharField(
        _("your reference"),
        max_length=40,
        blank=True,
        help_text=_("Optional: the municipality's own name or number for this line."),
    )
    tenure = models.CharField(_("tenure"), max_length=20, choices=Tenure.choices)
    rooms = models.PositiveSmallIntegerField(
        _("rooms"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ROOMS)],
        help_text=_("Living room and bedrooms, not kitchen and bathroom."),
    )
    bedrooms = models.PositiveSmallIntegerField(
        _("bedrooms"), null=True, blank=True, validators=[MaxValueValidator(MAX_ROOMS - 1)]
    )
    step_free = models.BooleanField(_("step-free access"), default=False)
    units = models.PositiveIntegerField(
        _("units"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    vacant_now = models.PositiveIntegerField(_("vacant now"), default=0)
    vacant_later = models.PositiveIntegerField(_("vacant later"), default=0)
    vacant_from = models.DateField(_("vacant from"), null=True, blank=True)
    reserved_for_refugees = models.BooleanField(_("reserved for refugees"), default=False)
    area = models.CharField(_("area or neighbourhood"), max_length=120, blank=True)
    distances = models.TextField(
        _("distances"),
        blank=True,
        max_length=1000,
        help_text=_("To school, kindergarten, shops and public transport."),
    )
    contract_years = models.PositiveSmallIntegerField(
        _("typical contract length (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "rooms", "tenure", "area", "id"]
        verbose_name = _("housing line")
        verbose_name_plural = _("housing lines")
        indexes = [models.Index(fields=["municipality", "rooms"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vacant_now__lte=models.F("units")),
                name="housing_line_vacant_within_units",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tenure_display()}, {self.rooms} ({self.area or '–'})"

    def clean(self) -> None:
        problems = housing_line_problems(
            {
                "rooms": self.rooms,
                "bedrooms": self.bedrooms,
                "units": self.units,
                "vacant_now": self.vacant_now,
                "vacant_later": self.vacant_later,
                "vacant_from": self.vacant_from,
            }
        )
        if problems:
            errors: dict[str, list[str]] = {}
            for field, message in problems:
                errors.setdefault(field, []).append(message)
            raise ValidationError(errors)


class StaffedHousing(models.Model):
    """A staffed home for unaccompanied minors (bofellesskap, hybel med oppfølging)."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="staffed_housing"
    )
    name = models.CharField(_("name"), max_length=120)
    places = models.PositiveSmallIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    vacancies = models.PositiveSmallIntegerField(_("vacant places"), default=0)
    age_from = models.PositiveSmallIntegerField(
        _("age from"), validators=[MaxValueValidator(MAX_AGE)]
    )
    age_to = models.PositiveSmallIntegerField(_("age to"), validators=[MaxValueValidator(MAX_AGE)])
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "name", "id"]
        verbose_name = _("staffed housing")
        verbose_name_plural = _("staffed housing")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vacancies__lte=models.F("places")),
                name="staffed_housing_vacancies_within_places",
            ),
            models.CheckConstraint(
                condition=models.Q(age_from__lte=models.F("age_to")),
                name="staffed_housing_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.places is not None and self.vacancies is not None and self.vacancies > self.places:
            errors["vacancies"] = gettext("cannot be more than the places (%(places)s)") % {
                "places": self.places
            }
        if self.age_from is not None and self.age_to is not None and self.age_from > self.age_to:
            errors["age_to"] = gettext("must be the same as or above the lowest age")
        if errors:
            raise ValidationError(errors)

    def takes_age(self, age: int) -> bool:
        return self.age_from <= age <= self.age_to


class ContactPerson(models.Model):
    """Who IMDi's settlement officers call about one area; ``general`` is the main contact."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="contact_persons"
    )
    area = models.CharField(
        _("area"), max_length=20, choices=ContactArea.choices, default=ContactArea.GENERAL
    )
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role or job title"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality", "area", "name", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_area_display()})"


class ProfileSection(models.Model):
    """One section of a municipality's profile: its facts (service sections) and freshness."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="profile_sections"
    )
    key = models.CharField(_("section"), max_length=20, choices=SectionKey.choices)
    data = models.JSONField(_("facts"), default=dict, blank=True)
    last_confirmed_at = models.DateTimeField(_("last confirmed"), null=True, blank=True)
    last_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_confirmed_by_label = models.CharField(_("confirmed by"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("last changed"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["municipality", "key"]
        verbose_name = _("profile section")
        verbose_name_plural = _("profile sections")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="profile_section_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.get_key_display()}"

    def is_stale(self, now: dt.datetime | None = None) -> bool:
        if self.last_confirmed_at is None:
            return True
        return self.last_confirmed_at < (now or timezone.now()) - stale_after()


class ProfileVersion(models.Model):
    """One change to one section: the whole section as it became, who did it and when.

    A confirmation ("still correct") keeps no snapshot: the section is as in the version before.
    """

    class Kind(models.TextChoices):
        EDIT = "edit", _("Changed")
        CONFIRM = "confirm", _("Confirmed as still correct")
        UPLOAD = "upload", _("Uploaded from a file")

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="profile_versions"
    )
    section = models.CharField(_("section"), max_length=20, choices=SectionKey.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    snapshot = models.JSONField(_("snapshot"), null=True, blank=True)
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_by_label = models.CharField(_("who"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("profile version")
        verbose_name_plural = _("profile versions")
        indexes = [models.Index(fields=["municipality", "section", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.municipality} {self.section} {self.changed_at:%Y-%m-%d %H:%M}"


class StaleReminder(models.Model):
    """One reminder e-mail about one stale section, once per staleness period.

    ``period`` is when the section was last confirmed (or ``never``): confirming the section
    starts a new period, so it can be reminded again when it goes stale the next time.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    section = models.CharField(_("section"), max_length=20, choices=SectionKey.choices)
    period = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claim = models.CharField(max_length=40, blank=True)
    recipients = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("stale-profile reminder")
        verbose_name_plural = _("stale-profile reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "section", "period"], name="stale_reminder_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["municipality", "status"])]

    def __str__(self) -> str:
        return f"{self.municipality} {self.section} {self.period} ({self.status})"
