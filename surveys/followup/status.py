"""The directorate's follow-up of a survey edition: which organisations take part, their status
and progress, reminders and representativeness. Reads only; writes are in services.py."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, JSONField, Value, When

from portal.municipalities.models import KeyFigures, Municipality, MunicipalitySuccession
from surveys.models import (
    Answer,
    DeadlineExtension,
    FollowUp,
    Question,
    Response,
    Section,
    SettlementCategoryOverride,
    SurveyEdition,
)
from surveys.respondent.bands import (
    IMMIGRANT_BANDS,
    POPULATION_BANDS,
    UNKNOWN,
    immigrant_band,
    population_band,
)
from surveys.respondent.context import OrgContext, compute_settlement_category
from surveys.respondent.routing import rule_questions, visible_questions
from surveys.respondent.selectors import edition_organisations

NOT_STARTED = "not_started"
ANSWERED = True  # stands for the value of an answer no rule looks at
STATUS_ORDER = [NOT_STARTED, "in_progress", "returned", "submitted", "approved"]


@dataclass
class OrgFacts:
    """Key figures the follow-up needs, loaded for all organisations at once."""

    population: int | None = None
    immigrant_share: float | None = None
    centrality_class: int | None = None
    settled_by_year: dict[int, int] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


def org_facts(organisations: list[Municipality], year: int) -> dict[int, OrgFacts]:
    """Three queries for any number of organisations."""
    ids = [m.pk for m in organisations]
    predecessors: dict[int, list[int]] = defaultdict(list)
    for pred_id, succ_id in MunicipalitySuccession.objects.filter(successor_id__in=ids).values_list(
        "predecessor_id", "successor_id"
    ):
        predecessors[succ_id].append(pred_id)
    owner: dict[int, list[int]] = defaultdict(list)
    for org_id in ids:
        owner[org_id].append(org_id)
        for pred in predecessors[org_id]:
            owner[pred].append(org_id)
    facts = {org_id: OrgFacts() for org_id in ids}
    latest: dict[tuple[int, str], int] = {}
    rows = KeyFigures.objects.filter(
        municipality_id__in=list(owner), year__lte=year, year__gte=year - 10
    ).values()
    for row in rows:
        for org_id in owner[row["municipality_id"]]:
            fact = facts[org_id]
            if row["settled"] is not None and year - 6 <= row["year"] < year:
                fact.settled_by_year[row["year"]] = (
                    fact.settled_by_year.get(row["year"], 0) + row["settled"]
                )
            if row["municipality_id"] != org_id:
                continue
            if row["year"] == year:
                fact.figures = dict(row)
            for name in ("population", "immigrant_share", "centrality_class"):
                value: Any = row[name]
                if value is not None and row["year"] >= latest.get((org_id, name), -1):
                    latest[(org_id, name)] = row["year"]
                    setattr(fact, name, float(value) if name == "immigrant_share" else value)
    return facts


def categories(
    organisations: list[Municipality], year: int, facts: dict[int, OrgFacts]
) -> dict[int, str]:
    overrides = dict(
        SettlementCategoryOverride.objects.filter(
            municipality_id__in=[m.pk for m in organisations], year=year
        ).values_list("municipality_id", "category")
    )
    return {
        m.pk: overrides.get(m.pk) or compute_settlement_category(facts[m.pk].settled_by_year, year)
        for m in organisations
    }


@dataclass
class DashboardRow:
    municipality: Municipality
    status: str
    category: str
    answered: int
    total: int
    response: Response | None
    deadline: dt.date
    reminders: int
    last_follow_up: FollowUp | None = None

    @property
    def share(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @property
    def has_answered(self) -> bool:
        return self.status in ("submitted", "approved")


@dataclass
class Dashboard:
    rows: list[DashboardRow]
    counts: dict[str, int]
    regions: list[dict[str, Any]]
    total: int
    answered: int

    @property
    def rate(self) -> float:
        return 100 * self.answered / self.total if self.total else 0.0


def edition_dashboard(
    *,
    user,
    edition: SurveyEdition,
    region: str = "",
    county: str = "",
    category: str = "",
    status: str = "",
    sort: str = "number",
) -> Dashboard:
    """Every organisation's status and progress, a constant number of queries."""
    organisations = list(edition_organisations(edition, user).order_by("number"))
    org_ids = [m.pk for m in organisations]
    facts = org_facts(organisations, edition.year)
    category_of = categories(organisations, edition.year, facts)
    responses = {
        r.municipality_id: r
        for r in Response.objects.filter(
            edition=edition, municipality_id__in=org_ids
        ).select_related("last_activity_by", "submitted_by")
    }
    sections = list(Section.objects.filter(edition=edition))
    questions = list(Question.objects.filter(edition=edition))
    by_question = {q.pk: q.key for q in questions}
    # Progress needs to know which questions are answered; visibility needs the values of the
    # few questions a rule looks at. Other values stay in the database (they can be large).
    looked_at = rule_questions(sections, questions)
    needed = {q.pk for q in questions if q.key in looked_at}
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for response_id, question_id, value in (
        Answer.objects.filter(response__edition=edition, value__isnull=False)
        .annotate(
            needed_value=Case(
                When(question_id__in=sorted(needed), then=F("value")),
                default=Value(None),
                output_field=JSONField(),
            )
        )
        .values_list("response_id", "question_id", "needed_value")
    ):
        key = by_question[question_id]
        answers[response_id][key] = value if question_id in needed else ANSWERED
    extensions = dict(
        DeadlineExtension.objects.filter(edition=edition, municipality_id__in=org_ids).values_list(
            "municipality_id", "deadline"
        )
    )
    reminders = dict(
        FollowUp.objects.filter(
            edition=edition,
            municipality_id__in=org_ids,
            kind__in=[FollowUp.Kind.REMINDER, FollowUp.Kind.MANUAL_REMINDER],
            status=FollowUp.Status.SENT,
        )
        .values("municipality_id")
        .annotate(n=Count("pk"))
        .values_list("municipality_id", "n")
    )
    rows = []
    for municipality in organisations:
        response = responses.get(municipality.pk)
        values = answers.get(response.pk, {}) if response else {}
        org = OrgContext(
            municipality=municipality,
            year=edition.year,
            settlement_category=category_of[municipality.pk],
            category_overridden=False,
            figures=facts[municipality.pk].figures,
        )
        _sections, visible = visible_questions(sections, questions, org, values)
        rows.append(
            DashboardRow(
                municipality=municipality,
                status=response.status if response else NOT_STARTED,
                category=category_of[municipality.pk],
                answered=sum(1 for key in visible if key in values),
                total=len(visible),
                response=response,
                deadline=extensions.get(municipality.pk, edition.deadline),
                reminders=reminders.get(municipality.pk, 0),
            )
        )
    regions: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = regions.setdefault(
            row.municipality.region.code,
            {"region": row.municipality.region, "total": 0, "answered": 0},
        )
        entry["total"] += 1
        entry["answered"] += row.has_answered
    for entry in regions.values():
        entry["rate"] = 100 * entry["answered"] / entry["total"] if entry["total"] else 0.0
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for row in rows:
        counts[row.status] += 1
    total, answered = len(rows), sum(r.has_answered for r in rows)
    if region:
        rows = [r for r in rows if r.municipality.region.code == region]
    if county:
        rows = [r for r in rows if r.municipality.county.number == county]
    if category:
        rows = [r for r in rows if r.category == category]
    if status:
        rows = [r for r in rows if r.status == status]
    keys = {
        "number": lambda r: r.municipality.number,
        "name": lambda r: r.municipality.name,
        "status": lambda r: (STATUS_ORDER.index(r.status), r.municipality.number),
        "progress": lambda r: (r.share, r.municipality.number),
        "activity": lambda r: (
            r.response.last_activity_at if r.response else dt.datetime.min.replace(tzinfo=dt.UTC)
        ),
    }
    rows.sort(key=keys.get(sort.lstrip("-"), keys["number"]), reverse=sort.startswith("-"))
    return Dashboard(
        rows=rows,
        counts=counts,
        regions=sorted(regions.values(), key=lambda e: e["region"].sort_order),
        total=total,
        answered=answered,
    )


