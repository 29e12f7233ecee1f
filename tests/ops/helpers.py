"""Outbox rows and heartbeats for the ops tests (the outbox model through ``ops.outbox``)."""

import datetime as dt
import uuid

from django.utils import timezone

from ops.models import SweepHeartbeat
from ops.outbox import Notification, NotificationStatus


def sweep_finished(ago: dt.timedelta) -> None:
    SweepHeartbeat.objects.update_or_create(pk=1, defaults={"finished_at": timezone.now() - ago})


def notification(*, status=NotificationStatus.PENDING, due_ago=dt.timedelta(0)) -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        event_id=uuid.uuid4(),
        event_type="case.escalated",
        channel="email",
        address="sv@example.jp",
        subject="エスカレーション",
        payload={},
        status=status,
        next_attempt_at=now - due_ago,
        created_at=now - due_ago,
    )
