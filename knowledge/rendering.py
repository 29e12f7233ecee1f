"""Article bodies: Markdown rendered by Python-Markdown, then sanitised by nh3 (ammonia) with an
allow-list: raw HTML written in the Markdown loses every tag and attribute not on the list
(``<script>`` and ``<style>`` with their content), so no script, no event handler attribute and
no ``javascript:`` URL reaches a page."""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(source: str) -> SafeString:
    """Sanitised HTML for ``source`` (Markdown)."""
    html = markdown.markdown(source, extensions=["tables", "fenced_code", "sane_lists", "nl2br"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - nh3 output, allow-listed above
