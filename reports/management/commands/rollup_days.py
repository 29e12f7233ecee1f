"""Roll up the dashboard's figures: without dates, every finished day that has no rollup yet
(what the nightly task does); with ``--start``/``--end``, rebuild those days (replacing their
rows: the cases are counted as they are now)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import rollup


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from error


class Command(BaseCommand):
    help = "Roll up the dashboard's figures of finished days, or rebuild a range of days."

    def add_arguments(self, parser):
        parser.add_argument("--start", type=str, help="first day to rebuild (YYYY-MM-DD)")
        parser.add_argument(
            "--end", type=str, help="last day to rebuild (YYYY-MM-DD; default: yesterday)"
        )

    def handle(self, *args, start=None, end=None, **options):
        began = time.perf_counter()
        if start is None and end is None:
            days = rollup.rollup_finished_days()
            self.stdout.write(
                _("Rolled up %(days)s days in %(seconds).1f s.")
                % {"days": len(days), "seconds": time.perf_counter() - began}
            )
            return
        today = timezone.localdate()
        last = _date(end) if end else today - dt.timedelta(days=1)
        first = _date(start) if start else last
        try:
            rows = rollup.rebuild_days(start=first, end=last, today=today)
        except ValueError as error:
            raise CommandError(
                _("Choose days that are over, the first one not after the last one.")
            ) from error
        self.stdout.write(
            _("Rebuilt %(first)s to %(last)s: %(rows)s rows in %(seconds).1f s.")
            % {
                "first": first.isoformat(),
                "last": last.isoformat(),
                "rows": rows,
                "seconds": time.perf_counter() - began,
            }
        )
