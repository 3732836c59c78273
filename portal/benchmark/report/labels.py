"""The names of the peer-matching variables, in the active language."""

from __future__ import annotations

from django.utils.translation import gettext as _


def variable_labels() -> dict[str, str]:
    return {
        "log_population": _("Population (log scale)"),
        "centrality": _("Centrality index (0–1000)"),
        "immigrant_share": _("Immigrant share (%)"),
        "settled_per_1000_5y": _("Refugees settled per 1 000 inhabitants per year (5 years)"),
    }
