"""Reads of municipality data, with the joins each page needs already applied."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from portal.accounts.access import visible_municipalities
from portal.municipalities import key_figure_plan
from portal.municipalities.models import KeyFigures, KeyFigureUpload, Municipality


def current_organisations() -> QuerySet[Municipality]:
    return Municipality.objects.filter(valid_to__isnull=True)


def municipality_list(
    *,
    user,
    year: int,
    region: str = "",
    county: str = "",
    kind: str = "",
    query: str = "",
) -> QuerySet[Municipality]:
    """Current organisations the user may see, each with its key figures for ``year``."""
    qs = visible_municipalities(user, current_organisations()).select_related(
        "county", "region", "parent"
    )
    if region:
        qs = qs.filter(region__code=region)
    if county:
        qs = qs.filter(county__number=county)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        query = query.strip()
        qs = (
            qs.filter(number__startswith=query)
            if query.isdigit()
            else qs.filter(name__icontains=query)
        )
    return qs.prefetch_related(
        Prefetch(
            "key_figures", queryset=KeyFigures.objects.filter(year=year), to_attr="figures_for_year"
        )
    ).order_by("number")


def key_figures_for(municipality: Municipality) -> list[KeyFigures]:
    """Every year's key figures of the organisation and of the organisations it succeeded."""
    predecessor_ids = list(municipality.predecessors.values_list("pk", flat=True))
    return list(
        KeyFigures.objects.filter(municipality_id__in=[municipality.pk, *predecessor_ids])
        .select_related("municipality")
        .order_by("-year", "municipality__number")
    )


def municipality_history(municipality: Municipality) -> dict[str, list[Municipality]]:
    return {
        "predecessors": list(municipality.predecessors.order_by("valid_from", "number")),
        "successors": list(municipality.successors.order_by("number")),
    }


def key_figure_upload(user, pk: int) -> KeyFigureUpload | None:
    """The user's own upload (another person's answers None, like a missing one)."""
    return KeyFigureUpload.objects.filter(pk=pk, user=user).first()


def current_structure_year() -> int | None:
    """The year the municipal structure in force now began (2024 for the 2024 reform)."""
    return key_figure_plan.current_structure_year()
