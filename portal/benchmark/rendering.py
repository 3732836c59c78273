"""The report's three forms from one content dict: HTML (page and PDF share one template), a
tagged PDF, and the numbers as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from portal.core.pdf import render_pdf
from portal.core.spreadsheets import neutralise

PDF_TEMPLATE = "pdf/benchmark_report.html"


def render_report_html(data: dict[str, Any]) -> str:
    """The finished HTML document the PDF is made from."""
    with translation.override(data["language"]):
        return render_to_string(PDF_TEMPLATE, {"report": data, "for_pdf": True})


def render_report_pdf(data: dict[str, Any]) -> bytes:
    return render_pdf(render_report_html(data))


def report_csv(data: dict[str, Any]) -> str:
    """UTF-8 text, comma-separated, CRLF line ends; texts that a spreadsheet would take for a
    formula get a leading ``'``. The caller adds the BOM when serving it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with translation.override(data["language"]):
        writer.writerow(
            [
                _("report"),
                _("section"),
                _("indicator"),
                _("unit"),
                _("period"),
                _("value"),
                _("note"),
            ]
        )
        for section, indicator, unit, period, value, note in data["csv"]:
            writer.writerow(
                [
                    data["identifier"],
                    neutralise(section),
                    neutralise(indicator),
                    neutralise(unit),
                    period,
                    value if _is_number(value) else neutralise(value),
                    neutralise(note),
                ]
            )
    return out.getvalue()


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
