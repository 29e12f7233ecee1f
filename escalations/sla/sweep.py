"""The SLA sweep: one periodic task takes what is due, through the index on
``SLATimer.next_fire_at``, locks it with ``SKIP LOCKED``, and fires each rung of the warning
ladder once (``SLAEvent`` is unique per timer and level). Its cost grows with what is due, not
with what is open. A breach of an escalation's acknowledgement or answer target escalates the
case further through the same service a person uses, as the system user."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Tier, User
from accounts.services import system_user
from escalations import notifications
from escalations.sla.models import Level, SLAEvent, SLATimer, TimerKind
from escalations.sla.schedules import ScheduleCache
from escalations.sla.timers import HOP_KINDS, schedule_next
from integrations.webhooks import emit_sla_event


@dataclass
class SweepResult:
    batches: int = 0
    warnings: int = 0
    breaches: int = 0
    escalated: int = 0
    deferred: int = 0  # breaches whose case someone else held locked: taken by the next sweep

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sla_sweep(
    *, now: dt.datetime | None = None, batch_size: int | None = None, max_batches: int | None = None
) -> SweepResult:
    """Fire every warning and breach due at ``now``, one transaction per batch."""
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH_SIZE
    result = SweepResult()
    deferred: set[int] = set()
    context = _Context(now=now)
    while max_batches is None or result.batches < max_batches:
        with transaction.atomic():
            due = (
                SLATimer.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(next_fire_at__lte=now)
                .select_related(
                    "policy__calendar",
                    "case__handler",
                    "case__assigned_team__lead",
                    "case__owner_team__lead",
                    "escalation__to_team__lead",
                    "escalation__to_user",
                )
                .order_by("next_fire_at")
            )
            if deferred:
                due = due.exclude(pk__in=deferred)
            timers = list(due[:batch_size])
            if not timers:
                break
            with notifications.batched():
                for timer in timers:
                    if not _fire(timer, context, result):
                        deferred.add(timer.pk)
        result.batches += 1
    return result


class _Context:
    """What a sweep looks up once: the clock, the system user, managers, schedules."""

    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        self.schedules = ScheduleCache(today=timezone.localdate(now))
        self._system: User | None = None
        self._managers: list[User] | None = None
        # Hops this sweep escalated further: their other timers, loaded in the same batch, are
        # stale (stopped since) and must not fire.
        self.closed_hops: set[int] = set()

    @property
    def system(self) -> User:
        if self._system is None:
            self._system = system_user()
        return self._system

    @property
    def managers(self) -> list[User]:
        if self._managers is None:
            group = Group.objects.filter(name="manager").first()
            self._managers = (
                list(group.user_set.filter(is_active=True).select_related("delegate"))
                if group
                else []
            )
        return self._managers


def _fire(timer: SLATimer, ctx: _Context, result: SweepResult) -> bool:
    """Record and act on the timer's next level. ``False``: deferred to the next sweep."""
    if timer.escalation_id is not None and timer.escalation_id in ctx.closed_hops:
        return True  # stopped when this sweep escalated its hop further
    level = Level(timer.next_level)
    if level == Level.BREACH and timer.kind in HOP_KINDS:
        try:
            # A savepoint: a deferred breach leaves nothing behind, not even its row locks.
            with transaction.atomic():
                return _breach_hop(timer, ctx, result)
        except _Deferred:
            result.deferred += 1
            return False
    event = _record(timer, level, ctx)
    if level == Level.BREACH:
        result.breaches += 1
        event.action = _notify(timer, level, ctx, [*ctx.managers, *_leads(timer)])
    else:
        result.warnings += 1
        recipients = _handlers(timer) if level == Level.WARN_HANDLER else _leads(timer)
        event.action = _notify(timer, level, ctx, recipients)
    event.save()
    return True


def _record(timer: SLATimer, level: Level, ctx: _Context) -> SLAEvent:
    event = SLAEvent(
        timer=timer, case_id=timer.case_id, level=level, fired_at=ctx.now, due_at=timer.due_at
    )
    emit_sla_event(timer, level, fired_at=ctx.now)
    schedule_next(timer, ctx.schedules, after=level)
    if level == Level.BREACH:
        timer.next_level, timer.next_fire_at = None, None
    timer.save(update_fields=["due_at", "next_level", "next_fire_at"])
    return event


class _Deferred(Exception):
    """The case, or the hop's other timer, is held by someone else: try again next sweep."""


