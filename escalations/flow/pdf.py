"""The flow page as a PDF (A4), rendered by WeasyPrint from the same template content.

WeasyPrint needs pango (Debian: libpango-1.0-0, libpangoft2-1.0-0) and Japanese fonts
(fonts-noto-cjk). Nothing is fetched: the stylesheet and the diagram are inline, and any other
URL is refused."""

from __future__ import annotations


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the flow PDF fetches nothing: {url}")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading pango takes a moment

    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
