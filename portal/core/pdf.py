"""One way to turn HTML into a PDF: local files only, fonts shipped with the portal."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from weasyprint.urls import URLFetcher

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()
PDF_VARIANT = "pdf/ua-1"  # tagged, with the document's language and title


class RemoteResourceRefused(ValueError):
    pass


class LocalFileFetcher(URLFetcher):
    """Fetches files under static/ and nothing else: no network, no other files."""

    def __init__(self):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if not (path.is_relative_to(STATIC_DIR) and path.is_file()):
                raise RemoteResourceRefused(f"refused to read {url!r}: only files under static/")
        elif parsed.scheme != "data":
            raise RemoteResourceRefused(f"refused to fetch {url!r}: PDFs use local files only")
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    """A tagged PDF (PDF/UA) from the HTML; relative URLs resolve against static/."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=LocalFileFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)
