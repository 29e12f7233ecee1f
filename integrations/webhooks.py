"""Outbound webhooks: each event becomes one row of the notification outbox per active
subscription, written in the caller's transaction (so it exists if and only if the change
commits) and delivered by the outbox's Celery task with retries and HMAC-SHA256 signatures."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from escalations import notifications
from escalations.bulk import bulk_insert, new
from escalations.sla.models import Notification, NotificationChannel, NotificationStatus
from integrations.models import EventType, WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from escalations.models import Case, Escalation
    from escalations.sla.models import SLATimer


def case_payload(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "subject": case.subject,
        "status": case.status,
        "tier": case.tier,
        "priority": case.priority,
        "channel": case.channel,
        "owner": case.owner_id,
        "handler": case.handler_id,
        "assigned_team": case.assigned_team_id,
    }


def emit_event(
    event_type: str,
    case: Case,
    *,
    escalation: Escalation | None = None,
    extra: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> list[Notification]:
    """Queue ``event_type`` about ``case`` for every active subscription to it. One query when
    nobody subscribes; call it inside the transaction of the change."""
    EventType(event_type)  # an unknown event type is a programming error
    subscriptions = [s for s in _active_subscriptions() if event_type in s.event_types]
    if not subscriptions:
        return []
    payload: dict[str, Any] = {
        "occurred_at": occurred_at or timezone.now(),
        "case": case_payload(case),
    }
    if escalation is not None:
        payload["escalation"] = {
            "number": escalation.number,
            "from_tier": escalation.from_tier,
            "to_tier": escalation.to_tier,
            "to_team": escalation.to_team_id,
            "reason": escalation.reason,
            "is_automatic": escalation.is_automatic,
        }
    payload.update(extra or {})
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    label = str(EventType(event_type).label)
    rows = [
        new(
            Notification,
            event_id=uuid.uuid4(),
            event_type=event_type,
            channel=NotificationChannel.WEBHOOK,
            address=s.url,
            subject=f"{label}: {case.reference} {case.subject}"[:200],
            payload=payload,
            case_id=case.pk,
        )
        for s in subscriptions
    ]
    created = notifications._queue(rows)
    deliveries = [
        new(WebhookDelivery, subscription=s, notification=n)
        for s, n in zip(subscriptions, created, strict=True)
    ]
    memo = notifications.batch_memo()
    if memo is None:
        bulk_insert(deliveries)
    else:  # the outbox rows get their keys when the batch is written: link them then, at once
        pending = memo.setdefault("webhook_deliveries", [])
        pending.extend(deliveries)
        notifications.when_written("webhook_deliveries", lambda: bulk_insert(pending))
    return created


def _active_subscriptions() -> list[WebhookSubscription]:
    """The active subscriptions: one query per event, or per notification batch."""
    memo = notifications.batch_memo()
    if memo is not None and "webhook_subscriptions" in memo:
        return memo["webhook_subscriptions"]
    found = list(
        WebhookSubscription.objects.filter(is_active=True).only("pk", "url", "event_types", "name")
    )
    if memo is not None:
        memo["webhook_subscriptions"] = found
    return found


def emit_sla_event(timer: SLATimer, level: int, *, fired_at: dt.datetime) -> list[Notification]:
    """``sla.warning`` or ``sla.breached`` for a timer that reached ``level``."""
    from escalations.sla.models import Level

    level = Level(level)
    return emit_event(
        EventType.SLA_BREACHED if level == Level.BREACH else EventType.SLA_WARNING,
        timer.case,
        escalation=timer.escalation,
        occurred_at=fired_at,
        extra={
            "timer": timer.kind,
            "level": level.name.lower(),
            "due_at": timer.due_at,
        },
    )


def subscription_signing(notification_id: int) -> tuple[str, bool] | None:
    """The secret to sign an outbox row with and whether its subscription is still active,
    when a subscription caused it (one query)."""
    return (
        WebhookSubscription.objects.filter(deliveries__notification_id=notification_id)
        .values_list("secret", "is_active")
        .first()
    )


def subscription_cancel_pending(subscription: WebhookSubscription) -> int:
    """Cancel the deliveries still waiting for a subscription that was deactivated: they are
    not retried. Returns how many."""
    return Notification.objects.filter(
        webhook_delivery__subscription=subscription, status=NotificationStatus.PENDING
    ).update(
        status=NotificationStatus.CANCELLED,
        last_error="cancelled: the subscription was deactivated",
    )
