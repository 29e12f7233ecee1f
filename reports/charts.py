"""Horizontal bar charts as inline SVG, rendered on the server: no script, no CDN (the product
runs offline). Labels and numbers are escaped; the same numbers are in a table beside."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

ROW = 22
LABEL_WIDTH = 170
BAR_WIDTH = 260
VALUE_WIDTH = 70


def bar_chart(rows: list[tuple[str, float, str]], *, title: str) -> SafeString:
    """One bar per row: (label, value, value as shown). Values are non-negative."""
    height = max(len(rows), 1) * ROW + 4
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    top = max((value for _, value, _ in rows), default=0) or 1
    bars = format_html_join(
        "",
        '<g transform="translate(0,{})">'
        '<text x="{}" y="15" text-anchor="end" class="chart-label">{}</text>'
        '<rect x="{}" y="3" width="{}" height="16" class="chart-bar"></rect>'
        '<text x="{}" y="15" class="chart-value">{}</text></g>',
        (
            (
                i * ROW + 2,
                LABEL_WIDTH - 6,
                label,
                LABEL_WIDTH,
                round(BAR_WIDTH * value / top, 1),
                LABEL_WIDTH + round(BAR_WIDTH * value / top, 1) + 4,
                shown,
            )
            for i, (label, value, shown) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        title,
        width,
        height,
        width,
        height,
        title,
        bars,
    )
