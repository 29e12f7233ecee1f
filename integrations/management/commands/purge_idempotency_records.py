"""Delete idempotency records older than the retry window (run daily, e.g. from cron)."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from integrations.models import IdempotencyRecord


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than --hours (default 24)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options):
        cutoff = timezone.now() - dt.timedelta(hours=hours)
        deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} idempotency records deleted.")
