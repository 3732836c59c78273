"""The whole report: every part, the findings, the method and data sources, and the CSV rows."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.benchmark import suppression
from portal.benchmark.models import PeerConfig
from portal.benchmark.peers import VARIABLES
from portal.benchmark.report.cells import num
from portal.benchmark.report.context import Context
from portal.benchmark.report.findings import findings
from portal.benchmark.report.intro import intro_part
from portal.benchmark.report.labels import variable_labels
from portal.benchmark.report.peer_explanation import peers_part
from portal.benchmark.report.position import position_part
from portal.benchmark.report.profile import housing_part, services_part
from portal.benchmark.report.settlement import settlement_part, unaccompanied_part
from portal.benchmark.report.survey import survey_part
from portal.benchmark.selectors import REPORT_FORMAT, ReportInputs
from portal.municipalities.models import Municipality, source_label
from surveys.models import localized


def build_report(inputs: ReportInputs, *, identifier: str, language: str) -> dict[str, Any]:
    """The report's content (see the package docstring)."""
    ctx = Context(inputs, identifier=identifier)
    m = inputs.municipality
    config = inputs.config
    labels = variable_labels()
    # In the report's order: each part adds its rows to the CSV as it is made.
    parts: dict[str, Any] = {
        "peers": peers_part(ctx),
        "settlement": settlement_part(ctx),
        "unaccompanied": unaccompanied_part(ctx),
        "intro": intro_part(ctx),
        "position": position_part(ctx),
        "housing": housing_part(ctx),
        "services": services_part(ctx),
        "survey": survey_part(ctx),
    }
    generated = timezone.localtime()
    return {
        "format": REPORT_FORMAT,
        "identifier": identifier,
        "language": language,
        "year": inputs.year,
        "window": ctx.window_label,
        "generated_at": generated.isoformat(),
        "generated": date_format(generated, "DATE_FORMAT"),
        "title": _("Benchmark report %(year)d: %(name)s") % {"year": inputs.year, "name": m.name},
        "municipality": _municipality(m),
        "config": _config(config, labels),
        "peer_set_label": (
            f"{config} / {inputs.year}" if config and inputs.peer_set else _("No peer set")
        ),
        "kostra": _kostra(inputs) if inputs.kostra_code else None,
        "vintages": _vintages(ctx),
        "findings": findings(ctx, parts),
        **parts,
        "symbols": _symbols(),
        "csv": ctx.csv.rows,
    }


def _municipality(m: Municipality) -> dict[str, Any]:
    return {
        "number": m.number,
        "name": m.name,
        "kind": m.kind,
        "region": m.region.name,
        "county": m.county.name,
    }


def _config(config: PeerConfig | None, labels: dict[str, str]) -> dict[str, Any]:
    """The peer settings the report was made with, for the method section."""
    return {
        "label": str(config) if config else "–",
        "k": config.k if config else None,
        "variables": [
            {"label": labels.get(v, v), "weight": num(float(w), 1)}
            for v, w in (config.variables.items() if config else [])
            if v in VARIABLES
        ],
        "size_band": config.get_size_band_display() if config else "",
        "min_similarity": num(config.min_similarity) if config else "",
        "winsor_lower": num(config.winsor_lower) if config else "5",
        "winsor_upper": num(config.winsor_upper) if config else "95",
    }


def _kostra(inputs: ReportInputs) -> dict[str, Any]:
    return {
        "code": inputs.kostra_code,
        "name": inputs.kostra_group.name if inputs.kostra_group else inputs.kostra_code,
        "members": len(inputs.kostra_members),
    }


def _symbols() -> dict[str, str]:
    return {
        "suppressed": str(suppression.SUPPRESSED_SYMBOL),
        "suppressed_label": str(suppression.SUPPRESSED_LABEL),
        "uncertain": str(suppression.UNCERTAIN_LABEL),
        "uncertain_label": str(suppression.UNCERTAIN_EXPLANATION),
    }


def _vintages(ctx: Context) -> list[dict[str, str]]:
    """The data sources and their vintages, for the method section."""
    inputs = ctx.inputs
    rows: list[dict[str, Any]] = [_key_figures_vintage(ctx)]
    sources = _key_figure_sources(ctx)
    if sources:
        rows.append({"source": _("Key figures: sources"), "detail": sources})
    if inputs.peer_set is not None and inputs.config is not None:
        rows.append(
            {
                "source": _("Peer set"),
                "detail": _("%(config)s, frozen for %(year)d on %(date)s")
                % {
                    "config": str(inputs.config),
                    "year": ctx.year,
                    "date": date_format(
                        timezone.localtime(inputs.peer_set.computed_at), "DATE_FORMAT"
                    ),
                },
            }
        )
    if inputs.kostra_code:
        rows.append(
            {
                "source": _("KOSTRA grouping"),
                "detail": _("SSB's KOSTRA groups (2024 version): %(group)s")
                % {"group": str(inputs.kostra_group or inputs.kostra_code)},
            }
        )
    if inputs.edition is not None:
        rows.append(
            {
                "source": _("Municipal survey"),
                "detail": _("%(title)s: submitted answers as of the report date")
                % {"title": localized(inputs.edition.title)},
            }
        )
    rows.append(
        {
            "source": _("Housing and service profile"),
            "detail": _("As the municipalities had reported it on the report date"),
        }
    )
    return rows


MAX_SOURCES = 8


def _key_figure_sources(ctx: Context) -> str:
    """Where the figures came from: the organisation's own first, then the rest of the country's,
    each source once (table or file, when fetched, when imported)."""
    own = ctx.series.get(ctx.inputs.municipality.pk, [])
    rest = [f for series in ctx.series.values() for f in series]
    labels: list[str] = []
    for figures in [*own, *rest]:
        for entry in figures.sources.values():
            label = source_label(entry)
            if label and label not in labels:
                labels.append(label)
    shown = "; ".join(labels[:MAX_SOURCES])
    if len(labels) > MAX_SOURCES:
        shown += "; " + _("and %(n)d more") % {"n": len(labels) - MAX_SOURCES}
    return shown


def _key_figures_vintage(ctx: Context) -> dict[str, Any]:
    """The years with settlement or programme figures, and when they were last updated."""
    years = sorted(
        {
            f.year
            for series in ctx.series.values()
            for f in series
            if any(
                getattr(f, name) is not None for name in ("requested", "settled", "intro_completed")
            )
        }
    )
    updated = max(
        (f.updated_at for series in ctx.series.values() for f in series if f.updated_at),
        default=None,
    )
    return {
        "source": _("Key figures (IMDi, SSB)"),
        "detail": (
            _("Settlement and programme figures for %(years)s; last updated %(date)s")
            % {
                "years": ", ".join(str(y) for y in years) if years else "–",
                "date": date_format(timezone.localtime(updated), "DATE_FORMAT") if updated else "–",
            }
        ),
    }
