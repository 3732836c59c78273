"""The state shared while a report is built: its inputs, the pooled figures and the CSV rows."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from portal.benchmark import indicators, suppression
from portal.benchmark.report.cells import plain
from portal.benchmark.selectors import Figures, ReportInputs


class Csv:
    """The numbers of the report as rows: section, indicator, unit, period, value, note."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def add(self, section: Any, indicator: Any, unit: Any, period: Any, c: Any) -> None:
        if isinstance(c, dict):
            value = "" if c["value"] is None else plain(c["value"])
            note = (
                str(suppression.SUPPRESSED_SYMBOL)
                if c["suppressed"]
                else (str(suppression.UNCERTAIN_LABEL) if c["uncertain"] else "")
            )
        else:
            value, note = c, ""
        self.rows.append([str(section), str(indicator), str(unit), str(period), value, note])


class Context:
    """Shared state while building: the inputs, the pooled figures per organisation, the CSV."""

    def __init__(self, inputs: ReportInputs, *, identifier: str) -> None:
        self.inputs = inputs
        self.identifier = identifier
        self.m = inputs.municipality
        self.year = inputs.year
        self.window = inputs.config.window_years if inputs.config else 3
        self.csv = Csv()
        self.you = str(inputs.municipality.name)
        self.series = {org_id: inputs.series(org_id) for org_id in inputs.orgs}

    @property
    def window_label(self) -> str:
        first = self.year - self.window + 1
        return str(self.year) if first == self.year else f"{first}–{self.year}"

    def pooled(self, org_id: int, unaccompanied: bool = False) -> indicators.SettlementRatios:
        return indicators.settlement_pooled(
            self.series.get(org_id, []),
            year=self.year,
            window=self.window,
            unaccompanied=unaccompanied,
        )

    def figures(self, org_id: int, year: int) -> Figures | None:
        return self.inputs.figures.get(org_id, {}).get(year)

    @cached_property
    def country_rows(self) -> list[Figures]:
        """Every year's figures of every municipality (not city districts): the country."""
        return [f for mid in self.inputs.municipality_ids for f in self.series.get(mid, [])]

    def name(self, org_id: int) -> str:
        return self.inputs.orgs[org_id].name if org_id in self.inputs.orgs else str(org_id)

    def add_comparison(self, section: Any, label: Any, row: dict[str, Any]) -> None:
        """The CSV rows of a pooled comparison row: you, peer median, KOSTRA group, country."""
        for unit, name in (
            ("you", self.you),
            ("peers", _("Peer median")),
            ("kostra", _("KOSTRA group median")),
            ("country", _("Country")),
        ):
            self.csv.add(section, label, name, self.window_label, row[unit])
