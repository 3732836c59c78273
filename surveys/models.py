from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


def localized(texts: dict | None, language: str | None = None) -> str:
    """The text in the active language, falling back to bokmål."""
    if not texts:
        return ""
    language = language or translation.get_language() or "nb"
    return texts.get(language[:2]) or texts.get("nb") or next(iter(texts.values()), "")


class SurveyEdition(models.Model):
    """One year's questionnaire. Its sections and questions are materialised from ``definition``."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.JSONField(_("title"))
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    opens = models.DateField(_("opens"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    previous_year = models.PositiveSmallIntegerField(null=True, blank=True)
    reminder_days = models.JSONField(
        _("reminders, days before the deadline"),
        default=list,
        blank=True,
        help_text=_(
            "Automatic reminders go to organisations that have not submitted, e.g. [14, 7, 2]."
        ),
    )
    reminders_before_head = models.PositiveSmallIntegerField(
        _("reminders before the head of administration is copied"), default=2
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    definition = models.JSONField()
    option_mappings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("survey edition")
        verbose_name_plural = _("survey editions")

    def __str__(self) -> str:
        return localized(self.title)

    @property
    def title_text(self) -> str:
        return localized(self.title)

    @property
    def intro_text(self) -> str:
        return localized(self.intro)

    def mapping_from(self, year: int, question_key: str) -> dict[str, object]:
        """How answers of ``year`` to ``question_key`` map onto this edition's options."""
        for mapping in self.option_mappings:
            if mapping["question"] == question_key and mapping["from_year"] == year:
                return mapping["map"]
        return {}


class Section(models.Model):
    edition = models.ForeignKey(SurveyEdition, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField()
    title = models.JSONField()
    intro = models.JSONField(default=dict, blank=True)
    show_if = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["edition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "key"], name="section_key_unique")
        ]

    def __str__(self) -> str:
        return localized(self.title)

    @property
    def title_text(self) -> str:
        return localized(self.title)

    @property
    def intro_text(self) -> str:
        return localized(self.intro)


class Question(models.Model):
    """A question of an edition. ``key`` links it to the same question in other years."""

    edition = models.ForeignKey(SurveyEdition, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=60, db_index=True)
    position = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=20)
    text = models.JSONField()
    help = models.JSONField(default=dict, blank=True)
    required = models.BooleanField(default=False)
    config = models.JSONField(default=dict, blank=True)
    show_if = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["edition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "key"], name="question_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {localized(self.text)[:60]}"

    @property
    def options(self) -> list[dict]:
        return self.config.get("options", [])

    def option_label(self, key: str) -> str:
        for option in self.options:
            if option["key"] == key:
                return localized(option["label"])
        return key


class ResponseQuerySet(models.QuerySet):
    def forget_save_states(self) -> int:
        """Drop the kept save state of these responses because something it was made from has
        changed; the next save of each makes it anew (surveys/respondent/save_state.py)."""
        return self.exclude(save_state=None).update(save_state=None)


class Response(models.Model):
    """One organisation's answer to one edition."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", _("Approved")

    edition = models.ForeignKey(SurveyEdition, on_delete=models.PROTECT, related_name="responses")
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="survey_responses"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_activity_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_section = models.ForeignKey(
        "Section", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_on_behalf_of = models.CharField(max_length=200, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What an autosave needs besides the posted answer, kept so that a save reads one row:
    # the organisation's settlement category and key figures, last year's answers the checks
    # compare with, the values routing looks at and the answered questions
    # (surveys/respondent/save_state.py). None until the first save, and again whenever
    # something it was made from changes; the next save makes it anew.
    save_state = models.JSONField(null=True, blank=True, editable=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["edition", "municipality"], name="response_unique")
        ]

    def __str__(self) -> str:
        return f"{self.edition.year} – {self.municipality}"

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.APPROVED)


class Answer(models.Model):
    """The current answer to one question. ``version`` grows with every change, so two people
    editing the same question find out instead of overwriting each other."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField(null=True, blank=True)
    other_text = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    warning = models.TextField(blank=True)
    confirmed = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.response} {self.question.key}"

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.warning) and not self.confirmed and not self.explanation


class SectionAssignment(models.Model):
    """A section given to a colleague or a unit of the municipality."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="assignments")
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_sections",
    )
    unit = models.CharField(_("unit"), max_length=120, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "section"], name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.section} → {self.assignee or self.unit}"


class SettlementCategory(models.TextChoices):
    SETTLES = "settles", _("Settles refugees")
    FIRST_TIME = "first_time", _("Settles for the first time")
    DOES_NOT_SETTLE = "does_not_settle", _("Does not settle")


class SettlementCategoryOverride(models.Model):
    """An admin's decision on an organisation's settlement category for one year."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20, choices=SettlementCategory.choices)
    reason = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="category_override_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.category}"


class ReviewComment(models.Model):
    """The directorate's comment on one answer (or on the whole response when question is empty)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="comments")
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.response}: {self.text[:40]}"


class DeadlineExtension(models.Model):
    """A later deadline for one organisation."""

    edition = models.ForeignKey(SurveyEdition, on_delete=models.CASCADE, related_name="extensions")
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    deadline = models.DateField(_("new deadline"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "municipality"], name="deadline_extension_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.edition.year}: {self.deadline}"


class FollowUp(models.Model):
    """The follow-up log of one organisation for one edition: e-mails, calls and notes."""

    class Kind(models.TextChoices):
        LAUNCH = "launch", _("Launch e-mail")
        REMINDER = "reminder", _("Automatic reminder")
        MANUAL_REMINDER = "manual_reminder", _("Reminder sent by an adviser")
        PHONE = "phone", _("Phone call")
        NOTE = "note", _("Note")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", _("Approved")
        DEADLINE = "deadline", _("Deadline extended")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")
        DONE = "done", _("Logged")

    edition = models.ForeignKey(SurveyEdition, on_delete=models.CASCADE, related_name="follow_ups")
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    # For e-mails: a key that makes sending idempotent ("reminder-14", "launch", "manual-<uuid>").
    dispatch_key = models.CharField(max_length=80, blank=True)
    text = models.TextField(blank=True)
    recipients = models.TextField(blank=True)
    to_head = models.BooleanField(default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "municipality", "dispatch_key"],
                condition=~models.Q(dispatch_key=""),
                name="follow_up_dispatch_unique",
            )
        ]
        indexes = [models.Index(fields=["edition", "municipality", "kind"])]

    def __str__(self) -> str:
        return f"{self.municipality} {self.get_kind_display()} {self.at:%Y-%m-%d}"


class Theme(models.Model):
    """A theme an analyst codes free-text answers into."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("theme"), max_length=100)
    answers = models.ManyToManyField(Answer, related_name="themes", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["question", "name"], name="theme_unique")]

    def __str__(self) -> str:
        return self.name
