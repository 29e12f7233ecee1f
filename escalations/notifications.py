"""The notification outbox: rows written in the caller's transaction, delivered by Celery with
retries and backoff, by email (Django's mail backend) or webhook (JSON POST signed with
HMAC-SHA256). Nothing is lost when the broker or the receiver is down: the row stays pending and
the periodic delivery task picks it up again."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.models import Team, User
from accounts.webhook_urls import RefusedAddress, check_webhook_url
from escalations.bulk import bulk_insert, new
from escalations.sla.models import Notification, NotificationChannel, NotificationStatus

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)  # a claimed delivery is retried after this if its worker died
MAX_ATTEMPTS = 8


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour."""
    return min(dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), dt.timedelta(hours=1))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``"{timestamp}." + body`` with the receiver's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclasses.dataclass
class _Batch:
    rows: list[Notification] = dataclasses.field(default_factory=list)
    then: dict[str, Callable[[], None]] = dataclasses.field(default_factory=dict)
    memo: dict[str, Any] = dataclasses.field(default_factory=dict)


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar(
    "notification_batch", default=None
)


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Write every notification queued inside in one INSERT when the block ends, and enqueue
    one delivery task for all of them (e.g. one sweep batch) instead of one per call. Use it
    inside the transaction that writes what they report; rows queued inside get their primary
    key only when the block ends (see :func:`when_written`). Nothing is written when the block
    raises."""
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    if batch.rows:
        _enqueue_on_commit([row.pk for row in bulk_insert(batch.rows)])
    for then in batch.then.values():
        then()


def when_written(key: str, then: Callable[[], None]) -> None:
    """Run ``then`` once the notifications queued so far have their primary keys: now outside
    a batch, else once (per ``key``) when the batch is written."""
    batch = _batch.get()
    if batch is None:
        then()
    else:
        batch.then.setdefault(key, then)


def batch_memo() -> dict[str, Any] | None:
    """A dict living as long as the current batch (``None`` outside one): what is looked up
    once per batch instead of once per notification."""
    batch = _batch.get()
    return None if batch is None else batch.memo


def _enqueue_on_commit(ids: list[int]) -> None:
    if ids:
        from escalations.tasks import deliver_notifications

        transaction.on_commit(lambda: deliver_notifications.delay(ids))


def _queue(notifications: list[Notification]) -> list[Notification]:
    batch = _batch.get()
    if batch is not None:
        batch.rows.extend(notifications)
        return notifications
    created = bulk_insert(notifications)
    _enqueue_on_commit([n.pk for n in created])
    return created


def notify_users(
    users: Iterable[User],
    *,
    event_type: str,
    subject: str,
    payload: dict[str, Any],
    case_id: int | None = None,
) -> list[Notification]:
    """Email each user (or, while they are absent, their delegate); once per actual recipient."""
    rows: list[Notification] = []
    seen: set[int] = set()
    stored = None  # the payload as JSON stores it, made once and shared by the recipients' rows
    for user in users:
        recipient = user.effective_recipient()
        if recipient is None or recipient.pk in seen or not recipient.email:
            continue
        seen.add(recipient.pk)
        if stored is None:
            stored = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
        rows.append(
            new(
                Notification,
                event_id=uuid.uuid4(),
                event_type=event_type,
                channel=NotificationChannel.EMAIL,
                recipient=recipient,
                intended_recipient=user if recipient.pk != user.pk else None,
                address=recipient.email,
                subject=subject[:200],
                payload=stored,
                case_id=case_id,
            )
        )
    return _queue(rows)


def notify_team_webhook(
    team: Team | None,
    *,
    event_type: str,
    subject: str,
    payload: dict[str, Any],
    case_id: int | None = None,
) -> list[Notification]:
    if team is None or not team.webhook_url:
        return []
    return _queue(
        [
            new(
                Notification,
                event_id=uuid.uuid4(),
                event_type=event_type,
                channel=NotificationChannel.WEBHOOK,
                address=team.webhook_url,
                subject=subject[:200],
                payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
                case_id=case_id,
            )
        ]
    )


# --- delivery --------------------------------------------------------------------------------


def _claim(pk: int, now: dt.datetime) -> Notification | None:
    """Take one due notification for delivery; ``None`` when another worker has it or it is
    not due (sent, failed, or waiting for its next attempt)."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=NotificationStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        row.save(update_fields=["attempts", "next_attempt_at"])
        return row


