"""Prometheus metrics: django-prometheus's request metrics (latency by view, counts by
status) plus our gauges, computed from the database when scraped (so every web process
reports the same figures, and nothing has to run in the worker):

- ``escalation_sla_sweep_lag_seconds``: now − the oldest due timer (0 when nothing is due)
- ``escalation_sla_sweep_last_finished_age_seconds``: since the last sweep finished
- ``escalation_sla_events_last_minute{kind="warning|breach"}``: warnings and breaches fired
  in the last minute
- ``escalation_outbox_backlog``, ``escalation_outbox_oldest_pending_age_seconds``
- ``escalation_outbox_failed``: notifications given up on
- ``escalation_open_cases{status, tier}``
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import REGISTRY, GaugeMetricFamily

from escalations.models import OPEN_STATUSES, Case, Level, SLAEvent, SLATimer
from ops.models import SweepHeartbeat
from ops.outbox import Notification, NotificationStatus

log = logging.getLogger(__name__)
_registered: list[object] = []


class ClockCollector:
    def describe(self):
        return []  # registering must not query the database (no auto-describe)

    def collect(self):
        try:
            yield from self._collect(timezone.now())
        except DatabaseError:
            log.warning("metrics: the database did not answer", exc_info=True)
            up = GaugeMetricFamily("escalation_metrics_database_up", "Database answered")
            up.add_metric([], 0)
            yield up

    def _collect(self, now: dt.datetime):
        oldest_due = (
            SLATimer.objects.filter(next_fire_at__lte=now)
            .order_by("next_fire_at")
            .values_list("next_fire_at", flat=True)
            .first()
        )
        yield _gauge(
            "escalation_sla_sweep_lag_seconds",
            "Now minus the oldest SLA timer that is due and not swept yet",
            (now - oldest_due).total_seconds() if oldest_due else 0.0,
        )
        beat = SweepHeartbeat.objects.filter(pk=1).values_list("finished_at", flat=True).first()
        yield _gauge(
            "escalation_sla_sweep_last_finished_age_seconds",
            "Seconds since the last SLA sweep finished (NaN: never)",
            (now - beat).total_seconds() if beat else float("nan"),
        )
        fired = dict(
            SLAEvent.objects.filter(fired_at__gt=now - dt.timedelta(minutes=1))
            .order_by()
            .values("level")
            .annotate(n=Count("pk"))
            .values_list("level", "n")
        )
        events = GaugeMetricFamily(
            "escalation_sla_events_last_minute",
            "SLA warnings and breaches fired in the last minute",
            labels=["kind"],
        )
        events.add_metric(["breach"], fired.get(Level.BREACH, 0))
        events.add_metric(
            ["warning"], sum(n for level, n in fired.items() if level != Level.BREACH)
        )
        yield events
        pending = Notification.objects.filter(status=NotificationStatus.PENDING).aggregate(
            n=Count("pk"), oldest=Min("created_at")
        )
        yield _gauge("escalation_outbox_backlog", "Notifications waiting", pending["n"])
        yield _gauge(
            "escalation_outbox_oldest_pending_age_seconds",
            "Age of the oldest waiting notification (0: none)",
            (now - pending["oldest"]).total_seconds() if pending["oldest"] else 0.0,
        )
        yield _gauge(
            "escalation_outbox_failed",
            "Notifications whose delivery was given up",
            Notification.objects.filter(status=NotificationStatus.FAILED).count(),
        )
        cases = GaugeMetricFamily(
            "escalation_open_cases", "Open cases by status and tier", labels=["status", "tier"]
        )
        rows = (
            Case.objects.filter(status__in=OPEN_STATUSES)
            .order_by()
            .values("status", "tier")
            .annotate(n=Count("pk"))
            .values_list("status", "tier", "n")
        )
        for status, tier, n in rows:
            cases.add_metric([status, f"L{tier}"], n)
        yield cases


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation)
    gauge.add_metric([], value)
    return gauge


def clock_collector() -> ClockCollector:
    return _registered[0]  # type: ignore[return-value]


def register() -> None:
    """Once per process, on the default registry (the metrics view adds it to the
    multi-process registry itself)."""
    if not _registered:
        collector = ClockCollector()
        REGISTRY.register(collector)
        _registered.append(collector)
