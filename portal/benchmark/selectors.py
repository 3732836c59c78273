"""Reads for the benchmark report: everything one report needs, in a constant number of queries.

``report_inputs`` loads the figures of every organisation in the country at once (the report
compares with peers, the KOSTRA group and the country), so the number of queries does not grow
with the number of municipalities. ``inputs_fingerprint`` is a handful of aggregate queries that
change whenever anything a report reads changes.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum

from housing.models import HousingLine, ProfileSection, ProfileVersion, StaffedHousing
from portal.benchmark import peers as peer_math
from portal.benchmark.models import BenchmarkReport, PeerConfig, PeerSet, PeerSetMember
from portal.municipalities.models import KeyFigures, KostraGroup, Municipality
from surveys.analysis.breakdowns import COUNTED
from surveys.analysis.trends import current_successors
from surveys.models import Answer, Question, Response, SurveyEdition

# Bump when the report's content or layout changes, so stored reports are made anew.
REPORT_FORMAT = 3
TREND_YEARS = 5

COUNT_FIELDS = (
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


def active_config() -> PeerConfig | None:
    return PeerConfig.objects.filter(is_active=True).first()


def frozen_peer_set(year: int, config: PeerConfig) -> PeerSet | None:
    return PeerSet.objects.filter(year=year, config=config).first()


def current_municipalities() -> QuerySet[Municipality]:
    """The municipalities peers are chosen among: current ones, not Oslo's city districts."""
    return Municipality.objects.filter(valid_to__isnull=True, kind=Municipality.Kind.MUNICIPALITY)


_PEER_FIGURES = ("population", "immigrant_share", "centrality_score", "centrality_class", "settled")


def peer_variable_inputs(
    year: int, numbers: Iterable[str] | None = None
) -> dict[str, dict[str, float | None]]:
    """Every current municipality's peer variables for ``year`` (by number), from the key
    figures of the ``peer_math.WINDOW_YEARS`` years up to it. ``numbers``: the current
    municipalities' numbers when the caller has them (one query fewer; two otherwise)."""
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    figures = KeyFigures.objects.filter(
        municipality__in=current_municipalities(),
        year__gt=year - peer_math.WINDOW_YEARS,
        year__lte=year,
    ).values("municipality__number", "year", *_PEER_FIGURES)
    for row in figures:
        rows[row["municipality__number"]].append(row)
    return {
        number: peer_math.variables_from_key_figures(
            rows.get(number, []), year=year, window=peer_math.WINDOW_YEARS
        )
        for number in (
            current_municipalities().values_list("number", flat=True)
            if numbers is None
            else numbers
        )
    }


def peer_window_label(year: int) -> str:
    return f"{year - peer_math.WINDOW_YEARS + 1}–{year}"


@dataclass(frozen=True)
class VariableGap:
    """A weighted peer variable that some or all municipalities have no figures for."""

    variable: str
    missing: int  # municipalities without a value
    total: int  # current municipalities

    @property
    def nobody(self) -> bool:
        return self.missing == self.total


def peer_variable_gaps(year: int, config: PeerConfig | None) -> list[VariableGap]:
    """The weighted variables of ``config`` that municipalities lack figures for in ``year``'s
    window, in the config's order (for the admin's warning)."""
    if config is None:
        return []
    inputs = peer_variable_inputs(year)
    gaps = []
    for variable, weight in config.variables.items():
        if float(weight) <= 0 or variable not in peer_math.VARIABLES:
            continue
        missing = sum(1 for values in inputs.values() if values.get(variable) is None)
        if missing:
            gaps.append(VariableGap(variable, missing, len(inputs)))
    return gaps


def report_years() -> list[int]:
    """Years a report can be made for: those with key figures or a survey edition, newest first."""
    years = set(KeyFigures.objects.values_list("year", flat=True).distinct())
    years |= set(SurveyEdition.objects.values_list("year", flat=True))
    return sorted(years, reverse=True)


