"""A report as CSV: UTF-8 with a BOM and formula injection escaped, like the audit log's
export (``kit.export``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

from kit.durations import duration_text
from kit.export import BOM, CsvLine, escape_cell
from kit.times import local_minute
from reports.tables import Report


def _text(cell: object) -> str:
    """A cell as text: a time in local time, a duration in words (never UTC, never
    ``1 day, 16:00:00``), formula starts escaped."""
    if isinstance(cell, dt.datetime):
        return local_minute(cell)
    if isinstance(cell, dt.timedelta):
        return duration_text(cell)
    return escape_cell(str(cell))


def csv_lines(report: Report) -> Iterator[str]:
    writer = csv.writer(CsvLine())
    yield BOM + writer.writerow([escape_cell(str(h)) for h in report.headers])
    for row in report.rows:
        yield writer.writerow([_text(cell) for cell in row])


def xlsx_bytes(report: Report) -> bytes:
    """The report as a one-sheet workbook: numbers stay numbers, text is escaped like in the
    CSV (a cell starting with ``=`` would otherwise be a formula)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report.key[:31]
    sheet.append([escape_cell(str(h)) for h in report.headers])
    for row in report.rows:
        sheet.append([cell if isinstance(cell, int | float) else _text(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
