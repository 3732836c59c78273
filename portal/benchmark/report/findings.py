"""Page 1's plain-language findings: 3–6 sentences generated from rules, most telling first."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.benchmark import suppression
from portal.benchmark.report.context import Context


def findings(ctx: Context, parts: dict[str, Any]) -> list[str]:
    """3–6 plain sentences from rules, most telling first."""
    period = ctx.window_label
    if parts["peers"]["available"]:
        peer_word, peer_key = _("peer median"), "peers"
    else:
        peer_word, peer_key = _("KOSTRA group median"), "kostra"
    out = [
        *_settlement_findings(parts["settlement"], period, peer_word, peer_key),
        *_intro_findings(parts["intro"], period, peer_word, peer_key),
        *_position_findings(ctx, parts["position"]),
        *_housing_findings(parts["housing"]),
    ]
    if not parts["peers"]["available"]:
        out.append(parts["peers"]["reason"])
    return out[:6]


def _settlement_findings(
    s: dict[str, Any], period: str, peer_word: str, peer_key: str
) -> list[str]:
    if not s["has_data"]:
        return [_("There are no settlement figures for %(period)s.") % {"period": period}]
    out = []
    settled = s["rows"][2]
    if settled["you"]["suppressed"]:
        out.append(
            _("In %(period)s the number settled is too small to show (%(symbol)s).")
            % {"period": period, "symbol": suppression.SUPPRESSED_SYMBOL}
        )
    elif settled["you"]["value"] is not None:
        out.append(
            _(
                "In %(period)s you settled %(value)s of the number requested; %(peer)s "
                "%(median)s, country %(country)s."
            )
            % {
                "period": period,
                "value": settled["you"]["text"],
                "peer": peer_word,
                "median": settled[peer_key]["text"],
                "country": settled["country"]["text"],
            }
        )
    decided = s["rows"][0]
    if decided["you"]["value"] is not None and not decided["you"]["suppressed"]:
        out.append(
            _(
                "The council decided to settle %(value)s of the requested number; %(peer)s %(median)s."
            )
            % {
                "value": decided["you"]["text"],
                "peer": peer_word,
                "median": decided[peer_key]["text"],
            }
        )
    return out


def _intro_findings(intro: dict[str, Any], period: str, peer_word: str, peer_key: str) -> list[str]:
    if not intro["has_data"]:
        return [
            _("There are no introduction programme results for %(period)s.") % {"period": period}
        ]
    one_year = intro["rows"][1]
    if one_year["you"]["suppressed"] or one_year["you"]["value"] is None:
        return []
    target = (
        _("which meets the national target of 70 %")
        if intro["meets_target"]
        else _("below the national target of 70 %")
    )
    return [
        _(
            "%(value)s of those who completed the introduction programme were in work or "
            "education one year after, %(target)s; %(peer)s %(median)s."
        )
        % {
            "value": one_year["you"]["text"],
            "target": target,
            "peer": peer_word,
            "median": one_year[peer_key]["text"],
        }
    ]


def _position_findings(ctx: Context, position: dict[str, Any]) -> list[str]:
    if not position["placed"]:
        return []
    return [
        _("Compared with %(area)s, %(name)s is placed as: %(quadrant)s.")
        % {"area": position["area"], "name": ctx.you, "quadrant": position["label"].lower()}
    ]


def _housing_findings(housing: dict[str, Any]) -> list[str]:
    out = []
    if housing["coverage"]["value"] is not None:
        out.append(
            _(
                "The vacant dwellings reported (%(units)s) cover %(share)s of this year's request of %(requested)s."
            )
            % {
                "units": housing["vacant_units"],
                "share": housing["coverage"]["text"],
                "requested": housing["requested"],
            }
        )
    if housing["has_profile"]:
        out.append(
            ngettext(
                "%(fresh)d of %(total)d profile section has been confirmed in the last %(days)d days.",
                "%(fresh)d of %(total)d profile sections have been confirmed in the last %(days)d days.",
                housing["section_count"],
            )
            % {
                "fresh": housing["fresh_count"],
                "total": housing["section_count"],
                "days": housing["stale_days"],
            }
        )
    else:
        out.append(_("The housing and service profile has not been filled in yet."))
    return out
