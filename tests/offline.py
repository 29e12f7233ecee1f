"""Pages served without the internet: nothing they load comes from another site."""

from __future__ import annotations

import re

# an attribute that loads or links something from another host (``//host``, ``http(s)://``)
_ELSEWHERE = re.compile(r"""\b(?:src|href|srcset)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
# a stylesheet's or script's import from another host
_IMPORTED = re.compile(r"""(?:@import|url\()\s*["']?\s*(?:https?:)?//""", re.I)


def loads_from_elsewhere(html: str) -> list[str]:
    """The places in ``html`` that load something from another host (empty: none). The
    page's text may mention such addresses (e.g. an SVG's namespace): only what is loaded or
    linked counts."""
    return [m.group(0) for pattern in (_ELSEWHERE, _IMPORTED) for m in pattern.finditer(html)]
