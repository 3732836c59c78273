"""The reference document for PDF performance: a plain 8-page A4 report with 12 SVG bar charts and
12 tables, the render floor that the benchmark report is compared against (per page).

The document is the one of the shared performance reference ``bench/wp_reference.py`` of the
project's performance notes, copied here so that the benchmarks run without it: the same HTML
(seeded random numbers, so every run renders the same bytes), rendered the same way
(``weasyprint.HTML(string=html).write_pdf()``, plain or as PDF/UA). Run on its own it prints what
the original prints::

    .venv/bin/python bench/wp_reference.py
"""

from __future__ import annotations

import random
import time

VARIANTS: tuple[str | None, ...] = (None, "pdf/ua-1")


def _svg_bar(values: list[int]) -> str:
    w, h = 400, 160
    bw = w / len(values)
    bars = "".join(
        f'<rect x="{i * bw + 2}" y="{h - v * 1.5}" width="{bw - 4}" height="{v * 1.5}" '
        'fill="#2a6"/>'
        for i, v in enumerate(values)
    )
    return (
        f'<svg width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">{bars}'
        f'<line x1="0" x2="{w}" y1="{h - 75}" y2="{h - 75}" stroke="red"/></svg>'
    )


def reference_html() -> str:
    """The reference document: the same every time (its own seeded random numbers)."""
    rng = random.Random(1)  # the same sequence as the original's random.seed(1)
    sections = []
    for s in range(12):
        rows = "".join(
            f"<tr><td>Indikator {s}.{r}</td><td>{rng.randint(0, 100)} %</td>"
            f"<td>{rng.randint(0, 100)} %</td><td>{rng.randint(0, 100)} %</td></tr>"
            for r in range(10)
        )
        chart = _svg_bar([rng.randint(5, 100) for _ in range(15)])
        sections.append(
            f"<h2>Seksjon {s}</h2><p>{'Lorem ipsum dolor sit amet. ' * 20}</p>{chart}"
            f"<table>{rows}</table>"
        )
    style = (
        "@page{size:A4;margin:2cm} body{font-family:sans-serif;font-size:10pt} "
        "table{border-collapse:collapse;width:100%} td{border:1px solid #ccc;padding:2px} "
        "h2{break-before:auto}"
    )
    return (
        f"<html><head><style>{style}</style></head><body><h1>Benchmark Kommune X</h1>"
        f"{''.join(sections)}</body></html>"
    )


def render_reference(html: str, variant: str | None) -> bytes:
    """The reference document as a PDF, rendered as the original renders it."""
    import weasyprint

    document = weasyprint.HTML(string=html)
    return document.write_pdf(pdf_variant=variant) if variant else document.write_pdf()


def reference_pages(html: str) -> int:
    import weasyprint

    return len(weasyprint.HTML(string=html).render().pages)


def main() -> None:
    html = reference_html()
    for variant in VARIANTS:
        times = []
        for _ in range(4):
            started = time.perf_counter()
            pdf = render_reference(html, variant)
            times.append(time.perf_counter() - started)
        print(
            variant,
            "pages",
            reference_pages(html),
            "bytes",
            len(pdf),
            "times",
            [round(t, 3) for t in times],
        )


if __name__ == "__main__":
    main()