def _send(row: Notification) -> None:
    if row.channel == NotificationChannel.EMAIL:
        body = row.payload.get("text") or json.dumps(row.payload, ensure_ascii=False, indent=2)
        send_mail(row.subject, body, settings.DEFAULT_FROM_EMAIL, [row.address])
        return
    body = json.dumps(
        {"event_id": str(row.event_id), "type": row.event_type, **row.payload},
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    ).encode()
    timestamp = str(int(timezone.now().timestamp()))
    from integrations.webhooks import subscription_signing  # a subscription's own secret

    subscription = subscription_signing(row.pk)
    if subscription is not None and not subscription[1]:
        raise SubscriptionInactive
    secret = subscription[0] if subscription is not None else _webhook_secret(row.address)
    check_webhook_url(row.address)  # again, with today's DNS answer
    request = urllib.request.Request(
        row.address,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Escalation-Event-Id": str(row.event_id),
            "X-Escalation-Event": row.event_type,
            "X-Escalation-Timestamp": timestamp,
            "X-Escalation-Signature": sign(secret, timestamp, body),
        },
    )
    with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(row.address, response.status, "not 2xx", None, None)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: it could lead into the private network."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class SubscriptionInactive(Exception):
    """The subscription of this delivery was deactivated: it is cancelled, not retried."""


def _safe_error(exc: Exception) -> str:
    """What the delivery log shows: the kind of failure, never the receiver's internal
    host, port or answer (those go to the server log only)."""
    name = type(exc).__name__
    if isinstance(exc, urllib.error.HTTPError):
        return f"{name}: HTTP {exc.code}"
    if isinstance(exc, RefusedAddress | NoSigningSecret):
        return f"{name}: {exc}"
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return f"{name}: timed out"
    if isinstance(exc, urllib.error.URLError | OSError):
        return f"{name}: the receiver could not be reached"
    return name


class NoSigningSecret(Exception):
    """No team or subscription holds a secret for this URL any more: nothing is sent unsigned
    or signed with a shared default."""


def _webhook_secret(url: str) -> str:
    secret = (
        Team.objects.filter(webhook_url=url)
        .exclude(webhook_secret="")
        .values_list("webhook_secret", flat=True)
        .first()
    )
    if secret is None:
        raise NoSigningSecret("no team or subscription has a signing secret for this address")
    return secret


def deliver(pk: int, *, now: dt.datetime | None = None) -> str:
    """Deliver one notification if it is due: ``sent``, ``retry``, ``failed``, ``cancelled``
    (its subscription was deactivated) or ``skipped``."""
    now = now or timezone.now()
    row = _claim(pk, now)
    if row is None:
        return "skipped"
    try:
        _send(row)
    except SubscriptionInactive:
        row.status = NotificationStatus.CANCELLED
        row.last_error = "cancelled: the subscription was deactivated"
        row.save(update_fields=["last_error", "status"])
        return "cancelled"
    except Exception as exc:  # noqa: BLE001 - any failure of the receiver means "try again later"
        row.last_error = _safe_error(exc)
        log.warning("notification %s: %s: %s", row.pk, type(exc).__name__, exc)
        if row.attempts >= MAX_ATTEMPTS or isinstance(exc, RefusedAddress):
            row.status = NotificationStatus.FAILED
            outcome = "failed"
        else:
            row.next_attempt_at = timezone.now() + backoff(row.attempts)
            outcome = "retry"
        log.warning("notification %s: %s (%s)", row.pk, outcome, row.last_error)
        row.save(update_fields=["last_error", "status", "next_attempt_at"])
        return outcome
    row.status = NotificationStatus.SENT
    row.sent_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["status", "sent_at", "last_error"])
    return "sent"


def due_notification_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def retry_now(ids: list[int]) -> int:
    """Put failed or waiting notifications back at the front of the queue."""
    with transaction.atomic():
        count = (
            Notification.objects.filter(pk__in=ids)
            .exclude(status__in=[NotificationStatus.SENT, NotificationStatus.CANCELLED])
            .update(status=NotificationStatus.PENDING, next_attempt_at=timezone.now())
        )
        if count:
            from escalations.tasks import deliver_notifications

            transaction.on_commit(lambda: deliver_notifications.delay(ids))
    return count
