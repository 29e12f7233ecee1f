"""Decide for every escalation from L1 not decided yet whether it repeats an answered
question (what the every-minute task does, here to the end: after a restore or an upgrade);
with ``--recheck DATE``, decide again those requested from that day on (local time)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge import repeats


class Command(BaseCommand):
    help = "Decide which escalations repeat a question answered within the 30 days before."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recheck", type=str, help="decide again from this day on (YYYY-MM-DD, local)"
        )

    def handle(self, *args, recheck=None, **options):
        since = None
        if recheck:
            try:
                day = dt.date.fromisoformat(recheck)
            except ValueError as error:
                raise CommandError(
                    _("Not a date (YYYY-MM-DD): %(value)s") % {"value": recheck}
                ) from error
            since = timezone.make_aware(dt.datetime.combine(day, dt.time()))
        began = time.perf_counter()
        decided = repeats.check_repeats(max_batches=None, batch_size=200_000, recheck_since=since)
        self.stdout.write(
            _("Decided %(n)s escalations in %(seconds).1f s.")
            % {"n": decided, "seconds": time.perf_counter() - began}
        )
        if recheck:  # the dashboard's rollup counted the old decisions of the finished days
            self.stdout.write(
                _(
                    "The dashboard's days already rolled up still count the previous "
                    "decisions: rebuild them with manage.py rollup_days --start %(day)s."
                )
                % {"day": recheck}
            )
