"""Delete idempotency records older than the retry window (Celery beat does it daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.idempotency import purge_old_records


class Command(BaseCommand):
    help = gettext_lazy(
        "Delete Idempotency-Key records older than --hours (default: IDEMPOTENCY_RETENTION_HOURS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=settings.IDEMPOTENCY_RETENTION_HOURS)

    def handle(self, *args, hours: int, **options):
        deleted = purge_old_records(hours=hours)
        self.stdout.write(_("%(n)d idempotency records deleted.") % {"n": deleted})
