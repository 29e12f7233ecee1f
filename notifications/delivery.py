"""Delivery: take one due outbox row, send it by email (Django's mail backend) or webhook (JSON
POST signed with HMAC-SHA256), and record the outcome; retries with backoff, a lease so that a
row whose worker died is tried again."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.models import Team
from accounts.webhook_urls import RefusedAddress, check_webhook_url
from notifications import emails, preferences
from notifications.models import Notification, NotificationChannel, NotificationStatus

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)  # a claimed delivery is retried after this if its worker died
MAX_ATTEMPTS = 8

# (secret, still active): integrations registers the subscriptions' at start-up
SecretFinder = Callable[[Notification], "tuple[str, bool] | None"]
_secret_finders: list[SecretFinder] = []


class SubscriptionInactive(Exception):
    """The subscription of this delivery was deactivated: it is cancelled, not retried."""


class NoSigningSecret(Exception):
    """No team or subscription holds a secret for this URL any more: nothing is sent unsigned
    or signed with a shared default."""


def find_webhook_secrets_with(finder: SecretFinder) -> SecretFinder:
    """Ask ``finder`` (before the team's own secret) for the secret to sign a webhook row with
    and whether what caused it is still active."""
    if finder not in _secret_finders:
        _secret_finders.append(finder)
    return finder


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour."""
    return min(dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), dt.timedelta(hours=1))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``"{timestamp}." + body`` with the receiver's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


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


def send_email(row: Notification) -> None:
    """Render ``row``'s email now, in its recipient's language (text with an HTML
    alternative), and send it through Django's mail backend."""
    full = Notification.objects.select_related("recipient", "case__customer", "case__category").get(
        pk=row.pk
    )
    email = emails.render(full)
    message = EmailMultiAlternatives(
        email.subject, email.text, settings.DEFAULT_FROM_EMAIL, [row.address]
    )
    message.attach_alternative(email.html, "text/html")
    message.send()


def _send(row: Notification) -> None:
    if row.channel == NotificationChannel.EMAIL:
        send_email(row)
        return
    body = json.dumps(
        {"event_id": str(row.event_id), "type": row.event_type, **row.payload},
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    ).encode()
    timestamp = str(int(timezone.now().timestamp()))
    secret = _webhook_secret(row)
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


def _webhook_secret(row: Notification) -> str:
    for finder in _secret_finders:
        found = finder(row)
        if found is not None:
            secret, active = found
            if not active:
                raise SubscriptionInactive
            return secret
    secret = (
        Team.objects.filter(webhook_url=row.address)
        .exclude(webhook_secret="")
        .values_list("webhook_secret", flat=True)
        .first()
    )
    if secret is None:
        raise NoSigningSecret("no team or subscription has a signing secret for this address")
    return secret


def deliver(pk: int, *, now: dt.datetime | None = None) -> str:
    """Deliver one notification if it is due: ``sent``, ``retry``, ``failed``, ``cancelled``
    (its subscription was deactivated), ``not_wanted`` (an email of a kind its recipient turned
    off) or ``skipped``."""
    now = now or timezone.now()
    row = _claim(pk, now)
    if row is None:
        return "skipped"
    if row.channel == NotificationChannel.EMAIL and not preferences.wants_email(
        row.recipient_id, row.payload.get("inbox_kind")
    ):
        row.status = NotificationStatus.NOT_WANTED
        row.save(update_fields=["status"])
        return "not_wanted"
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
        row.save(update_fields=["last_error", "status", "next_attempt_at"])
        return outcome
    row.status = NotificationStatus.SENT
    row.sent_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["status", "sent_at", "last_error"])
    return "sent"


# The rows due that one delivery task takes at most.
DUE_PAGE = 500


def due_notification_ids(*, now: dt.datetime | None = None, limit: int = DUE_PAGE) -> list[int]:
    now = now or timezone.now()
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
