"""Start, stop, pause, resume and recompute SLA timers. Called by the case services, inside
their transaction; pure business-time arithmetic lives in ``escalations.sla.calendar``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import BooleanField, CharField, F, Q, QuerySet, Value, When
from django.db.models import Case as SQLCase  # escalations.models.Case is the case
from django.utils import timezone

from escalations.models import (
    Level,
    SLAHopTarget,
    SLAPolicy,
    SLAPriorityTarget,
    SLATimer,
    TimerKind,
    TimerOutcome,
)
from escalations.sla.calendar import Schedule, add_business_time, business_time_between
from escalations.sla.config import sla_config
from escalations.sla.schedules import ScheduleCache
from kit.bulk import bulk_insert, new

if TYPE_CHECKING:
    from escalations.models import Case, Escalation

CASE_KINDS = (TimerKind.FIRST_RESPONSE, TimerKind.RESOLUTION)
HOP_KINDS = (TimerKind.ACKNOWLEDGE, TimerKind.ANSWER)
# Counted in wall-clock time whatever the policy's calendar says: a customer waiting on the line,
# a callback promised for a time of day. Their budgets are minutes, their ladders too.
WALL_CLOCK_KINDS = (TimerKind.HOLD_ACKNOWLEDGE, TimerKind.CALLBACK)
WALL_CLOCK = Schedule(
    tz=ZoneInfo("UTC"), weekly={}, closed_dates=frozenset(), extra_open_dates={}, always_open=True
)


def policy_for(case: Case) -> SLAPolicy | None:
    """The policy naming the case's category, else the default policy (from the process's
    copy of the SLA configuration: no query while it is unchanged)."""
    return sla_config().policy_for(case.category_id)


def ladder(policy: SLAPolicy) -> list[tuple[Level, int]]:
    return [
        (Level.WARN_HANDLER, policy.warn_handler_percent),
        (Level.WARN_LEAD, policy.warn_lead_percent),
        (Level.BREACH, 100),
    ]


def schedule_next(timer: SLATimer, cache: ScheduleCache, *, after: Level | None = None) -> None:
    """Set ``due_at``, ``next_level`` and ``next_fire_at`` of a running timer from its budget,
    the business time already used and the policy's warning ladder (in memory only). Timers
    that start together with the same budget (a batch of new hops) are computed once: the
    answer is remembered by ``cache`` (whose schedules are per calendar already)."""
    wall_clock = timer.kind in WALL_CLOCK_KINDS
    policy = timer.policy
    start = timer.running_since
    assert start is not None
    key = (
        None if wall_clock else policy.calendar_id,
        policy.warn_handler_percent,
        policy.warn_lead_percent,
        start,
        timer.budget,
        timer.consumed,
        after,
    )
    found = cache.remembered(key)
    if found is None:
        schedule = WALL_CLOCK if wall_clock else cache.get(policy.calendar)
        found = cache.remember(key, _next_rung(schedule, policy, timer, start, after))
    timer.due_at, timer.next_level, timer.next_fire_at = found


def _next_rung(
    schedule: Schedule,
    policy: SLAPolicy,
    timer: SLATimer,
    start: dt.datetime,
    after: Level | None,
) -> tuple[dt.datetime, Level | None, dt.datetime | None]:
    """The deadline, and the next rung of the ladder with when it fires (none left: None)."""
    remaining = max(timer.budget - timer.consumed, dt.timedelta(0))
    due_at = add_business_time(schedule, start, remaining)
    for level, percent in ladder(policy):
        if after is not None and level <= after:
            continue
        threshold = timer.budget * percent / 100
        fire_at = add_business_time(
            schedule, start, max(threshold - timer.consumed, dt.timedelta(0))
        )
        return due_at, level, fire_at
    return due_at, None, None


def _start(
    *,
    case: Case,
    kind: str,
    budget: dt.timedelta,
    policy: SLAPolicy,
    cache: ScheduleCache,
    now: dt.datetime,
    escalation: Escalation | None = None,
) -> SLATimer:
    timer = new(
        SLATimer,
        case=case,
        escalation=escalation,
        kind=kind,
        policy=policy,
        budget=budget,
        started_at=now,
        running_since=now,
    )
    schedule_next(timer, cache)
    return timer


def start_case_timers(
    case: Case, *, now: dt.datetime | None = None, kinds: Iterable[str] = CASE_KINDS
) -> list[SLATimer]:
    """First response and resolution timers for a new case (none without a policy/target);
    ``kinds`` narrows it (a reopened case gets a new resolution timer)."""
    return bulk_insert(case_timers(case, now=now, kinds=kinds))


def case_timers(
    case: Case, *, now: dt.datetime | None = None, kinds: Iterable[str] = CASE_KINDS
) -> list[SLATimer]:
    """The timers ``start_case_timers`` starts, not saved yet (for ``kit.together.insert_together``
    with the case itself)."""
    now = now or timezone.now()
    config = sla_config()
    policy = config.policy_for(case.category_id)
    if policy is None:
        return []
    target = config.priority_targets.get((policy.pk, case.priority))
    if target is None:
        return []
    cache = config.schedules(timezone.localdate(now))
    budgets = {
        TimerKind.FIRST_RESPONSE: target.first_response,
        TimerKind.RESOLUTION: target.resolution,
    }
    timers = [
        _start(case=case, kind=kind, budget=budgets[kind], policy=policy, cache=cache, now=now)
        for kind in kinds
    ]
    return timers


def start_hop_timers(
    case: Case, hop: Escalation, *, now: dt.datetime | None = None
) -> list[SLATimer]:
    """Acknowledge and answer timers for a new escalation hop."""
    return start_hops_timers([(case, hop)], now=now)


def start_hops_timers(
    hops: Sequence[tuple[Case, Escalation]], *, now: dt.datetime | None = None
) -> list[SLATimer]:
    """Acknowledge and answer timers for several new hops: their policies and targets from the
    process's copy of the SLA configuration, then one INSERT."""
    return bulk_insert(hops_timers(hops, now=now))


