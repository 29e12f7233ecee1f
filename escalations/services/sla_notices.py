"""What an SLA warning or breach tells people: an email and an in-app notification to those
who must act, the team's webhook, and the line the SLA event records about it."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from accounts.models import User
from escalations.models import Level, SLATimer
from kit.times import local_minute
from notifications import outbox
from notifications.models import InboxKind, Loudness


def team_leads(timer: SLATimer) -> list[User]:
    """The lead of the team the timer's hop went to (else the case's owner team)."""
    team = timer.escalation.to_team if timer.escalation else timer.case.owner_team
    return [team.lead] if team is not None and team.lead is not None else []


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
    payload = {
        "text": f"{subject}\n{detail}".strip(),
        "case": {
            "reference": case.reference,
            "subject": case.subject,
            "status": case.status,
            "tier": case.tier,
            "priority": case.priority,
        },
        "timer": timer.kind,
        "level": level.name.lower(),
        "due_at": timer.due_at,
        "fired_at": now,
        "escalation": timer.escalation.number if timer.escalation else None,
        "detail": detail,
    }
    sent = outbox.notify_users(
        users, event_type=event_type, subject=subject, payload=payload, case_id=case.pk
    )
    outbox.notify_in_app(
        users,
        kind=InboxKind.SLA_BREACHED if level == Level.BREACH else InboxKind.SLA_WARNING,
        title=subject,
        case_id=case.pk,
        loudness=Loudness.LOUD if level == Level.BREACH else Loudness.QUIET,
        payload={
            "reference": case.reference,
            "subject": case.subject,
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