def reports_for(municipality: Municipality) -> QuerySet[BenchmarkReport]:
    """The organisation's reports, newest first, without the heavy columns."""
    return BenchmarkReport.objects.filter(municipality=municipality).defer("pdf", "csv", "data")


def latest_report(municipality: Municipality, year: int, language: str) -> BenchmarkReport | None:
    return (
        BenchmarkReport.objects.filter(municipality=municipality, year=year, language=language)
        .defer("pdf", "csv")
        .order_by("-requested_at", "-id")
        .first()
    )


def _stamp(value: Any) -> str:
    return "" if value is None else str(value)


def inputs_fingerprint(year: int) -> str:
    """A hash of everything a report for ``year`` reads; it changes when any of it changes.

    The country's figures are part of every report (national averages, peers, KOSTRA groups),
    so the fingerprint is the same for every organisation: one change anywhere makes every
    report of the year anew on its next request, and nothing else does.
    """
    config = active_config()
    figures = KeyFigures.objects.filter(year__gt=year - 10, year__lte=year).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    responses = Response.objects.filter(edition__year=year, status__in=COUNTED).aggregate(
        n=Count("id"), ids=Sum("id"), submitted=Max("submitted_at"), reviewed=Max("reviewed_at")
    )
    answers = Answer.objects.filter(
        response__edition__year=year, response__status__in=COUNTED
    ).aggregate(n=Count("id"), last=Max("updated_at"))
    profile = ProfileVersion.objects.aggregate(n=Count("id"), last=Max("changed_at"))
    organisations = Municipality.objects.aggregate(n=Count("id"), ids=Sum("id"))
    parts = {
        "format": REPORT_FORMAT,
        "config": [config.pk, config.version] if config else None,
        "figures": [figures["n"], _stamp(figures["last"])],
        "responses": [responses[k] and str(responses[k]) for k in sorted(responses)],
        "answers": [answers["n"], _stamp(answers["last"])],
        "profile": [profile["n"], _stamp(profile["last"])],
        "organisations": [organisations["n"], _stamp(organisations["ids"])],
    }
    # default=str: PostgreSQL sums bigints into decimals, SQLite into ints; both print the same.
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# --- One report's inputs ------------------------------------------------------------------------


@dataclass
class Org:
    id: int
    number: str
    name: str
    kind: str
    region_id: int
    parent_id: int | None


@dataclass
class Figures:
    """One organisation's key figures for one year (predecessors' rows added up)."""

    year: int
    population: int | None = None
    immigrant_share: float | None = None
    centrality_score: int | None = None
    centrality_class: int | None = None
    kostra_group: str = ""
    requested: int | None = None
    decided: int | None = None
    settled: int | None = None
    unaccompanied_requested: int | None = None
    unaccompanied_decided: int | None = None
    unaccompanied_settled: int | None = None
    intro_completed: int | None = None
    intro_work_or_education_direct: int | None = None
    intro_work_or_education_1y: int | None = None
    updated_at: Any = None
    sources: dict[str, Any] = field(default_factory=dict)  # field -> where the value came from


@dataclass
class Profile:
    """What the report uses of one organisation's housing and service profile."""

    vacant_units: int = 0
    housing_lines: int = 0
    staffed_vacancies: int = 0
    staffed_places: int = 0
    sections: dict[str, tuple[dict, Any]] = field(default_factory=dict)  # key -> (data, confirmed)


