"""Queueing: outbox rows written in the caller's transaction (one INSERT per call, or per batch,
with the rows that refer to them, e.g. their webhook deliveries: one statement on PostgreSQL for
a request's few rows) and one delivery task enqueued when it commits (none when one waits in the
queue already: it delivers these rows too). Nothing is lost when the broker is down: the row
stays pending and the periodic delivery task picks it up."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import functools
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Team, User
from kit.bulk import new
from kit.together import Returning, insert_all, insert_select_statement
from notifications import oncommit
from notifications.models import Loudness, Notification, NotificationChannel, NotificationStatus


@dataclasses.dataclass
class _Batch:
    rows: list[Notification] = dataclasses.field(default_factory=list)
    linked: list[models.Model] = dataclasses.field(default_factory=list)
    bumped: set[int] = dataclasses.field(default_factory=set)
    scopes: set[str] = dataclasses.field(default_factory=set)
    selected: list[Returning] = dataclasses.field(default_factory=list)  # rows the database makes


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar(
    "notification_batch", default=None
)


@contextlib.contextmanager
def batched(
    *,
    together: Sequence[models.Model] = (),
    history: Sequence[models.Model] = (),
    date: dt.datetime | None = None,
    also: Sequence[tuple[str, Sequence[Any]]] = (),
) -> Iterator[None]:
    """Write every notification queued inside (with the rows that refer to them) when the block
    ends, in one statement for a few rows (``kit.together.insert_all``), and enqueue one delivery
    task for all of them (e.g. one sweep batch) instead of one per call. Use it inside the
    transaction that writes what they report; rows queued inside get their primary key only
    when the block ends. Nothing is written when the block raises.

    ``together``: new objects written in the same statement, before the notifications (e.g.
    the case they report, when its key was drawn before: ``escalations.services.cases``), with
    the history rows of those in ``history`` (dated ``date``), and ``also``: other writes that go
    with them (statements with their parameters, e.g. the case's UPDATE:
    ``kit.together.insert_together``'s ``also``;
    ``escalations.services.escalate._write_together``)."""
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    deliver = False
    if batch.rows or together or also or batch.selected:
        insert_all(
            [*together, *batch.rows, *batch.linked],
            history=history,
            date=date,
            also=[*also, *batch.selected],
        )
        deliver = bool(_to_deliver(batch.rows))
        for selected in batch.selected:  # the bells' recipients: see notify_team_in_app
            batch.bumped.update(selected.rows)
    if deliver or batch.bumped or batch.scopes:
        # one call: one round trip to the live cache for all, also outside a transaction (where
        # each call runs at once: an escalate's one statement, ``case_escalate``)
        oncommit.after_commit(users=batch.bumped, scopes=batch.scopes, deliver=deliver)


def _enqueue_on_commit(ids: list[int]) -> None:
    """Once the rows are committed: a delivery task, unless one waits in the queue already
    (``notifications.tasks.enqueue_delivery``: it delivers them too)."""
    if ids:
        oncommit.after_commit(deliver=True)  # with the live versions: one round trip


def _to_deliver(rows: Iterable[Notification]) -> list[int]:
    """The rows a delivery task sends: in-app ones are written delivered."""
    return [row.pk for row in rows if row.channel != NotificationChannel.IN_APP]


def _bump_on_commit(user_ids: set[int], scopes: set[str] = frozenset()) -> None:
    oncommit.after_commit(users=user_ids, scopes=scopes)  # with the delivery flag: one trip


def bump_scopes_on_commit(scopes: set[str]) -> None:
    """Bump the versions of ``scopes`` (``live.bump_scopes``) once the current transaction
    commits (never if it rolls back); inside a batch, with the batch's users, in one round
    trip when it ends."""
    batch = _batch.get()
    if batch is None:
        _bump_on_commit(set(), scopes)
    else:
        batch.scopes |= scopes


@contextlib.contextmanager
def joined() -> Iterator[None]:
    """:func:`batched`, or the batch already open (its caller writes it when it ends)."""
    if _batch.get() is not None:
        yield
    else:
        with batched():
            yield


def as_stored(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the JSON column stores it (dates as ISO strings, lazy texts as text).
    A payload made of JSON's own types only (``str``, ``int``, ``bool``, ``None``, lists and
    dicts of them) is stored as it is: returned itself, without the round trip through JSON
    (the SLA sweep builds thousands a second; see :func:`stored_time`)."""
    if _is_stored(payload):
        return payload
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


_STORED_SCALARS = frozenset({str, int, bool, type(None)})