def hops_timers(
    hops: Sequence[tuple[Case, Escalation]], *, now: dt.datetime | None = None
) -> list[SLATimer]:
    """The timers ``start_hops_timers`` starts, not saved yet (for ``kit.together.insert_together``
    with the hops themselves: the hops need their keys already)."""
    now = now or timezone.now()
    config = sla_config()
    cache = config.schedules(timezone.localdate(now))
    timers = []
    for case, hop in hops:
        policy = config.policy_for(case.category_id)
        if policy is None:
            continue
        target = config.hop_targets.get(policy.pk, {}).get(hop.to_tier)
        if target is None:
            continue
        kinds = [(TimerKind.ACKNOWLEDGE, target.acknowledge), (TimerKind.ANSWER, target.answer)]
        if hop.on_hold_since is not None and target.hold_acknowledge is not None:
            kinds.append((TimerKind.HOLD_ACKNOWLEDGE, target.hold_acknowledge))
        for kind, budget in kinds:
            timers.append(
                _start(
                    case=case,
                    escalation=hop,
                    kind=kind,
                    budget=budget,
                    policy=policy,
                    cache=cache,
                    now=now,
                )
            )
    return timers


def nearest_due(
    timers: Iterable[SLATimer], *, also: dt.datetime | None = None
) -> dt.datetime | None:
    """The nearest deadline of the running ``timers`` (not stopped, not paused) and ``also``
    (the case's stored value, when no running timer of the case stops): ``Case.sla_next_due``
    for a statement that writes the case with these new timers. The database checks it after
    the statement and writes the right one where it differs (escalations migration 0023):
    right, it spares the case a second write."""
    dues = [
        timer.due_at
        for timer in timers
        if timer.stopped_at is None and timer.running_since is not None and timer.due_at
    ]
    if also is not None:
        dues.append(also)
    return min(dues, default=None)


