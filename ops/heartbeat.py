"""The SLA sweep's heartbeat: each sweep records when it finished."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ops.models import SweepHeartbeat


def sweep_heartbeat_record(*, now: dt.datetime | None = None) -> None:
    """One UPDATE of the row the migration made (inserted again if it went missing)."""
    now = now or timezone.now()
    if not SweepHeartbeat.objects.filter(pk=1).update(finished_at=now):
        SweepHeartbeat.objects.update_or_create(pk=1, defaults={"finished_at": now})