def _is_stored(value: Any) -> bool:
    """Whether JSON gives ``value`` back as it is (exact types: an enum member or a float is
    not taken as it is)."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and _is_stored(item) for key, item in value.items())
    if kind is list:
        return all(_is_stored(item) for item in value)
    return kind in _STORED_SCALARS


_ENCODER = DjangoJSONEncoder()


def stored_time(value: Any) -> str | None:
    """A date or time as :func:`as_stored` stores it (Django's JSON encoder's ISO text)."""
    return None if value is None else _ENCODER.default(value)


def queue(
    notifications: list[Notification], *, linked: Sequence[models.Model] = ()
) -> list[Notification]:
    """Write ``notifications`` (built with :func:`kit.bulk.new`) in the caller's transaction and
    deliver them once it commits; inside :func:`batched`, when the batch ends. ``linked``: new
    rows of other models referring to them (e.g. their webhook deliveries: ``notification=``
    the unsaved row), written in the same statement on PostgreSQL (``kit.together.insert_all``),
    right after them elsewhere."""
    batch = _batch.get()
    if batch is not None:
        batch.rows.extend(notifications)
        batch.linked.extend(linked)
        return notifications
    insert_all([*notifications, *linked])
    _enqueue_on_commit(_to_deliver(notifications))
    return notifications


def _recipients(
    users: Iterable[User | None], *, skip: set[int], email: bool = False
) -> Iterator[tuple[User, User]]:
    """Each user with whoever receives for them (their delegate while they are absent), once
    per actual recipient and none in ``skip`` (e.g. who did it); with ``email``, only those who
    have an address."""
    seen = set(skip)
    for user in users:
        recipient = user.effective_recipient() if user is not None else None
        if recipient is None or recipient.pk in seen or (email and not recipient.email):
            continue
        seen.add(recipient.pk)
        yield user, recipient


def notify_users(
    users: Iterable[User],
    *,
    event_type: str,
    subject: str,
    payload: dict[str, Any],
    case_id: int | None = None,
    kind: str | None = None,
) -> list[Notification]:
    """Email each user (or, while they are absent, their delegate); once per actual recipient.
    ``kind`` (an :class:`~notifications.models.InboxKind`) is what the recipient may turn off
    by email in their settings: the delivery skips the email then (``not_wanted``)."""
    rows: list[Notification] = []
    stored = None  # the payload as JSON stores it, made once and shared by the recipients' rows
    for user, recipient in _recipients(users, skip=set(), email=True):
        if stored is None:
            stored = as_stored({**payload, "inbox_kind": kind} if kind else payload)
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
    return queue(rows)


def notify_in_app(
    users: Iterable[User | None],
    *,
    kind: str,
    title: str,
    case_id: int | None = None,
    loudness: int = Loudness.QUIET,
    actor: User | None = None,
    payload: dict[str, Any] | None = None,
) -> list[Notification]:
    """Put a notification in each user's bell (or, while they are absent, their delegate's):
    once per actual recipient, never for ``actor`` (who did it), in the caller's transaction.
    Their live version is bumped when it commits (the open pages see it at their next poll)."""
    now = timezone.now()
    rows: list[Notification] = []
    stored = None
    for user, recipient in _recipients(users, skip={actor.pk} if actor is not None else set()):
        if stored is None:
            stored = as_stored(payload or {})
        rows.append(
            new(
                Notification,
                event_id=uuid.uuid4(),
                event_type=kind,
                channel=NotificationChannel.IN_APP,
                recipient=recipient,
                intended_recipient=user if recipient.pk != user.pk else None,
                address="",
                subject=title[:200],
                payload=stored,
                case_id=case_id,
                status=NotificationStatus.SENT,
                sent_at=now,
                created_at=now,
                loudness=loudness,
            )
        )
    if not rows:
        return rows
    recipients = {row.recipient_id for row in rows}
    batch = _batch.get()
    if batch is not None:
        batch.bumped |= recipients
    else:
        _bump_on_commit(recipients)
    return queue(rows)


def notify_team_in_app(
    team: Team,
    *,
    kind: str,
    title: str,
    case_id: int | None = None,
    loudness: int = Loudness.QUIET,
    actor: User | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """:func:`notify_in_app` for the present members of ``team`` (active, not absent: each their
    own recipient), made by the database in the statement of the batch open here (PostgreSQL):
    an ``INSERT ... SELECT`` from the team's members, no need to read them first. The same rows
    (each with a new event id); their live versions are bumped when the transaction commits."""
    batch = _batch.get()
    if batch is None or connection.vendor != "postgresql":
        raise RuntimeError("notify_team_in_app: inside outbox.batched(), on PostgreSQL")
    now = timezone.now()
    template = new(
        Notification,
        event_id=None,
        event_type=kind,
        channel=NotificationChannel.IN_APP,
        recipient_id=None,
        intended_recipient=None,
        address="",
        subject=title[:200],
        payload=as_stored(payload or {}),
        case_id=case_id,
        status=NotificationStatus.SENT,
        sent_at=now,
        created_at=now,
        loudness=loudness,
    )
    source, recipient = _present_members()
    batch.selected.append(
        insert_select_statement(
            template,
            columns={"event_id": "gen_random_uuid()", "recipient_id": recipient},
            source=source,
            params=[team.pk, actor.pk if actor is not None else None],
            returning="recipient_id",
        )
    )


@functools.cache
def _present_members() -> tuple[str, str]:
    """``notify_team_in_app``'s source: a team's present members but the actor (parameters:
    the team's key, the actor's or ``None``), and the column of their keys."""
    quote = connection.ops.quote_name
    through = Team.members.through._meta
    member = quote(through.get_field("user").column)
    team = quote(through.get_field("team").column)
    source = (
        f"{quote(through.db_table)} AS m JOIN {quote(User._meta.db_table)} AS p "
        f"ON p.{quote(User._meta.pk.column)} = m.{member} "
        f"WHERE m.{team} = %s AND p.is_active AND NOT p.is_absent "
        f"AND m.{member} IS DISTINCT FROM %s::bigint"
    )
    return source, f"m.{member}"


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
    return queue(
        [
            new(
                Notification,
                event_id=uuid.uuid4(),
                event_type=event_type,
                channel=NotificationChannel.WEBHOOK,
                address=team.webhook_url,
                subject=subject[:200],
                payload=as_stored(payload),
                case_id=case_id,
            )
        ]
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
            _enqueue_on_commit(ids)
    return count
