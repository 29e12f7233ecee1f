"""Outbound webhooks: each case event becomes one row of the notification outbox per active
subscription, written in the caller's transaction (so it exists if and only if the change
commits) and delivered by the outbox's Celery task with retries and HMAC-SHA256 signatures.

Registered at start-up (``IntegrationsConfig.ready``) as a listener of
:mod:`notifications.events` and as the finder of a subscription's signing secret."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from django.utils import timezone

from integrations.models import WebhookDelivery, WebhookSubscription
from kit.bulk import new
from kit.configcache import ConfigCache
from notifications import outbox
from notifications.events import CaseEvent
from notifications.models import Notification, NotificationChannel, NotificationStatus


def _plain(value: Any) -> Any:
    """A choice's value rather than the enum member: the payload is then made of JSON's own
    types only, stored as it is (``outbox.as_stored`` skips its round trip through JSON)."""
    return value.value if isinstance(value, enum.Enum) else value


def case_payload(case: Any) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "subject": case.subject,
        "status": _plain(case.status),
        "tier": _plain(case.tier),
        "priority": _plain(case.priority),
        "channel": _plain(case.channel),
        "owner": case.owner_id,
        "handler": case.handler_id,
        "assigned_team": case.assigned_team_id,
    }


def queue_webhooks(event: CaseEvent) -> list[Notification]:
    """Queue ``event`` for every active subscription to its type (no query when nobody
    subscribes)."""
    subscriptions = [s for s in _active_subscriptions() if event.type in s.event_types]
    if not subscriptions:
        return []
    case, escalation = event.case, event.escalation
    payload: dict[str, Any] = {
        "occurred_at": outbox.stored_time(event.occurred_at or timezone.now()),
        "case": case_payload(case),
    }
    if escalation is not None:
        payload["escalation"] = {
            "number": escalation.number,
            "from_tier": _plain(escalation.from_tier),
            "to_tier": _plain(escalation.to_tier),
            "to_team": escalation.to_team_id,
            "reason": _plain(escalation.reason),
            "is_automatic": escalation.is_automatic,
        }
    payload.update(event.extra)
    payload = outbox.as_stored(payload)
    label = str(event.type.label)
    rows = [
        new(
            Notification,
            event_id=uuid.uuid4(),
            event_type=event.type.value,
            channel=NotificationChannel.WEBHOOK,
            address=s.url,
            subject=f"{label}: {case.reference} {case.subject}"[:200],
            payload=payload,
            case_id=case.pk,
        )
        for s in subscriptions
    ]
    # each row with its delivery, written together (one statement on PostgreSQL)
    deliveries = [
        new(WebhookDelivery, subscription=s, notification=n)
        for s, n in zip(subscriptions, rows, strict=True)
    ]
    return outbox.queue(rows, linked=deliveries)


def _load_active_subscriptions() -> list[WebhookSubscription]:
    return list(
        WebhookSubscription.objects.filter(is_active=True).only("pk", "url", "event_types", "name")
    )


# read once per process, and again when a subscription changes (in any process)
ACTIVE_SUBSCRIPTIONS = ConfigCache("webhook-subscriptions", _load_active_subscriptions)
ACTIVE_SUBSCRIPTIONS.watch(WebhookSubscription)


def _active_subscriptions() -> list[WebhookSubscription]:
    """The active subscriptions: no query while they are unchanged."""
    return ACTIVE_SUBSCRIPTIONS.get()


def subscription_signing(notification: Notification) -> tuple[str, bool] | None:
    """The secret to sign an outbox row with and whether its subscription is still active,
    when a subscription caused it (one query)."""
    return (
        WebhookSubscription.objects.filter(deliveries__notification_id=notification.pk)
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
