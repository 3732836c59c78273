"""Housing and services, from the housing and service profile: vacant dwellings against this
year's request, how many profile sections were confirmed lately, and the services present
against the peers and the country."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from housing.models import STALE_AFTER_DAYS, SectionKey
from housing.sections import SERVICE_FACTS, YES_NO, Fact
from portal.benchmark import indicators
from portal.benchmark.report.cells import median, num, pct, value_cell
from portal.benchmark.report.context import Context
from portal.benchmark.selectors import Profile


def housing_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    own_figures = ctx.figures(ctx.m.pk, ctx.year)
    requested = own_figures.requested if own_figures else None
    profile = inputs.profiles.get(ctx.m.pk)
    stale_before = timezone.now() - dt.timedelta(days=STALE_AFTER_DAYS)
    has_profile = profile is not None and bool(profile.sections or profile.housing_lines)
    peer_coverage = median([_coverage(ctx, pid) for pid in inputs.peer_ids])
    peer_fresh = median([_freshness(ctx, pid, stale_before) for pid in inputs.peer_ids])
    sections = _section_rows(profile, stale_before) if profile is not None else []
    result: dict[str, Any] = {
        "has_profile": has_profile,
        "requested": num(requested) if requested is not None else None,
        "vacant_units": profile.vacant_units if profile else 0,
        "staffed_vacancies": profile.staffed_vacancies if profile else 0,
        "staffed_places": profile.staffed_places if profile else 0,
        "coverage": value_cell(_coverage(ctx, ctx.m.pk)),
        "peer_coverage": value_cell(peer_coverage),
        "freshness": value_cell(_freshness(ctx, ctx.m.pk, stale_before)),
        "peer_freshness": value_cell(peer_fresh),
        "fresh_count": sum(1 for s in sections if s["fresh"]),
        "section_count": len(SectionKey.values),
        "sections": sections,
        "stale_days": STALE_AFTER_DAYS,
    }
    _add_housing_csv(ctx, result)
    return result


def _coverage(ctx: Context, org_id: int) -> float | None:
    """Vacant dwellings ÷ this year's request."""
    p = ctx.inputs.profiles.get(org_id)
    f = ctx.figures(org_id, ctx.year)
    if p is None or not p.housing_lines or f is None:
        return None
    return indicators.ratio(p.vacant_units, f.requested)


def _freshness(ctx: Context, org_id: int, stale_before: dt.datetime) -> float | None:
    """The share of the profile's sections confirmed since ``stale_before``."""
    p = ctx.inputs.profiles.get(org_id)
    if p is None or not p.sections:
        return None
    fresh = sum(
        1 for _data, confirmed in p.sections.values() if confirmed and confirmed >= stale_before
    )
    return fresh / len(SectionKey.values)


def _section_rows(profile: Profile, stale_before: dt.datetime) -> list[dict[str, Any]]:
    sections = []
    for key, label in SectionKey.choices:
        _data, confirmed = profile.sections.get(key, ({}, None))
        sections.append(
            {
                "label": str(label),
                "confirmed": date_format(timezone.localtime(confirmed), "DATE_FORMAT")
                if confirmed
                else _("Never confirmed"),
                "fresh": bool(confirmed and confirmed >= stale_before),
            }
        )
    return sections


def _add_housing_csv(ctx: Context, result: dict[str, Any]) -> None:
    section = _("Housing")
    ctx.csv.add(
        section,
        _("Vacant dwellings (now and later)"),
        ctx.you,
        str(ctx.year),
        str(result["vacant_units"]),
    )
    ctx.csv.add(
        section,
        _("Vacant dwellings as a share of the request"),
        ctx.you,
        str(ctx.year),
        result["coverage"],
    )
    ctx.csv.add(
        section,
        _("Vacant dwellings as a share of the request"),
        _("Peer median"),
        str(ctx.year),
        result["peer_coverage"],
    )
    ctx.csv.add(
        section,
        _("Profile sections confirmed in the last %(days)d days") % {"days": STALE_AFTER_DAYS},
        ctx.you,
        "",
        result["freshness"],
    )


def services_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    rows: list[dict[str, Any]] = []
    for key, facts in SERVICE_FACTS.items():
        for fact in facts:
            if fact.kind != YES_NO:
                continue
            own = _service_value(ctx, ctx.m.pk, key, fact)
            peer_values = _stated_values(ctx, inputs.peer_ids, key, fact)
            country_values = _stated_values(ctx, inputs.municipality_ids, key, fact)
            if own is None and not peer_values and not country_values:
                continue
            row = _service_row(key, fact, own, peer_values, country_values)
            rows.append(row)
            ctx.csv.add(_("Services"), row["label"], ctx.you, "", row["you"])
    return {"rows": rows}


def _service_value(ctx: Context, org_id: int, key: str, fact: Fact) -> Any:
    """The organisation's answer to a yes/no fact of its profile; None when not stated."""
    p = ctx.inputs.profiles.get(org_id)
    if p is None or key not in p.sections:
        return None
    return p.sections[key][0].get(fact.name)


def _stated_values(ctx: Context, org_ids: Iterable[int], key: str, fact: Fact) -> list[Any]:
    """The answers of those of ``org_ids`` that have stated one."""
    values = (_service_value(ctx, org_id, key, fact) for org_id in org_ids)
    return [v for v in values if v is not None]


def _service_row(
    key: str, fact: Fact, own: Any, peer_values: list[Any], country_values: list[Any]
) -> dict[str, Any]:
    return {
        "section": str(SectionKey(key).label),
        "label": str(fact.label),
        "you": _("Yes") if own is True else (_("No") if own is False else _("Not stated")),
        "peers": _("%(k)d of %(n)d")
        % {"k": sum(1 for v in peer_values if v), "n": len(peer_values)}
        if peer_values
        else "–",
        "country": pct(sum(1 for v in country_values if v) / len(country_values))
        if country_values
        else "–",
    }