def start_hold_timer(
    case: Case, hop: Escalation, *, now: dt.datetime | None = None
) -> SLATimer | None:
    """The hold acknowledgement timer of a hop whose customer was put on hold after it was
    escalated (as ``start_hops_timers`` starts it for a hop escalated on hold); none without a
    policy or a hold target for the hop's tier."""
    now = now or timezone.now()
    config = sla_config()
    policy = config.policy_for(case.category_id)
    if policy is None:
        return None
    target = config.hop_targets.get(policy.pk, {}).get(hop.to_tier)
    if target is None or target.hold_acknowledge is None:
        return None
    timer = _start(
        case=case,
        escalation=hop,
        kind=TimerKind.HOLD_ACKNOWLEDGE,
        budget=target.hold_acknowledge,
        policy=policy,
        cache=config.schedules(timezone.localdate(now)),
        now=now,
    )
    timer.save()
    return timer


def stop_timers(
    case: Case,
    kinds: Iterable[str],
    *,
    escalation: Escalation | None = None,
    now: dt.datetime | None = None,
    callback=None,
) -> int:
    """Stop the case's running timers of these kinds (of one hop or callback, if given)."""
    running = SLATimer.objects.filter(case=case, kind__in=list(kinds))
    if escalation is not None:
        running = running.filter(escalation=escalation)
    if callback is not None:
        running = running.filter(callback=callback)
    return _stop(running, now=now or timezone.now())


def miss_timers(
    case: Case, kinds: Iterable[str], *, callback=None, now: dt.datetime | None = None
) -> int:
    """Stop the case's running timers of these kinds (of one callback, if given) as missed,
    whatever their deadline: what they waited for will not happen (a callback given up)."""
    running = SLATimer.objects.filter(case=case, kind__in=list(kinds), stopped_at__isnull=True)
    if callback is not None:
        running = running.filter(callback=callback)
    return running.update(
        outcome=TimerOutcome.MISSED,
        met=False,
        stopped_at=now or timezone.now(),
        next_fire_at=None,
        next_level=None,
        running_since=None,
    )


def stop_hop_timers(hop_ids: Sequence[int], *, now: dt.datetime | None = None) -> int:
    """Stop the running timers of these escalation hops: they were escalated further, so what
    they waited for (an acknowledgement, an answer) will never come from this hop. A timer
    still within its deadline is superseded (neither met nor missed); one past it, missed."""
    return _stop(
        SLATimer.objects.filter(escalation__in=hop_ids),
        now=now or timezone.now(),
        in_time_is=TimerOutcome.SUPERSEDED,
    )


def _stop(
    timers: QuerySet[SLATimer], *, now: dt.datetime, in_time_is: str = TimerOutcome.MET
) -> int:
    """Stop running timers: one stopped within its deadline has ``in_time_is`` (met, when what
    it waited for happened; superseded, when its hop was handed on); a paused one is within it
    if it had not used up its budget (its ``due_at`` is the deadline from before the pause).
    Past the deadline: missed. A timer handed on at its very deadline is missed too: the sweep
    records the breach once the deadline is reached, and a breach is never superseded. One
    UPDATE for both outcomes (``CASE WHEN``: its conditions read each row as it was before
    the UPDATE); SLATimer keeps no history. Nothing is left to fire: no next rung, no next
    check."""
    running = timers.filter(stopped_at__isnull=True)
    if in_time_is == TimerOutcome.MET:
        in_time = Q(running_since__isnull=False, due_at__gte=now) | Q(
            running_since__isnull=True, consumed__lte=F("budget")
        )
    else:
        in_time = Q(running_since__isnull=False, due_at__gt=now) | Q(
            running_since__isnull=True, consumed__lt=F("budget")
        )
    in_time |= Q(due_at__isnull=True)
    stopped = {"stopped_at": now, "next_fire_at": None, "next_level": None, "running_since": None}
    met = True if in_time_is == TimerOutcome.MET else None
    return running.update(
        outcome=SQLCase(
            When(in_time, then=Value(str(in_time_is))),
            default=Value(str(TimerOutcome.MISSED)),
            output_field=CharField(),
        ),
        met=SQLCase(
            When(in_time, then=Value(met)), default=Value(False), output_field=BooleanField()
        ),
        **stopped,
    )