def _breach_hop(timer: SLATimer, ctx: _Context, result: SweepResult) -> bool:
    from escalations.models import Case, CaseStatus, EscalationOutcome
    from escalations.services import Handoff, TransitionConflict, case_escalate

    # FOR NO KEY UPDATE: rows other sweeps insert for this case (events, notifications) check
    # their foreign key with KEY SHARE at commit, which must not wait for this lock.
    case = (
        Case.objects.select_for_update(skip_locked=True, no_key=True)
        .filter(pk=timer.case_id)
        .first()
    )
    if case is None:  # a person is acting on the case right now
        raise _Deferred
    # Escalating stops the hop's other timer: take it now, or defer rather than wait for
    # another sweep that holds it in its batch (and may be waiting for us: a deadlock).
    hop_timers = SLATimer.objects.filter(escalation_id=timer.escalation_id, stopped_at__isnull=True)
    locked = set(hop_timers.select_for_update(skip_locked=True).values_list("pk", flat=True))
    if locked != set(hop_timers.values_list("pk", flat=True)):
        raise _Deferred
    hop = timer.escalation
    event = _record(timer, Level.BREACH, ctx)
    result.breaches += 1
    overdue = _format_overdue(ctx.now - timer.due_at)
    what = (
        _("acknowledgement of escalation #%(n)s")
        if timer.kind == TimerKind.ACKNOWLEDGE
        else _("answer to escalation #%(n)s")
    ) % {"n": hop.number}
    reason = _("SLA breach: %(what)s overdue by %(overdue)s") % {"what": what, "overdue": overdue}
    still_open = hop.outcome == EscalationOutcome.OPEN and case.status in (
        CaseStatus.ESCALATED,
        CaseStatus.ACKNOWLEDGED,
    )
    action = ""
    if still_open and case.tier < Tier.L4:
        try:
            new_hop = case_escalate(
                case=case,
                actor=ctx.system,
                reason=hop.reason,
                handoff=Handoff(
                    customer_wants=hop.customer_wants, tried=hop.tried, mood=hop.customer_mood
                ),
                is_automatic=True,
                history_reason=reason,
            )
        except (TransitionConflict, ValidationError):  # no team above: notify the managers
            new_hop = None
        if new_hop is not None:
            ctx.closed_hops.add(hop.pk)
            result.escalated += 1
            action = _("Escalated automatically to L%(tier)s %(team)s (escalation #%(n)s).") % {
                "tier": new_hop.to_tier,
                "team": new_hop.to_team.name,
                "n": new_hop.number,
            }
    if not action:
        action = _("Nothing above to escalate to: managers notified.")
    notified = _notify(timer, Level.BREACH, ctx, [*ctx.managers, *_leads(timer)], detail=reason)
    event.action = f"{reason}. {action} {notified}".strip()
    event.save()
    return True


def _handlers(timer: SLATimer) -> list[User]:
    if timer.escalation is not None:
        hop = timer.escalation
        if timer.case.handler is not None and timer.case.assigned_team_id == hop.to_team_id:
            return [timer.case.handler]
        if hop.to_user is not None:
            return [hop.to_user]
        return list(hop.to_team.members.filter(is_active=True).select_related("delegate"))
    return [timer.case.handler] if timer.case.handler else _leads(timer)


def _leads(timer: SLATimer) -> list[User]:
    team = timer.escalation.to_team if timer.escalation else timer.case.owner_team
    return [team.lead] if team is not None and team.lead is not None else []


def _notify(
    timer: SLATimer, level: Level, ctx: _Context, users: list[User], detail: str = ""
) -> str:
    case = timer.case
    event_type = "sla.breached" if level == Level.BREACH else "sla.warning"
    subject = _("[%(level)s] %(reference)s %(subject)s: %(kind)s due %(due)s") % {
        "level": level.label,
        "reference": case.reference,
        "subject": case.subject,
        "kind": timer.get_kind_display(),
        "due": timezone.localtime(timer.due_at).strftime("%Y-%m-%d %H:%M"),
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
        "fired_at": ctx.now,
        "escalation": timer.escalation.number if timer.escalation else None,
        "detail": detail,
    }
    sent = notifications.notify_users(
        users, event_type=event_type, subject=subject, payload=payload, case_id=case.pk
    )
    team = timer.escalation.to_team if timer.escalation else case.assigned_team
    hooks = notifications.notify_team_webhook(
        team, event_type=event_type, subject=subject, payload=payload, case_id=case.pk
    )
    names = ", ".join(str(n.recipient) for n in sent)
    parts = [_("Notified: %(names)s.") % {"names": names}] if names else []
    if hooks:
        parts.append(_("Webhook queued."))
    return " ".join(parts)


def _format_overdue(delta: dt.timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    seconds = max(int(delta.total_seconds()), 0)
    return _("%(m)d min") % {"m": minutes} if minutes else _("%(s)d s") % {"s": seconds}
