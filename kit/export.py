"""Spreadsheet-safe exports: UTF-8 with a BOM (Excel then reads Japanese text right), and
formula injection escaped (a cell Excel would run as a formula gets a leading ')."""

from __future__ import annotations

import unicodedata

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r", "\n")
# What a spreadsheet skips before it looks for a formula: spaces (also full-width and
# no-break), a byte order mark, zero-width characters.
IGNORED_LEAD = " \t\r\n\u3000\u00a0\ufeff\u200b\u200c\u200d\u2060"


def escape_cell(value: str) -> str:
    """The one formula-injection escape of every export (audit log CSV, report CSV and XLSX):
    a cell a spreadsheet could run as a formula gets a leading ``'``. That is a cell starting
    with ``= + - @`` (also full-width ``＝＋－＠``, after spaces, a BOM or zero-width
    characters) or with a tab, carriage return or line feed."""
    if value.startswith(CONTROL_STARTS):
        return "'" + value
    head = unicodedata.normalize("NFKC", value.lstrip(IGNORED_LEAD)[:1])
    return "'" + value if head.startswith(FORMULA_STARTS) else value


class CsvLine:
    """A file-like object that hands back what ``csv.writer`` writes."""

    def write(self, value: str) -> str:
        return value
