"""The demo's SLA set-up: a weekday calendar with lunch break, Japanese holidays and the
year-end closure, a 24/7 calendar, a standard policy and a 24/7 policy for faults (each with an
acknowledgement target for a customer on hold: a held customer's wait times out), and running
timers for the demo's open cases and hops.

The demo cases are played in the past, but their timers are started as if the SLA policies
had been introduced just now (each a few minutes ago, at random): timers started days ago would
all breach at the first sweep and escalate every open case at once. So the demo opens with most
timers on track and, when it is loaded during business hours, a few acknowledgements running
late that the first sweeps warn about and escalate automatically."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from demo.organisation import REASON, audited
from escalations.models import (
    BusinessCalendar,
    CalendarDay,
    CalendarDayKind,
    Case,
    CaseStatus,
    Category,
    Escalation,
    EscalationOutcome,
    OpeningHours,
    SLAHopTarget,
    SLAPolicy,
    SLAPriorityTarget,
    TimerKind,
)
from escalations.sla import timers

WEEKDAY_HOURS = [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(18))]
# priority -> (first response, resolution), in business minutes
STANDARD = {1: (30, 8 * 60), 2: (60, 2 * 9 * 60), 3: (120, 5 * 8 * 60), 4: (240, 10 * 8 * 60)}
# to tier -> acknowledge, answer (business minutes), acknowledge while the customer is on hold
# (wall-clock minutes)
STANDARD_HOPS = {2: (15, 2 * 60, 2), 3: (30, 8 * 60, 3), 4: (60, 2 * 8 * 60, 5)}
FAULTS = {1: (15, 4 * 60), 2: (30, 8 * 60), 3: (60, 24 * 60), 4: (120, 3 * 24 * 60)}
FAULT_HOPS = {2: (10, 60, 2), 3: (15, 4 * 60, 2), 4: (30, 8 * 60, 3)}
FAULT_CATEGORY = "故障・不具合"
LATE = 4  # open hops started long enough ago to be late (when loaded during business hours)


def load_sla(*, admin: User, categories: dict[str, Category], rng: random.Random) -> None:
    weekdays = _calendar_weekdays(admin)
    always = audited(
        BusinessCalendar(name="24時間365日", always_open=True, japanese_holidays=False), admin
    )
    always.save()
    _policy("標準", weekdays, STANDARD, STANDARD_HOPS, admin, is_default=True)
    faults = _policy("障害対応（24時間）", always, FAULTS, FAULT_HOPS, admin)
    faults.categories.add(categories[FAULT_CATEGORY])
    _start_timers(rng)


def _calendar_weekdays(admin: User) -> BusinessCalendar:
    calendar = audited(
        BusinessCalendar(name="平日 9:00-18:00（昼休み 12:00-13:00）", japanese_holidays=True),
        admin,
    )
    calendar.save()
    hours = [
        OpeningHours(calendar=calendar, weekday=day, start=start, end=end)
        for day in range(5)
        for start, end in WEEKDAY_HOURS
    ]
    bulk_create_with_history(hours, OpeningHours, default_user=admin, default_change_reason=REASON)
    year = timezone.localdate().year
    closures = [
        CalendarDay(calendar=calendar, date=date, kind=CalendarDayKind.CLOSED, note="年末年始休業")
        for first in (dt.date(year - 1, 12, 29), dt.date(year, 12, 29))
        for date in (first + dt.timedelta(days=n) for n in range(6))
    ]
    bulk_create_with_history(
        closures, CalendarDay, default_user=admin, default_change_reason=REASON
    )
    return calendar


def _policy(
    name: str,
    calendar: BusinessCalendar,
    targets: dict,
    hops: dict,
    admin: User,
    *,
    is_default: bool = False,
) -> SLAPolicy:
    policy = audited(SLAPolicy(name=name, calendar=calendar, is_default=is_default), admin)
    policy.save()
    bulk_create_with_history(
        [
            SLAPriorityTarget(
                policy=policy,
                priority=priority,
                first_response=dt.timedelta(minutes=first),
                resolution=dt.timedelta(minutes=resolution),
            )
            for priority, (first, resolution) in targets.items()
        ],
        SLAPriorityTarget,
        default_user=admin,
        default_change_reason=REASON,
    )
    bulk_create_with_history(
        [
            SLAHopTarget(
                policy=policy,
                to_tier=tier,
                acknowledge=dt.timedelta(minutes=ack),
                answer=dt.timedelta(minutes=answer),
                hold_acknowledge=dt.timedelta(minutes=on_hold),
            )
            for tier, (ack, answer, on_hold) in hops.items()
        ],
        SLAHopTarget,
        default_user=admin,
        default_change_reason=REASON,
    )
    return policy


def _start_timers(rng: random.Random) -> None:
    """Timers for the open cases and hops, through the same functions the services use."""
    now = timezone.now()
    open_cases = Case.objects.exclude(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED])
    for case in open_cases.order_by("pk"):
        started = now - dt.timedelta(minutes=rng.randint(0, 10))
        kinds = [TimerKind.RESOLUTION]
        if case.status == CaseStatus.NEW:
            kinds.append(TimerKind.FIRST_RESPONSE)
        timers.start_case_timers(case, now=started, kinds=kinds)
        if case.status == CaseStatus.PENDING_CUSTOMER:
            timers.pause_resolution(case, now=started)
    hops = Escalation.objects.filter(outcome=EscalationOutcome.OPEN).select_related("case")
    for index, hop in enumerate(hops.order_by("pk")):
        minutes = rng.randint(20, 40) if index < LATE else rng.randint(0, 8)
        started = now - dt.timedelta(minutes=minutes)
        timers.start_hop_timers(hop.case, hop, now=started)
        done = [TimerKind.ACKNOWLEDGE] if hop.acknowledged_at is not None else []
        if hop.on_hold_since is not None and (hop.acknowledged_at or hop.hold_ended_at):
            done.append(TimerKind.HOLD_ACKNOWLEDGE)  # the customer is no longer waiting
        if done:
            timers.stop_timers(hop.case, done, escalation=hop, now=started)
