"""Is the SLA clock ticking? Read in one query: the last sweep, the most overdue pending
notification (through the outbox's partial index on pending rows) and whether a delivery
failed recently."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ops.models import ClockIncident, SweepHeartbeat
from ops.outbox import Notification, NotificationStatus

Kind = ClockIncident.Kind


@dataclass(frozen=True)
class ClockStatus:
    now: dt.datetime
    last_sweep_at: dt.datetime | None
    oldest_due_notification_at: dt.datetime | None
    recent_failure: bool
    problems: list[str] = field(default_factory=list)  # ClockIncident.Kind values

    @property
    def ok(self) -> bool:
        return not self.problems


def sweep_stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=3 * settings.SLA_SWEEP_INTERVAL_SECONDS)


def clock_status(*, now: dt.datetime | None = None) -> ClockStatus:
    now = now or timezone.now()
    parts = [
        SweepHeartbeat.objects.filter(pk=1).values("finished_at")[:1],
        Notification.objects.filter(status=NotificationStatus.PENDING)
        .order_by("next_attempt_at")
        .values("next_attempt_at")[:1],
        Notification.objects.filter(
            status=NotificationStatus.FAILED,
            created_at__gte=now - dt.timedelta(hours=settings.OPS_FAILED_DELIVERY_WINDOW_HOURS),
        )
        .order_by()
        .values("pk")[:1],
    ]
    sql, params = [], []
    for queryset in parts:
        part_sql, part_params = queryset.query.sql_with_params()
        sql.append(f"({part_sql})")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(sql), params)
        last_sweep, oldest_due, failed_pk = (_as_datetime(v) for v in cursor.fetchone())
    problems = []
    if last_sweep is None or now - last_sweep > sweep_stale_after():
        problems.append(Kind.SWEEP_STOPPED)
    threshold = dt.timedelta(seconds=settings.OPS_NOTIFICATION_STUCK_SECONDS)
    if oldest_due is not None and now - oldest_due > threshold:
        problems.append(Kind.OUTBOX_STUCK)
    if failed_pk is not None:
        problems.append(Kind.DELIVERY_FAILED)
    return ClockStatus(
        now=now,
        last_sweep_at=last_sweep,
        oldest_due_notification_at=oldest_due,
        recent_failure=failed_pk is not None,
        problems=problems,
    )


def _as_datetime(value):
    """Raw SQL gives SQLite's datetimes naive in UTC, or as text (aware on PostgreSQL)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value
