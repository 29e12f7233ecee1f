"""The audit log as CSV: UTF-8 with a BOM (Excel then reads the Japanese text right), and
formula injection escaped (a cell Excel would run as a formula gets a leading ')."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from audit.selectors import Entry
from kit.export import BOM, CsvLine, escape_cell
from kit.times import local_second


def csv_lines(entries: Iterable[Entry]) -> Iterator[str]:
    writer = csv.writer(CsvLine())
    header = [
        _("Date"),
        _("User"),
        _("Action"),
        _("Model"),
        _("Object"),
        _("Object id"),
        _("Reason"),
        _("Changes"),
    ]
    yield BOM + writer.writerow(header)
    for entry in entries:
        changes = "\n".join(
            f"{c.field}: {c.new}" if not c.old else f"{c.field}: {c.old} → {c.new}"
            for c in entry.changes
        )
        row = [
            local_second(entry.date),
            entry.user,
            entry.action_label,
            entry.model,
            entry.object,
            str(entry.object_id),
            entry.reason_label,
            changes,
        ]
        yield writer.writerow([escape_cell(cell) for cell in row])
