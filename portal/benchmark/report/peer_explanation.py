"""The report's peers and why: each peer's similarity and what drives the distance, and the
municipality's value against the peer median for each matching variable."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.benchmark.models import PeerSetMember
from portal.benchmark.peers import VARIABLES
from portal.benchmark.report.cells import num, pct
from portal.benchmark.report.context import Context
from portal.benchmark.report.labels import variable_labels, variable_phrases
from portal.benchmark.selectors import peer_window_label
from portal.municipalities.models import Municipality


def peers_part(ctx: Context) -> dict[str, Any]:
    inputs = ctx.inputs
    labels = variable_labels()
    # In the peer variables' own order: a JSON column read back from PostgreSQL orders its keys
    # its own way (by length, then bytes), which would reorder the table and the sentence.
    stored = inputs.config.variables if inputs.config else {}
    weights = {
        v: stored[v] for v in (*VARIABLES, *sorted(set(stored) - set(VARIABLES))) if v in stored
    }
    own = _own_values(ctx)
    left_out = _left_out(ctx, weights, own, labels)
    if not inputs.peers:
        reasons = _no_peers_reasons()
        reason = "district" if ctx.m.kind == Municipality.Kind.DISTRICT else inputs.excluded_reason
        return {
            "available": False,
            "reason": reasons.get(reason, reasons["no_candidates"]),
            "left_out": left_out,
        }
    comparison = inputs.peer_set.comparison.get(ctx.m.number, {}) if inputs.peer_set else {}
    rows = [_peer_row(ctx, member, labels) for member in inputs.peers]
    totals = _driver_totals(inputs.peers, weights)
    n = len(inputs.peers) or 1
    variables = [
        _variable_row(
            variable,
            weights[variable],
            comparison.get(variable, {}),
            drive=totals.get(variable, 0.0) / n,
            labels=labels,
            used=float(weights[variable]) > 0 and own.get(variable) is not None,
        )
        for variable in weights
    ]
    used = [v for v in weights if float(weights[v]) > 0 and own.get(v) is not None]
    return {
        "available": True,
        "rows": rows,
        "variables": variables,
        "count": len(rows),
        "matched_on": _in_words([variable_phrases()[v] for v in used if v in VARIABLES]),
        "left_out": left_out,
    }


def _own_values(ctx: Context) -> dict[str, Any]:
    """The municipality's own peer variables as the frozen peer set holds them ({} without)."""
    peer_set = ctx.inputs.peer_set
    return dict(peer_set.inputs.get(ctx.m.number, {})) if peer_set is not None else {}


def _left_out(
    ctx: Context, weights: dict[str, Any], own: dict[str, Any], labels: dict[str, str]
) -> list[str]:
    """What the peer choice could not use, in words: each weighted variable with no figures
    for the municipality (left out of all its distances) or for some of its peers (left out of
    theirs). City districts are not matched, so there is nothing to say for them."""
    peer_set = ctx.inputs.peer_set
    if peer_set is None or ctx.m.number not in peer_set.inputs:
        return []
    period = peer_window_label(ctx.year)
    notes: list[str] = []
    for variable, weight in weights.items():
        if float(weight) <= 0 or variable not in VARIABLES:
            continue
        words = {"variable": labels[variable], "period": period, "name": ctx.you}
        if own.get(variable) is None:
            anyone = any(values.get(variable) is not None for values in peer_set.inputs.values())
            notes.append(
                (
                    _(
                        "No figures for %(variable)s for %(period)s for %(name)s — the variable "
                        "is not used in choosing the peers; the other variables count "
                        "proportionally more."
                    )
                    if anyone
                    else _(
                        "No figures for %(variable)s for %(period)s for any municipality — the "
                        "variable is not used in choosing the peers."
                    )
                )
                % words
            )
            continue
        lacking = sum(1 for member in ctx.inputs.peers if variable not in member.drivers)
        if lacking:
            notes.append(
                ngettext(
                    "%(n)d of the %(k)d peers has no figures for %(variable)s for %(period)s: "
                    "its similarity is worked out from the other variables.",
                    "%(n)d of the %(k)d peers have no figures for %(variable)s for %(period)s: "
                    "their similarity is worked out from the other variables.",
                    lacking,
                )
                % {**words, "n": lacking, "k": len(ctx.inputs.peers)}
            )
    return notes


def _in_words(items: list[str]) -> str:
    """ "a, b and c" in the active language."""
    if len(items) < 2:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _no_peers_reasons() -> dict[str, str]:
    return {
        "no_config": _("No peer configuration has been set up yet."),
        "missing_values": _(
            "Too few of the matching figures are known for this organisation to choose peers."
        ),
        "unknown_size_band": _("The population is not known, so the size band cannot be used."),
        "no_near_peers": _(
            "No municipality is similar enough to be a near peer. The report compares with the "
            "KOSTRA group and the country instead."
        ),
        "no_candidates": _("No other municipality could be compared."),
        "district": _(
            "City districts are not matched with peers; the report compares with the country."
        ),
    }


def _peer_row(ctx: Context, member: PeerSetMember, labels: dict[str, str]) -> dict[str, Any]:
    """One peer's row, with the (at most two) variables that drive most of its distance."""
    drivers = sorted(member.drivers.items(), key=lambda kv: -kv[1])
    ctx.csv.add(
        _("Peers"),
        _("Similarity (0–100)"),
        member.peer.name,
        str(ctx.year),
        str(round(member.similarity, 1)),
    )
    return {
        "rank": member.rank,
        "number": member.peer.number,
        "name": member.peer.name,
        "similarity": round(member.similarity),
        "drivers": ", ".join(labels.get(v, v) for v, share in drivers[:2] if share >= 0.2)
        or _("evenly spread"),
    }


def _driver_totals(members: list[PeerSetMember], weights: dict[str, Any]) -> dict[str, float]:
    """Each variable's share of the distance, summed over the peers."""
    totals: dict[str, float] = dict.fromkeys(weights, 0.0)
    for member in members:
        for variable, share in member.drivers.items():
            totals[variable] = totals.get(variable, 0.0) + share
    return totals


def _variable_row(
    variable: str,
    weight: Any,
    values: dict[str, Any],
    *,
    drive: float,
    labels: dict[str, str],
    used: bool,
) -> dict[str, Any]:
    own, peer = values.get("value"), values.get("peer_median")
    if variable == "log_population":
        own_text = num(math.exp(own)) if own is not None else "–"
        peer_text = num(math.exp(peer)) if peer is not None else "–"
        label = _("Population")
    else:
        decimals = 1 if variable in ("immigrant_share", "settled_per_1000_5y") else 0
        own_text, peer_text, label = (
            num(own, decimals),
            num(peer, decimals),
            labels.get(variable, variable),
        )
    return {
        "label": label,
        "weight": num(float(weight), 1),
        "value": own_text,
        "peer_median": peer_text,
        "drive": pct(drive) if used else _("Not used"),
        "used": used,
    }