@dataclass
class ReportInputs:
    municipality: Municipality
    year: int
    config: PeerConfig | None
    peer_set: PeerSet | None
    peers: list[PeerSetMember]
    excluded_reason: str
    orgs: dict[int, Org]
    figures: dict[int, dict[int, Figures]]  # org id -> year -> figures
    kostra_code: str
    kostra_group: KostraGroup | None
    kostra_members: list[int]
    edition: SurveyEdition | None
    questions: list[Question]
    answers: dict[int, dict[int, Any]]  # question id -> org id -> value (counted responses)
    own_response_status: str | None
    profiles: dict[int, Profile]

    @property
    def peer_ids(self) -> list[int]:
        return [m.peer_id for m in self.peers]

    @property
    def municipality_ids(self) -> list[int]:
        """The current municipalities (not city districts): the country's units."""
        return [o.id for o in self.orgs.values() if o.kind == Municipality.Kind.MUNICIPALITY]

    def series(self, org_id: int) -> list[Figures]:
        return [self.figures[org_id][y] for y in sorted(self.figures.get(org_id, {}))]


def _figure_rows(years: Iterable[int], current_ids: set[int]) -> dict[int, dict[int, Figures]]:
    """Key figures per current organisation and year. A year the organisation has no row of its
    own takes the sum of the rows of the organisations it succeeded (a renumbering or a merger);
    a row of an organisation that was split is left out, since it cannot be divided."""
    years = list(years)
    successors = current_successors()
    own: dict[int, dict[int, Figures]] = defaultdict(dict)
    inherited: dict[int, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    rows = KeyFigures.objects.filter(year__in=years).values(
        "municipality_id", "year", "updated_at", "sources", *KeyFigures.FIGURE_FIELDS
    )
    for row in rows:
        mid = row["municipality_id"]
        if mid in current_ids:
            own[mid][row["year"]] = _figures(row)
            continue
        targets = successors(mid)
        if len(targets) == 1:
            (target,) = targets
            if target in current_ids:
                inherited[target][row["year"]].append(row)
    for target, by_year in inherited.items():
        for year, parts in by_year.items():
            if year in own[target]:
                continue
            merged = _figures(parts[0])
            for name in COUNT_FIELDS + ("population",):
                values = [p[name] for p in parts if p[name] is not None]
                setattr(merged, name, sum(values) if values else None)
            for part in parts[1:]:
                for name, entry in (part["sources"] or {}).items():
                    merged.sources.setdefault(name, entry)
            own[target][year] = merged
    return own


def _figures(row: dict) -> Figures:
    share = row["immigrant_share"]
    return Figures(
        year=row["year"],
        population=row["population"],
        immigrant_share=None if share is None else float(share),
        centrality_score=row["centrality_score"],
        centrality_class=row["centrality_class"],
        kostra_group=row["kostra_group"] or "",
        updated_at=row["updated_at"],
        sources=dict(row.get("sources") or {}),
        **{name: row[name] for name in COUNT_FIELDS},
    )


def _profiles(org_ids: set[int]) -> dict[int, Profile]:
    profiles: dict[int, Profile] = defaultdict(Profile)
    lines = (
        HousingLine.objects.filter(municipality_id__in=org_ids)
        .values("municipality_id")
        .annotate(now=Sum("vacant_now"), later=Sum("vacant_later"), n=Count("id"))
        .order_by()
    )
    for row in lines:
        profile = profiles[row["municipality_id"]]
        profile.vacant_units = (row["now"] or 0) + (row["later"] or 0)
        profile.housing_lines = row["n"]
    staffed = (
        StaffedHousing.objects.filter(municipality_id__in=org_ids)
        .values("municipality_id")
        .annotate(vacant=Sum("vacancies"), places=Sum("places"))
        .order_by()
    )
    for staffed_row in staffed:
        profile = profiles[staffed_row["municipality_id"]]
        profile.staffed_vacancies = staffed_row["vacant"] or 0
        profile.staffed_places = staffed_row["places"] or 0
    sections = ProfileSection.objects.filter(municipality_id__in=org_ids).values_list(
        "municipality_id", "key", "data", "last_confirmed_at"
    )
    for mid, key, data, confirmed in sections:
        profiles[mid].sections[key] = (data or {}, confirmed)
    return dict(profiles)


def _latest_kostra(by_year: dict[int, Figures]) -> str:
    """The KOSTRA group of the most recent year that has one ("" if none)."""
    return next(
        (by_year[y].kostra_group for y in sorted(by_year, reverse=True) if by_year[y].kostra_group),
        "",
    )


def report_inputs(
    municipality: Municipality,
    year: int,
    *,
    config: PeerConfig | None,
    peer_set: PeerSet | None,
) -> ReportInputs:
    """Everything the report for ``municipality`` and ``year`` reads (about 14 queries)."""
    orgs = {
        o["id"]: Org(**o)
        for o in Municipality.objects.filter(valid_to__isnull=True).values(
            "id", "number", "name", "kind", "region_id", "parent_id"
        )
    }
    first_year = year - max(TREND_YEARS, config.window_years if config else 0) + 1
    figures = _figure_rows(range(first_year, year + 1), set(orgs))

    peers: list[PeerSetMember] = []
    excluded_reason = ""
    if peer_set is not None:
        peers = list(
            PeerSetMember.objects.filter(peer_set=peer_set, municipality=municipality)
            .select_related("peer")
            .order_by("rank")
        )
        excluded_reason = "" if peers else peer_set.excluded.get(municipality.number, "")
    elif config is None:
        excluded_reason = "no_config"

    kostra_code = _latest_kostra(figures.get(municipality.pk, {}))
    kostra_group = KostraGroup.objects.filter(code=kostra_code).first() if kostra_code else None
    kostra_members = [
        org_id
        for org_id, by_year in figures.items()
        if kostra_code and org_id != municipality.pk and _latest_kostra(by_year) == kostra_code
    ]

    edition = SurveyEdition.objects.filter(year=year).first()
    questions: list[Question] = []
    answers: dict[int, dict[int, Any]] = defaultdict(dict)
    own_status = None
    if edition is not None:
        questions = list(
            Question.objects.filter(edition=edition)
            .select_related("section")
            .order_by("section__position", "position")
        )
        rows = Answer.objects.filter(
            response__edition=edition, response__status__in=COUNTED, value__isnull=False
        ).values_list("question_id", "response__municipality_id", "value")
        for question_id, org_id, value in rows:
            answers[question_id][org_id] = value
        own_status = (
            Response.objects.filter(edition=edition, municipality=municipality)
            .values_list("status", flat=True)
            .first()
        )

    profile_ids = {municipality.pk, *(m.peer_id for m in peers)} | set(orgs)
    return ReportInputs(
        municipality=municipality,
        year=year,
        config=config,
        peer_set=peer_set,
        peers=peers,
        excluded_reason=excluded_reason,
        orgs=orgs,
        figures=figures,
        kostra_code=kostra_code,
        kostra_group=kostra_group,
        kostra_members=sorted(kostra_members),
        edition=edition,
        questions=questions,
        answers=dict(answers),
        own_response_status=own_status,
        profiles=_profiles(profile_ids),
    )


def batch_progress(batch) -> dict[str, Any]:
    """Counts per status of the batch's reports, and the share done (one query)."""
    counts = {
        row["status"]: row["n"]
        for row in batch.reports.values("status").annotate(n=Count("id")).order_by()
    }
    total = sum(counts.values())
    done = counts.get(BenchmarkReport.Status.READY, 0) + counts.get(
        BenchmarkReport.Status.FAILED, 0
    )
    return {
        "total": total,
        "ready": counts.get(BenchmarkReport.Status.READY, 0),
        "failed": counts.get(BenchmarkReport.Status.FAILED, 0),
        "running": counts.get(BenchmarkReport.Status.RUNNING, 0),
        "pending": counts.get(BenchmarkReport.Status.PENDING, 0),
        "done": done,
        "percent": round(100 * done / total) if total else 100,
        "finished": batch.finished_at is not None or (total > 0 and done == total),
    }
