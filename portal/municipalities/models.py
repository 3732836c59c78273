from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """One of IMDi's six regional offices; each follows up the municipalities of its counties."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("IMDi region")
        verbose_name_plural = _("IMDi regions")

    def __str__(self) -> str:
        return self.name


class County(models.Model):
    """A county (fylke) as it was in one period. Numbers were reused across reforms."""

    number = models.CharField(
        _("county number"), max_length=2, validators=[RegexValidator(r"^\d{2}$")]
    )
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["number", "valid_from"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [
            models.UniqueConstraint(
                fields=["number", "valid_from"], name="county_number_period_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class WrittenStandard(models.TextChoices):
    BOKMAL = "nb", _("Bokmål")
    NYNORSK = "nn", _("Nynorsk")
    NEUTRAL = "neutral", _("Neutral")
    UNKNOWN = "", _("Not known")


class Municipality(models.Model):
    """An organisation that reports to the portal: a municipality or one of Oslo's city districts.

    A municipality number is valid for a period (``valid_from``/``valid_to``); when a reform
    merges, splits or renumbers municipalities, the old row keeps its old number and period so
    that figures and survey answers of earlier years stay attached to the organisation of their
    time, and ``successors`` maps it onto today's municipalities.
    """

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        DISTRICT = "district", _("City district")

    number = models.CharField(
        _("number"),
        max_length=6,
        validators=[
            RegexValidator(r"^(\d{4}|\d{6})$", _("Use 4 digits, or 6 for a city district."))
        ],
    )
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("Norwegian name"), max_length=120, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY
    )
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="municipalities")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="municipalities")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="districts",
        help_text=_("The municipality a city district belongs to."),
    )
    written_standard = models.CharField(
        _("written standard"),
        max_length=10,
        choices=WrittenStandard.choices,
        blank=True,
        default=WrittenStandard.UNKNOWN,
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        through="MunicipalitySuccession",
        related_name="predecessors",
        blank=True,
    )
    email = models.EmailField(_("post box e-mail"), blank=True)
    head_email = models.EmailField(
        _("e-mail of the head of administration"),
        blank=True,
        help_text=_("Reminders are copied here after the set number of reminders."),
    )

    class Meta:
        ordering = ["number", "valid_from"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.UniqueConstraint(
                fields=["number", "valid_from"], name="municipality_number_period_unique"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(valid_to__isnull=True),
                name="municipality_number_current_unique",
            ),
        ]
        indexes = [models.Index(fields=["valid_to", "kind"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def is_district(self) -> bool:
        return self.kind == self.Kind.DISTRICT

    @property
    def last_year(self) -> int | None:
        """The last calendar year the number was in force (None while it still is)."""
        return None if self.valid_to is None else (self.valid_to - dt.timedelta(days=1)).year

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    @property
    def language(self) -> str:
        """The language to write to this organisation in: nynorsk where that is its standard."""
        return "nn" if self.written_standard == WrittenStandard.NYNORSK else "nb"


class MunicipalitySuccession(models.Model):
    """Crosswalk: an earlier municipality row → the current municipality (or municipalities) it became."""

    class Relationship(models.TextChoices):
        RENUMBERED = "renumbered", _("renumbered")
        MERGED = "merged", _("merged")
        SPLIT = "split", _("split")

    predecessor = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique")
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.relationship})"


class KostraGroup(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    population_band = models.CharField(_("population band"), max_length=60, blank=True)
    committed_costs_level = models.CharField(_("committed costs"), max_length=30, blank=True)
    free_income_level = models.CharField(_("free disposable income"), max_length=30, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("KOSTRA group")
        verbose_name_plural = _("KOSTRA groups")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def _count(verbose):
    return models.PositiveIntegerField(verbose, null=True, blank=True)


class KeyFigures(models.Model):
    """The facts about one organisation in one year. Every figure is optional: blank means unknown."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="key_figures"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    population = _count(_("population"))
    immigrant_share = models.DecimalField(
        _("immigrant share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    centrality_score = models.PositiveSmallIntegerField(
        _("centrality index"), null=True, blank=True, validators=[MaxValueValidator(1000)]
    )
    centrality_class = models.PositiveSmallIntegerField(
        _("centrality class"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    kostra_group = models.CharField(_("KOSTRA group"), max_length=10, blank=True)
    requested = _count(_("requested to settle"))
    decided = _count(_("decided to settle"))
    settled = _count(_("settled"))
    unaccompanied_requested = _count(_("unaccompanied minors requested"))
    unaccompanied_decided = _count(_("unaccompanied minors decided"))
    unaccompanied_settled = _count(_("unaccompanied minors settled"))
    intro_completed = _count(_("completed the introduction programme"))
    intro_work_or_education_direct = _count(_("in work or education directly after"))
    intro_work_or_education_1y = _count(_("in work or education one year after"))
    updated_at = models.DateTimeField(auto_now=True)
    # Where each value came from: {field: {"source", "table", "file", "fetched", "imported_at"}}.
    sources = models.JSONField(_("sources"), default=dict, blank=True)
    # Set when the figures are for this (later) organisation's area in an earlier year, from a
    # table on a named municipal structure: the year of that structure (a merger: the parts'
    # figures are not stored one by one, only their total on the later organisation).
    structure_year = models.PositiveSmallIntegerField(
        _("municipal structure"), null=True, blank=True
    )

    FIGURE_FIELDS = (
        "population",
        "immigrant_share",
        "centrality_score",
        "centrality_class",
        "kostra_group",
        "requested",
        "decided",
        "settled",
        "unaccompanied_requested",
        "unaccompanied_decided",
        "unaccompanied_settled",
        "intro_completed",
        "intro_work_or_education_direct",
        "intro_work_or_education_1y",
    )

    class Meta:
        ordering = ["municipality__number", "year"]
        verbose_name = _("key figures")
        verbose_name_plural = _("key figures")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="key_figures_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"

    def source_labels(self) -> list[str]:
        """The distinct sources of the row's values, each once: "SSB 07459 (fetched 2025-03-01)"."""
        labels: list[str] = []
        for entry in (self.sources or {}).values():
            label = source_label(entry)
            if label and label not in labels:
                labels.append(label)
        return labels

    @property
    def remaining(self) -> int | None:
        """Decided but not yet settled (never negative); nobody settled yet counts as 0 settled."""
        if self.decided is None:
            return None
        return max(self.decided - (self.settled or 0), 0)


def source_label(entry: object) -> str:
    """One value's source in words: the source, its table or file, when it was fetched and imported."""
    if not isinstance(entry, dict):
        return ""
    parts = [str(entry.get("source") or "")]
    if entry.get("table"):
        parts.append(str(entry["table"]))
    label = " ".join(p for p in parts if p)
    details = []
    if entry.get("file"):
        details.append(str(entry["file"]))
    if entry.get("fetched"):
        details.append(_("fetched %(date)s") % {"date": str(entry["fetched"])[:10]})
    if entry.get("imported_at"):
        details.append(_("imported %(date)s") % {"date": str(entry["imported_at"])[:10]})
    return f"{label} ({', '.join(details)})" if details else label


class KeyFigureUpload(models.Model):
    """A key-figure file an admin uploaded and has not yet confirmed: the preview is made from
    it, and the confirmation imports it. It belongs to the uploader only and expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        IMPORTED = "imported", _("imported")
        CANCELLED = "cancelled", _("cancelled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_figure_uploads"
    )
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"))
    format = models.CharField(_("format"), max_length=20)
    structure_year = models.PositiveSmallIntegerField(
        _("municipal structure"), null=True, blank=True
    )
    digest = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("key-figure upload")
        verbose_name_plural = _("key-figure uploads")
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"