def pause_resolution(case: Case, *, now: dt.datetime | None = None) -> None:
    """Waiting for the customer: bank the business time used so far and stop the clock."""
    now = now or timezone.now()
    timers = list(
        SLATimer.objects.select_related("policy__calendar").filter(
            case=case,
            kind=TimerKind.RESOLUTION,
            stopped_at__isnull=True,
            running_since__isnull=False,
        )
    )
    cache = ScheduleCache(today=timezone.localdate(now))
    for timer in timers:
        schedule = cache.get(timer.policy.calendar)
        timer.consumed += business_time_between(schedule, timer.running_since, now)
        timer.running_since = None
        timer.next_fire_at = None
    SLATimer.objects.bulk_update(timers, ["consumed", "running_since", "next_fire_at"])


def resume_resolution(case: Case, *, now: dt.datetime | None = None) -> None:
    """The customer answered: the clock runs again; the paused time is credited."""
    now = now or timezone.now()
    timers = list(
        SLATimer.objects.select_related("policy__calendar").filter(
            case=case,
            kind=TimerKind.RESOLUTION,
            stopped_at__isnull=True,
            running_since__isnull=True,
        )
    )
    cache = ScheduleCache(today=timezone.localdate(now))
    for timer in timers:
        timer.running_since = now
        _reschedule(timer, cache)
    SLATimer.objects.bulk_update(timers, ["running_since", "due_at", "next_level", "next_fire_at"])


def _fired_levels(timer: SLATimer) -> Level | None:
    """The highest level already recorded for the timer (from its events)."""
    levels = [event.level for event in timer.events.all()]
    return Level(max(levels)) if levels else None


def _reschedule(timer: SLATimer, cache: ScheduleCache) -> None:
    schedule_next(timer, cache, after=_fired_levels(timer))


def recompute_open_timers(timers, *, now: dt.datetime | None = None) -> int:
    """Recompute the deadlines of open timers after a policy or calendar change; levels that
    already fired stay fired. A paused timer only takes the new target: its deadline is
    computed when the clock resumes. A constant number of queries plus one UPDATE per 500
    timers."""
    now = now or timezone.now()
    cache = ScheduleCache(today=timezone.localdate(now))
    open_timers = list(
        timers.filter(stopped_at__isnull=True)
        .select_related("policy__calendar", "case", "escalation")
        .prefetch_related("events", "policy__calendar__opening_hours", "policy__calendar__days")
    )
    policy_ids = {timer.policy_id for timer in open_timers}
    by_priority = {
        (t.policy_id, t.priority): t
        for t in SLAPriorityTarget.objects.filter(policy__in=policy_ids)
    }
    by_hop = {
        (t.policy_id, t.to_tier): t for t in SLAHopTarget.objects.filter(policy__in=policy_ids)
    }
    for timer in open_timers:
        budget = _target_budget(timer, by_priority, by_hop)
        if budget is not None:
            timer.budget = budget
        if timer.running_since is not None:
            _reschedule(timer, cache)
    SLATimer.objects.bulk_update(
        open_timers, ["budget", "due_at", "next_level", "next_fire_at"], batch_size=500
    )
    return len(open_timers)


def _target_budget(timer: SLATimer, by_priority: dict, by_hop: dict) -> dt.timedelta | None:
    if timer.kind == TimerKind.CALLBACK:
        return None  # the promise, not the policy, sets it
    if timer.kind in CASE_KINDS:
        target = by_priority.get((timer.policy_id, timer.case.priority))
        if target is None:
            return None
        if timer.kind == TimerKind.FIRST_RESPONSE:
            return target.first_response
        return target.resolution
    target = by_hop.get((timer.policy_id, timer.escalation.to_tier))
    if target is None:
        return None
    if timer.kind == TimerKind.HOLD_ACKNOWLEDGE:
        return target.hold_acknowledge
    return target.acknowledge if timer.kind == TimerKind.ACKNOWLEDGE else target.answer


def recompute_for_policy(policy_id: int, *, now: dt.datetime | None = None) -> int:
    """After a policy (or one of its targets) changed: recompute its open timers."""
    return recompute_open_timers(SLATimer.objects.filter(policy_id=policy_id), now=now)


def recompute_for_calendar(calendar_id: int, *, now: dt.datetime | None = None) -> int:
    """After a calendar (hours, closures, extra days) changed: recompute the open timers of
    every policy counting in it."""
    return recompute_open_timers(SLATimer.objects.filter(policy__calendar_id=calendar_id), now=now)
