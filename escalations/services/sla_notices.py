"""What an SLA warning or breach tells people: an email and an in-app notification to those
who must act, the team's webhook, and the line the SLA event records about it."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from accounts.models import User
from escalations.models import Level, SLATimer, TimerKind
from kit.times import local_minute
from notifications import outbox
from notifications.models import InboxKind, Loudness


def team_leads(timer: SLATimer) -> list[User]:
    """The lead of the team the timer's hop went to (else the case's owner team)."""
    team = timer.escalation.to_team if timer.escalation else timer.case.owner_team
    return [team.lead] if team is not None and team.lead is not None else []


def _in_app(timer: SLATimer, level: Level, users: list[User]) -> tuple[list[User], str, int]:
    """Who hears of ``timer`` reaching ``level`` in the bell, of what kind and how loud: a
    promised callback is its promiser's to keep (reminded at every rung, told of the miss)
    besides whom the ladder names; the other timers tell whom the ladder names."""
    if timer.kind == TimerKind.CALLBACK and timer.callback is not None:
        kind = InboxKind.CALLBACK_MISSED if level == Level.BREACH else InboxKind.CALLBACK_DUE
        return [timer.callback.promised_by, *users], kind, Loudness.LOUD
    if level == Level.BREACH:
        return users, InboxKind.SLA_BREACHED, Loudness.LOUD
    return users, InboxKind.SLA_WARNING, Loudness.QUIET


def notify_sla(
    timer: SLATimer,
    level: Level,
    *,
    labels: dict,
    now: dt.datetime,
    users: list[User],
    detail: str = "",
) -> str:
    """Tell ``users`` (email and in-app) and the team's webhook that ``timer`` reached
    ``level``; returns the line the SLA event records about it."""
    case = timer.case
    event_type = "sla.breached" if level == Level.BREACH else "sla.warning"
    subject = _("[%(level)s] %(reference)s %(subject)s: %(kind)s due %(due)s") % {
        "level": labels[level],
        "reference": case.reference,
        "subject": case.subject,
        "kind": labels[timer.kind],
        "due": local_minute(timer.due_at),
    }
    # built as JSON stores it (plain texts and numbers, times as ISO texts): the outbox keeps
    # it as it is instead of a round trip through JSON per notification
    payload = {
        "text": f"{subject}\n{detail}".strip(),
        "case": {
            "reference": str(case.reference),
            "subject": str(case.subject),
            "status": str(case.status),
            "tier": int(case.tier),
            "priority": int(case.priority),
        },
        "timer": str(timer.kind),
        "level": level.name.lower(),
        "due_at": outbox.stored_time(timer.due_at),
        "fired_at": outbox.stored_time(now),
        "escalation": int(timer.escalation.number) if timer.escalation else None,
        "detail": str(detail),
    }
    told, kind, loudness = _in_app(timer, level, users)
    sent = outbox.notify_users(
        users, event_type=event_type, subject=subject, payload=payload, case_id=case.pk, kind=kind
    )
    outbox.notify_in_app(
        told,
        kind=kind,
        loudness=loudness,
        title=subject,
        case_id=case.pk,
        payload={
            "reference": str(case.reference),
            "subject": str(case.subject),
            "what": str(labels[timer.kind]),
        },
    )
    team = timer.escalation.to_team if timer.escalation else case.assigned_team
    hooks = outbox.notify_team_webhook(
        team, event_type=event_type, subject=subject, payload=payload, case_id=case.pk
    )
    names = ", ".join(str(n.recipient) for n in sent)
    parts = [_("Notified: %(names)s.") % {"names": names}] if names else []
    if hooks:
        parts.append(_("Webhook queued."))
    return " ".join(parts)