@dataclass
class RepresentativenessTable:
    title: str
    rows: list[dict[str, Any]]


def representativeness(
    *, user, edition: SurveyEdition
) -> tuple[list[RepresentativenessTable], dict[str, int]]:
    """All organisations vs those that answered vs those that did not, by band, as IMDi prints it."""
    organisations = list(edition_organisations(edition, user))
    facts = org_facts(organisations, edition.year)
    answered_ids = set(
        Response.objects.filter(
            edition=edition, municipality__in=organisations, status__in=["submitted", "approved"]
        ).values_list("municipality_id", flat=True)
    )
    groups = {
        "all": [m.pk for m in organisations],
        "answered": [m.pk for m in organisations if m.pk in answered_ids],
        "not_answered": [m.pk for m in organisations if m.pk not in answered_ids],
    }
    totals = {name: len(ids) for name, ids in groups.items()}

    def table(title: str, order: list[str], band_of) -> RepresentativenessTable:
        rows = []
        for label in [*order, UNKNOWN]:
            row: dict[str, Any] = {"band": label}
            for name, ids in groups.items():
                n = sum(1 for pk in ids if band_of(pk) == label)
                row[name] = n
                row[f"{name}_pct"] = 100 * n / totals[name] if totals[name] else 0.0
            if label != UNKNOWN or row["all"]:
                rows.append(row)
        return RepresentativenessTable(title, rows)

    def years_with_settlement(pk: int) -> str:
        settled = facts[pk].settled_by_year
        if not settled:
            return UNKNOWN
        return str(sum(1 for y in range(edition.year - 5, edition.year) if settled.get(y, 0) > 0))

    tables = [
        table(
            "population",
            [b[2] for b in POPULATION_BANDS],
            lambda pk: population_band(facts[pk].population),
        ),
        table(
            "centrality",
            [str(c) for c in range(1, 7)],
            lambda pk: str(facts[pk].centrality_class) if facts[pk].centrality_class else UNKNOWN,
        ),
        table(
            "immigrant_share",
            [b[2] for b in IMMIGRANT_BANDS],
            lambda pk: immigrant_band(facts[pk].immigrant_share),
        ),
        table("years_with_settlement", [str(n) for n in range(0, 6)], years_with_settlement),
    ]
    return tables, totals


def effective_deadline(edition: SurveyEdition, municipality: Municipality) -> dt.date:
    extension = DeadlineExtension.objects.filter(edition=edition, municipality=municipality).first()
    return extension.deadline if extension else edition.deadline
