"""The benchmark report's content, computed from ``ReportInputs``. No database access.

``builder.build_report`` returns a JSON-serialisable dict: the HTML page, the PDF and the CSV
are all made from it, so the three always agree, and a stored report can be shown again exactly
as it was. Texts are written in the report's language (call it inside ``translation.override``).

Every part appears as soon as its data exist and says "no data" otherwise. Counts about persons
go through ``suppression`` (":" for suppressed, "uncertain" for bases of 10–29 persons).

One module per part of the report (``peer_explanation``, ``settlement``, ``intro``,
``position``, ``profile`` for housing and services, ``survey``), the page-1 ``findings``, and
what they share: ``context`` (the inputs, the pooled figures and the CSV rows while building),
``cells`` (formatting and the table cells) and ``labels``.
"""
