"""A report as CSV: UTF-8 with a BOM and formula injection escaped, like the audit log's
export (``audit.export``)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from audit.export import BOM, escape_cell
from reports.tables import Report


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(report: Report) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([escape_cell(str(h)) for h in report.headers])
    for row in report.rows:
        yield writer.writerow([escape_cell(str(cell)) for cell in row])
