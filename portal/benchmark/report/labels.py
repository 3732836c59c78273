"""The names of the peer-matching variables and the words of the charts, in the active language."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext as _


def variable_labels() -> dict[str, str]:
    return {
        "log_population": _("Population (log scale)"),
        "centrality": _("Centrality index (0–1000)"),
        "immigrant_share": _("Immigrant share (%)"),
        "settled_per_1000_5y": _("Refugees settled per 1 000 inhabitants per year (5 years)"),
    }


def variable_phrases() -> dict[str, str]:
    """The peer-matching variables as a sentence names them ("matched on population, …")."""
    return {
        "log_population": _("population"),
        "centrality": _("centrality"),
        "immigrant_share": _("immigrant share"),
        "settled_per_1000_5y": _("refugees settled in the last five years"),
    }


class DotPlotWords(TypedDict):
    above_text: str
    below_text: str
    at_text: str
    no_data_text: str
    peers_text: str
    band_text: str


def dot_plot_words() -> DotPlotWords:
    """The words of the report's dot plots (``charts.dot_plot``'s texts), in the active language."""
    return {
        "above_text": _("above peer median"),
        "below_text": _("below peer median"),
        "at_text": _("at peer median"),
        "no_data_text": _("No data"),
        "peers_text": _("Peers"),
        "band_text": _("Middle half of the peers and their median"),
    }
