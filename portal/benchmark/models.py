"""Peer configuration and frozen peer sets for the benchmark report.

A ``PeerConfig`` is the admin-visible recipe for choosing "comparable municipalities" (variables,
weights, k, winsorising, size-band constraint). Configs are versioned: a change is a new row with
a higher version, never an edit of a config already used. A ``PeerSet`` is the result of one
config for one report year, frozen so the report can be reproduced later.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.municipalities.models import Municipality


class SizeBandConstraint(models.TextChoices):
    NONE = "none", _("No constraint")
    SAME = "same", _("Same size band")
    ADJACENT = "adjacent", _("Same or adjacent size band")


class ReferenceArea(models.TextChoices):
    COUNTRY = "country", _("The country")
    REGION = "region", _("The municipality's IMDi region")


def default_variables() -> dict[str, float]:
    return {
        "log_population": 1.0,
        "centrality": 1.0,
        "immigrant_share": 1.0,
        "settled_per_1000_5y": 1.0,
    }


class PeerConfig(models.Model):
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    variables = models.JSONField(
        _("variables and weights"),
        default=default_variables,
        help_text=_("A mapping from variable name to its (non-negative) weight."),
    )
    k = models.PositiveSmallIntegerField(
        _("number of peers"), default=10, validators=[MinValueValidator(1)]
    )
    winsor_lower = models.FloatField(
        _("winsorising lower percentile"),
        default=1.0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    winsor_upper = models.FloatField(
        _("winsorising upper percentile"),
        default=99.0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    size_band = models.CharField(
        _("size-band constraint"),
        max_length=10,
        choices=SizeBandConstraint.choices,
        default=SizeBandConstraint.NONE,
    )
    min_similarity = models.FloatField(
        _("lowest similarity for a peer (0–100)"),
        default=0.0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "Municipalities less similar than this are not offered as peers, even among the k "
            "nearest; a municipality with no one this similar has no near peers."
        ),
    )
    window_years = models.PositiveSmallIntegerField(
        _("years pooled"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Settlement and introduction results are pooled over this many years."),
    )
    reference_area = models.CharField(
        _("reference average for the two-by-two"),
        max_length=10,
        choices=ReferenceArea.choices,
        default=ReferenceArea.COUNTRY,
    )
    reference_weighted = models.BooleanField(
        _("weighted reference average"),
        default=True,
        help_text=_(
            "Weighted: pooled sums over the area (large municipalities weigh more). "
            "Unweighted: the mean of the municipalities' ratios."
        ),
    )
    min_completers = models.PositiveSmallIntegerField(
        _("fewest programme completers to be placed"),
        default=10,
        validators=[MinValueValidator(1)],
    )
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("peer configuration")
        verbose_name_plural = _("peer configurations")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="peer_config_version_unique"),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="peer_config_one_active",
            ),
            models.CheckConstraint(
                condition=models.Q(winsor_lower__lt=models.F("winsor_upper")),
                name="peer_config_winsor_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class PeerSet(models.Model):
    """The peers of every municipality for one report year under one config version (frozen)."""

    year = models.PositiveSmallIntegerField(_("report year"))
    config = models.ForeignKey(
        PeerConfig,
        on_delete=models.PROTECT,
        related_name="peer_sets",
        verbose_name=_("peer configuration"),
    )
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    inputs = models.JSONField(
        _("input values"),
        default=dict,
        help_text=_("The variable values used, per municipality number, as they were."),
    )
    comparison = models.JSONField(
        _("comparison with peers"),
        default=dict,
        help_text=_("Per municipality number and variable: its own value and the peer median."),
    )
    excluded = models.JSONField(
        _("municipalities without peers"),
        default=dict,
        help_text=_("Per municipality number: why it has no peers."),
    )

    class Meta:
        ordering = ["-year", "config"]
        verbose_name = _("peer set")
        verbose_name_plural = _("peer sets")
        constraints = [
            models.UniqueConstraint(fields=["year", "config"], name="peer_set_year_config_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.config})"


class PeerSetMember(models.Model):
    peer_set = models.ForeignKey(PeerSet, on_delete=models.CASCADE, related_name="members")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )
    peer = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("peer")
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    distance = models.FloatField(_("distance"))
    similarity = models.FloatField(
        _("similarity (0–100)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    drivers = models.JSONField(
        _("share of the distance per variable"),
        default=dict,
        help_text=_("Each variable's share of the squared distance (0–1)."),
    )

    class Meta:
        ordering = ["peer_set", "municipality", "rank"]
        verbose_name = _("peer")
        verbose_name_plural = _("peers")
        constraints = [
            models.UniqueConstraint(
                fields=["peer_set", "municipality", "peer"], name="peer_set_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} → {self.peer_id} (#{self.rank})"


class BenchmarkReport(models.Model):
    """One municipality's report for one year in one language, for one state of its inputs.

    ``inputs_hash`` fingerprints everything the report reads (configuration, key figures,
    survey answers, housing profiles, the report format): requesting a report whose inputs are
    unchanged returns the stored one; a change gives a new row, and the old one stays as it was.
    ``data`` is the computed content; the HTML page, the PDF and the CSV are all made from it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be made")
        RUNNING = "running", _("Being made")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be made")

    class Stage(models.TextChoices):
        """How far the making has come, in the order the task goes through them."""

        PEERS = "peers", _("Choosing comparable municipalities")
        FIGURES = "figures", _("Fetching the figures")
        CONTENT = "content", _("Drawing the charts")
        PDF = "pdf", _("Making the PDF")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="benchmark_reports",
        verbose_name=_("municipality"),
    )
    year = models.PositiveSmallIntegerField(_("report year"))
    language = models.CharField(_("language"), max_length=5)
    inputs_hash = models.CharField(max_length=64)
    identifier = models.CharField(_("report identifier"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The stage the task making it has reached (empty before it starts and once it is ready).
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    csv = models.TextField(blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=80, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    # When the broker last took the task that makes it; empty while waiting for the broker
    # (it was down when the report was asked for): the sweep sends those once it is back.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("benchmark report")
        verbose_name_plural = _("benchmark reports")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "language", "inputs_hash"],
                name="benchmark_report_once_per_inputs",
            )
        ]
        indexes = [models.Index(fields=["municipality", "year", "language", "status"])]

    def __str__(self) -> str:
        return self.identifier

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_waiting(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    STEPS = len(Stage.values)

    @property
    def step(self) -> int:
        """1–``STEPS`` while being made (the stage's place), ``STEPS`` once ready, else 0."""
        if self.status == self.Status.READY:
            return self.STEPS
        if self.status == self.Status.RUNNING and self.stage in self.Stage.values:
            return self.Stage.values.index(self.stage) + 1
        return 0

    @property
    def progress_label(self) -> str:
        """What is happening now, in words: the stage while being made, else the status."""
        if self.status == self.Status.RUNNING and self.stage in self.Stage.values:
            return str(self.get_stage_display())
        return str(self.get_status_display())


class ReportBatch(models.Model):
    """Every organisation's report for one year, made in the background (resumable)."""

    year = models.PositiveSmallIntegerField(_("report year"))
    inputs_hash = models.CharField(max_length=64)
    reports = models.ManyToManyField(BenchmarkReport, related_name="batches", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report batch")
        verbose_name_plural = _("report batches")

    def __str__(self) -> str:
        return f"{self.year} ({self.created_at:%Y-%m-%d %H:%M})"
