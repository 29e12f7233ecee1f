"""Retention: delete history rows older than a date. The one documented way past the
database trigger that makes history read-only (see README, "Audit history")."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from audit.registry import history_models, m2m_history_models

logger = logging.getLogger("audit.purge")


class Command(BaseCommand):
    help = (
        "Delete history rows dated before a day (in the project's time zone), in every history "
        "table, in one transaction. For administrators: run it from the server's shell."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: first day kept.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, before: str, dry_run: bool, **options):
        try:
            day = dt.date.fromisoformat(before)
        except ValueError as exc:
            raise CommandError(f"--before must be a date as YYYY-MM-DD, not {before!r}.") from exc
        if day > timezone.localdate():
            raise CommandError("--before cannot be in the future.")
        cutoff = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        with transaction.atomic():
            bypass = connection.vendor == "postgresql" and not dry_run
            if bypass:
                # Transaction-local: it ends with this transaction (or its savepoint, rolled
                # back on error) and is switched off again right after the deletes.
                self._allow_purge("on")
            total = self._purge(cutoff, dry_run)
            if bypass:
                self._allow_purge("off")
        verb = "would delete" if dry_run else "deleted"
        message = f"{verb} {total} history rows dated before {day.isoformat()}"
        if not dry_run:
            logger.warning("purge_history: %s", message)
        self.stdout.write(message)

    @staticmethod
    def _allow_purge(value: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('audit.allow_purge', %s, true)", [value])

    def _purge(self, cutoff: dt.datetime, dry_run: bool) -> int:
        total = 0
        for model in history_models():
            old = model._default_manager.filter(history_date__lt=cutoff)
            if dry_run:
                count = old.count()
            else:
                for m2m_model in m2m_history_models(model).values():
                    m2m_model._default_manager.filter(history__in=old)._raw_delete(connection.alias)
                count = old._raw_delete(connection.alias)
            if count:
                self.stdout.write(f"{model._meta.label}: {count}")
            total += count
        return total
