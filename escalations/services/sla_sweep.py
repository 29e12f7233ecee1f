"""The SLA sweep: one periodic task takes what is due, through the index on
``SLATimer.next_fire_at``, locks it with ``SKIP LOCKED``, and fires each rung of the warning
ladder once (``SLAEvent`` is unique per timer and level). Its cost grows with what is due, not
with what is open, and a batch costs a fixed number of statements whatever its size. A breach
of an escalation's acknowledgement or answer target escalates the case further through the same
service a person uses (``escalate_cases``, for the whole batch at once), as the system user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, Tier, User
from accounts.services import system_user
from escalations import hooks
from escalations.models import (
    Callback,
    Case,
    CaseStatus,
    Escalation,
    EscalationOutcome,
    Level,
    SLAEvent,
    SLAPolicy,
    SLATimer,
    TimerKind,
)
from escalations.services._base import Handoff
from escalations.services.escalate import EscalationRequest, escalate_cases
from escalations.services.sla_notices import notify_sla, team_leads
from escalations.sla import next_due
from escalations.sla.schedules import ScheduleCache
from escalations.sla.timers import HOP_KINDS, schedule_next
from kit import configcache
from kit.bulk import bulk_insert, bulk_set, new
from kit.durations import duration_text
from notifications import events, outbox

# Where ``_Context.attach`` puts what it loaded (the objects' related-object caches).
_TIMER_CASE = SLATimer._meta.get_field("case")
_TIMER_HOP = SLATimer._meta.get_field("escalation")
_TIMER_CALLBACK = SLATimer._meta.get_field("callback")
_TIMER_POLICY = SLATimer._meta.get_field("policy")
_CASE_HANDLER = Case._meta.get_field("handler")
_CASE_OWNER_TEAM = Case._meta.get_field("owner_team")
_CASE_ASSIGNED_TEAM = Case._meta.get_field("assigned_team")
_HOP_CASE = Escalation._meta.get_field("case")
_HOP_TO_TEAM = Escalation._meta.get_field("to_team")
_HOP_TO_USER = Escalation._meta.get_field("to_user")
_PROMISED_BY = Callback._meta.get_field("promised_by")


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
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    max_batches: int | None = None,
    on_backlog: Callable[[], None] | None = None,
) -> SweepResult:
    """Fire every warning and breach due at ``now``, one transaction per batch.

    ``on_backlog`` is called once, after the first batch has committed, when that batch was
    full: more is due than one batch holds (a burst of breaches, a sweep that was down). The
    periodic task uses it to ask the worker's other processes to sweep alongside
    (``escalations.tasks.sla_sweep``); the batches they take are disjoint (``SKIP LOCKED``)."""
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
                .order_by("next_fire_at")
            )
            if deferred:
                due = due.exclude(pk__in=deferred)
            timers = list(due[:batch_size])
            if not timers:
                break
            # the shared configuration's versions (webhook subscriptions, SLA policies) read
            # once per batch, not once per event
            with configcache.read_once(), outbox.batched():
                deferred |= _Batch(context, result).fire(timers)
        result.batches += 1
        if on_backlog is not None and result.batches == 1 and len(timers) == batch_size:
            on_backlog()
    hooks.sweep_finished(now=now)  # the heartbeat (ops): the SLA clock is ticking
    return result


class _Context:
    """What a sweep looks up once: the clock, the system user, managers, schedules, teams."""

    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        self.schedules = ScheduleCache(today=timezone.localdate(now))
        self._system: User | None = None
        self._managers: list[User] | None = None
        self._members: dict[int, list[User]] = {}
        self._teams: dict[int, Team] | None = None
        self._users: dict[int, User] = {}
        self._policies: dict[int, SLAPolicy] = {}
        # Level and timer kind names in the sweep's language, translated once (the model's
        # ``get_kind_display`` rebuilds its choices on every call).
        self.labels: dict[object, str] = {
            choice: str(choice.label) for choices in (Level, TimerKind) for choice in choices
        }
        # The texts of a breach, translated once a sweep too (filled in per breach).
        self.overdue_what = {
            TimerKind.ACKNOWLEDGE: _("acknowledgement of escalation #%(n)s"),
            TimerKind.ANSWER: _("answer to escalation #%(n)s"),
        }
        self.breach_reason = _("SLA breach: %(what)s overdue by %(overdue)s")
        self.escalated_to = _("Escalated automatically to L%(tier)s %(team)s (escalation #%(n)s).")
        self.breach_said = _("%(breach)s. %(action)s")
        self._overdue: dict[tuple[int, bool], str] = {}

    def overdue(self, late: dt.timedelta) -> str:
        """``duration_text(late)``, made once per whole second (all it reads of it, besides
        whether it is zero)."""
        total = max(late.total_seconds(), 0)
        key = (int(total), total > 0)
        if key not in self._overdue:
            self._overdue[key] = duration_text(late)
        return self._overdue[key]

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

    def attach(self, timers: list[SLATimer], cases: dict[int, Case]) -> None:
        """Give the batch's timers what they point at, in a fixed number of queries however
        many timers there are: ``cases`` (already read, under lock) and the other cases, the
        hops, callbacks and people (one query each when there are any), the teams and policies
        (once a sweep).
        Loading these with the timers (``select_related``) built the same team, lead and
        policy once per timer; here each is built once and shared."""
        missing = {t.case_id for t in timers} - cases.keys()
        if missing:
            cases = {**cases, **Case.objects.in_bulk(missing)}
        hop_ids = {t.escalation_id for t in timers if t.escalation_id is not None}
        hops = Escalation.objects.in_bulk(hop_ids) if hop_ids else {}
        callback_ids = {t.callback_id for t in timers if t.callback_id is not None}
        callbacks = Callback.objects.in_bulk(callback_ids) if callback_ids else {}
        teams = self.teams(
            {case.owner_team_id for case in cases.values()}
            | {case.assigned_team_id for case in cases.values()}
            | {hop.to_team_id for hop in hops.values()}
        )
        self._load_users(
            [case.handler_id for case in cases.values()]
            + [hop.to_user_id for hop in hops.values()]
            + [callback.promised_by_id for callback in callbacks.values()]
        )
        policies = self.policies({t.policy_id for t in timers})
        for case in cases.values():
            _CASE_HANDLER.set_cached_value(case, self._users.get(case.handler_id))
            _CASE_OWNER_TEAM.set_cached_value(case, teams.get(case.owner_team_id))
            _CASE_ASSIGNED_TEAM.set_cached_value(case, teams.get(case.assigned_team_id))
        for hop in hops.values():
            _HOP_TO_TEAM.set_cached_value(hop, teams[hop.to_team_id])
            _HOP_TO_USER.set_cached_value(hop, self._users.get(hop.to_user_id))
        for callback in callbacks.values():
            _PROMISED_BY.set_cached_value(callback, self._users.get(callback.promised_by_id))
        for timer in timers:
            case = cases.get(timer.case_id)
            if case is None:
                continue  # a hop breach whose case someone else holds: deferred
            _TIMER_CASE.set_cached_value(timer, case)
            _TIMER_HOP.set_cached_value(timer, hops.get(timer.escalation_id))
            _TIMER_CALLBACK.set_cached_value(timer, callbacks.get(timer.callback_id))
            _TIMER_POLICY.set_cached_value(timer, policies[timer.policy_id])
            if timer.escalation_id is not None:
                _HOP_CASE.set_cached_value(hops[timer.escalation_id], case)

    def teams(self, needed: set[int | None]) -> dict[int, Team]:
        """Every team with its lead (and the lead's delegate): few, read once a sweep, and again
        if one made since is needed."""
        if self._teams is None or not needed - {None} <= self._teams.keys():
            self._teams = Team.objects.select_related("lead__delegate").in_bulk()
        return self._teams

    def _load_users(self, ids: list[int | None]) -> None:
        """The batch's people, read again each batch (a delegate may have changed)."""
        wanted = {pk for pk in ids if pk is not None}
        if wanted:
            self._users.update(User.objects.select_related("delegate").in_bulk(wanted))

    def policies(self, needed: set[int]) -> dict[int, SLAPolicy]:
        """Every policy with its calendar: few, read once a sweep, and again if one made since
        is needed."""
        if not needed <= self._policies.keys():
            self._policies = SLAPolicy.objects.select_related("calendar").in_bulk()
        return self._policies

    def members(self, team) -> list[User]:
        if team.pk not in self._members:
            self._members[team.pk] = list(
                team.members.filter(is_active=True).select_related("delegate")
            )
        return self._members[team.pk]


class _Batch:
    """One batch of due timers: the breaches that escalate first (all at once), then the other
    breaches and the warnings; the events and the timers' next rungs are written at the end."""

    def __init__(self, ctx: _Context, result: SweepResult) -> None:
        self.ctx = ctx
        self.result = result
        self.events: list[SLAEvent] = []
        self.fired: dict[int, SLATimer] = {}  # timers whose next rung moved
        # Hops this batch escalated further: their other timers, loaded in the same batch, are
        # stale (stopped since) and must not fire.
        self.closed_hops: set[int] = set()

    def fire(self, timers: list[SLATimer]) -> set[int]:
        """Act on every timer; returns the ids of those deferred to the next sweep."""
        for timer in timers:
            self._skip_passed_warnings(timer)
        hop_breaches = [t for t in timers if t.next_level == Level.BREACH and t.kind in HOP_KINDS]
        cases, held_hops = self._lock(hop_breaches)
        self.ctx.attach(timers, cases)
        taken, deferred = self._take(hop_breaches, cases, held_hops)
        # Case.sla_next_due: a breach escalated writes its case's timers in two statements (the
        # hop's stopped, the next hop's started), each of which would write the case row; with
        # escalations, the batch's cases are recomputed once, at its end. (Warnings move no
        # deadline: the timers' triggers find nothing to write.)
        with next_due.later({timer.case_id for timer in timers}) if taken else nullcontext():
            self._write(timers, taken, deferred)
        self.result.deferred += len(deferred)
        return deferred

    def _write(self, timers: list[SLATimer], taken: list[SLATimer], deferred: set[int]) -> None:
        self._escalate(taken)
        done = deferred | {timer.pk for timer in taken}
        for timer in timers:
            if timer.pk in done:
                continue
            if timer.escalation_id is not None and timer.escalation_id in self.closed_hops:
                continue  # stopped when this batch escalated its hop further
            self._fire(timer)
        # The timers of the hops escalated further, the breached ones included, were stopped
        # meanwhile (nothing left to fire): they are not written again.
        moved = [
            timer for timer in self.fired.values() if timer.escalation_id not in self.closed_hops
        ]
        bulk_set(moved, ["due_at", "next_level", "next_fire_at"])
        bulk_insert(self.events)

    def _lock(self, breaches: list[SLATimer]) -> tuple[dict[int, Case], set[int]]:
        """Lock the cases of these hop breaches and their hops' other timers, without waiting.
        Returns the cases locked (read under the lock) and the hops whose other timer someone
        else holds (a person acting on the case, an overlapping sweep)."""
        if not breaches:
            return {}, set()
        cases = {
            case.pk: case
            for case in Case.objects.select_for_update(skip_locked=True, no_key=True).filter(
                pk__in={t.case_id for t in breaches}
            )
        }
        hop_ids = {t.escalation_id for t in breaches if t.case_id in cases}
        open_timers = SLATimer.objects.filter(escalation__in=hop_ids, stopped_at__isnull=True)
        everything = set(open_timers.values_list("pk", "escalation_id"))
        locked = set(
            open_timers.select_for_update(skip_locked=True).values_list("pk", "escalation_id")
        )
        return cases, {hop_id for _pk, hop_id in everything - locked}

    def _take(
        self, breaches: list[SLATimer], cases: dict[int, Case], held_hops: set[int]
    ) -> tuple[list[SLATimer], set[int]]:
        """The hop breaches to act on now, one per hop, and those deferred to the next sweep
        (their case or their hop's other timer is held by someone else). Their cases and hops
        were read after the cases were locked: what a person did meanwhile is seen."""
        taken, deferred, seen_hops = [], set(), set()
        for timer in breaches:
            if timer.case_id not in cases or timer.escalation_id in held_hops:
                deferred.add(timer.pk)
                continue
            if timer.escalation_id in seen_hops:
                continue  # its hop's first breach in this batch acts for both: fired below
            seen_hops.add(timer.escalation_id)
            taken.append(timer)
        return taken, deferred

    def _escalate(self, breaches: list[SLATimer]) -> None:
        """Record each breach, escalate the still open hops below the top tier further in one
        call of the escalate service, and notify."""
        reasons, requests, asked = {}, [], []
        for timer in breaches:
            hop, case = timer.escalation, timer.case
            overdue = self.ctx.overdue(self.ctx.now - timer.due_at)
            what = self.ctx.overdue_what[
                TimerKind.ACKNOWLEDGE if timer.kind == TimerKind.ACKNOWLEDGE else TimerKind.ANSWER
            ] % {"n": hop.number}
            reasons[timer.pk] = self.ctx.breach_reason % {"what": what, "overdue": overdue}
            still_open = hop.outcome == EscalationOutcome.OPEN and case.status in (
                CaseStatus.ESCALATED,
                CaseStatus.ACKNOWLEDGED,
            )
            if still_open and case.tier < Tier.L4:
                asked.append(timer)
                requests.append(
                    EscalationRequest(
                        case=case,
                        reason=hop.reason,
                        handoff=Handoff(
                            customer_wants=hop.customer_wants,
                            tried=hop.tried,
                            mood=hop.customer_mood,
                        ),
                        history_reason=reasons[timer.pk],
                    )
                )
        escalated, stays = {}, set()
        if requests:
            outcomes = escalate_cases(
                requests, actor=self.ctx.system, is_automatic=True, locked=True
            )
            for timer, outcome in zip(asked, outcomes, strict=True):
                if isinstance(outcome, ValidationError):  # nowhere to go: see the action below
                    if getattr(outcome, "code", None) == "no_default_team":
                        stays.add(timer.pk)
                    continue
                if isinstance(outcome, Exception):  # we hold the locks: this cannot happen
                    raise outcome
                escalated[timer.pk] = outcome
                self.closed_hops.add(timer.escalation_id)
        for timer in breaches:
            event = self._record(timer, Level.BREACH)
            self.result.breaches += 1
            new_hop = escalated.get(timer.pk)
            if new_hop is not None:
                self.result.escalated += 1
                action = self.ctx.escalated_to % {
                    "tier": new_hop.to_tier,
                    "team": new_hop.to_team.name,
                    "n": new_hop.number,
                }
            elif timer.pk in stays:
                # no rule and no default team above: the case stays in the queue of the team
                # it is with, whose lead (and the managers) hear of it below
                action = _(
                    "No escalation rule matches and the next tier has no default team: the "
                    "case stays with %(team)s."
                ) % {"team": timer.escalation.to_team.name}
            else:
                action = _("Nothing above to escalate to: managers notified.")
            reason = reasons[timer.pk]
            notified = self._notify(
                timer, Level.BREACH, [*self.ctx.managers, *team_leads(timer)], detail=reason
            )
            said = self.ctx.breach_said % {"breach": reason, "action": action}
            event.action = f"{said} {notified}".strip()

    def _fire(self, timer: SLATimer) -> None:
        level = Level(timer.next_level)
        event = self._record(timer, level)
        if timer.kind in (TimerKind.HOLD_ACKNOWLEDGE, TimerKind.CALLBACK):
            # The customer on the line, a promised call: the next person acts (the team lead,
            # or the delegate of an absent lead); managers are not paged for minutes.
            if level == Level.BREACH:
                self.result.breaches += 1
            else:
                self.result.warnings += 1
            leads = [] if level == Level.WARN_HANDLER else team_leads(timer)
            # the first rung, and a team without a lead: the promiser, or the hop's handlers
            recipients = leads or (
                [timer.callback.promised_by] if timer.callback else self._handlers(timer)
            )
            event.action = self._notify(timer, level, recipients)
            return
        if level == Level.BREACH:
            self.result.breaches += 1
            recipients = [*self.ctx.managers, *team_leads(timer)]
        else:
            self.result.warnings += 1
            recipients = self._handlers(timer) if level == Level.WARN_HANDLER else team_leads(timer)
        event.action = self._notify(timer, level, recipients)

    def _record(self, timer: SLATimer, level: Level) -> SLAEvent:
        event = new(
            SLAEvent,
            timer=timer,
            case_id=timer.case_id,
            level=level,
            fired_at=self.ctx.now,
            due_at=timer.due_at,
        )
        schedule_next(timer, self.ctx.schedules, after=level)
        if level == Level.BREACH:
            timer.next_level, timer.next_fire_at = None, None
        self.fired[timer.pk] = timer
        self.events.append(event)
        events.emit(
            events.EventType.SLA_BREACHED
            if level == Level.BREACH
            else events.EventType.SLA_WARNING,
            timer.case,
            escalation=timer.escalation,
            occurred_at=self.ctx.now,
            extra={"timer": timer.kind, "level": Level(level).name.lower(), "due_at": timer.due_at},
        )
        if timer.kind == TimerKind.CALLBACK and timer.callback is not None:
            # a promised call: its own event too, for a CTI or a dialler that only cares
            # about callbacks (the reminder before the window ends; the miss at its end)
            callback = timer.callback
            events.emit(
                events.EventType.CALLBACK_MISSED
                if level == Level.BREACH
                else events.EventType.CALLBACK_DUE,
                timer.case,
                occurred_at=self.ctx.now,
                extra={
                    "callback": {
                        "id": callback.pk,
                        "number": callback.number,
                        "window_start": callback.window_start,
                        "window_end": callback.window_end,
                        "status": callback.status,
                    },
                    "level": Level(level).name.lower(),
                },
            )
        return event

    def _skip_passed_warnings(self, timer: SLATimer) -> None:
        """A timer whose deadline passed before its warnings fired (the sweep was down or
        late) goes straight to its breach, in this batch: a warning after the deadline would
        only be noise, and the answer target of a hop must not warn after the acknowledgement
        breach has moved the case on. The skipped warnings are recorded, nobody is notified."""
        if timer.next_level is None or timer.next_level >= Level.BREACH:
            return
        if timer.due_at is None or timer.due_at > self.ctx.now:
            return
        for level in range(timer.next_level, Level.BREACH):
            self.events.append(
                new(
                    SLAEvent,
                    timer=timer,
                    case_id=timer.case_id,
                    level=level,
                    fired_at=self.ctx.now,
                    due_at=timer.due_at,
                    action=_("Skipped: the deadline had already passed when it was checked."),
                )
            )
        timer.next_level, timer.next_fire_at = Level.BREACH, timer.due_at
        self.fired[timer.pk] = timer

    def _handlers(self, timer: SLATimer) -> list[User]:
        if timer.escalation is not None:
            hop = timer.escalation
            if timer.case.handler is not None and timer.case.assigned_team_id == hop.to_team_id:
                return [timer.case.handler]
            if hop.to_user is not None:
                return [hop.to_user]
            return self.ctx.members(hop.to_team)
        return [timer.case.handler] if timer.case.handler else team_leads(timer)

    def _notify(self, timer: SLATimer, level: Level, users: list[User], detail: str = "") -> str:
        return notify_sla(
            timer, level, labels=self.ctx.labels, now=self.ctx.now, users=users, detail=detail
        )
