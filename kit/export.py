"""Spreadsheet-safe exports: UTF-8 with a BOM (Excel then reads Japanese text right), and
formula injection escaped (a cell Excel would run as a formula gets a leading ')."""

from __future__ import annotations

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class CsvLine:
    """A file-like object that hands back what ``csv.writer`` writes."""

    def write(self, value: str) -> str:
        return value
