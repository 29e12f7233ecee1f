"""Reads for showing SLA state: per case, the nearest running deadline, whether a warning has
fired, and the business time left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from escalations.models import BusinessCalendar, Level, SLAEvent, SLATimer
from escalations.sla.calendar import business_time_between
from escalations.sla.schedules import ScheduleCache


def _running() -> QuerySet[SLATimer]:
    return SLATimer.objects.filter(
        case=OuterRef("pk"),
        stopped_at__isnull=True,
        running_since__isnull=False,
    ).order_by("due_at")


def with_sla(cases: QuerySet) -> QuerySet:
    """Annotate ``sla_due`` (nearest running deadline), ``sla_calendar_id`` (its calendar) and
    ``sla_warned`` (a warning or breach has fired on a running timer)."""
    if "sla_due" in cases.query.annotations:
        return cases
    running = _running()
    return cases.annotate(
        sla_due=Subquery(running.values("due_at")[:1]),
        sla_calendar_id=Subquery(running.values("policy__calendar_id")[:1]),
        sla_warned=Exists(running.exclude(next_level=Level.WARN_HANDLER)),
    )


def at_risk(cases: QuerySet, *, now: dt.datetime) -> QuerySet:
    return with_sla(cases).filter(sla_warned=True, sla_due__gt=now)


def breached(cases: QuerySet, *, now: dt.datetime) -> QuerySet:
    """Breached now: a running timer of the case is past its deadline. A breach that escalated
    the case (its timers stopped, the next hop's run) no longer counts here: see
    :func:`breached_between`."""
    return with_sla(cases).filter(sla_due__lte=now)


def breaches_between(
    since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[SLAEvent]:
    """The SLA breaches recorded (and notified) from ``since`` until before ``until``: one
    ``SLAEvent`` per breached timer, whatever happened to the case afterwards."""
    events = SLAEvent.objects.filter(level=Level.BREACH)
    if since is not None:
        events = events.filter(fired_at__gte=since)
    if until is not None:
        events = events.filter(fired_at__lt=until)
    return events


def breached_between(
    cases: QuerySet, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet:
    """Breached in the period: the cases with at least one SLA breach recorded in it."""
    return cases.filter(Exists(breaches_between(since, until).filter(case=OuterRef("pk"))))


@dataclass(frozen=True)
class SLAState:
    state: str  # "on_track" | "at_risk" | "breached"
    due: dt.datetime
    left: dt.timedelta  # business time left; negative (wall clock) once breached


def state_of(
    due: dt.datetime, warned: bool, schedules: ScheduleCache, calendar: BusinessCalendar, now
) -> SLAState:
    if due <= now:
        return SLAState("breached", due, due - now)
    left = business_time_between(schedules.get(calendar), now, due)
    return SLAState("at_risk" if warned else "on_track", due, left)


def attach_sla_states(cases: Iterable, *, now: dt.datetime | None = None) -> None:
    """Set ``case.sla_state`` (an ``SLAState`` or ``None``) on cases annotated by
    :func:`with_sla`. Three queries whatever the number of cases (the calendars they use)."""
    now = now or timezone.now()
    cases = list(cases)
    ids = {c.sla_calendar_id for c in cases if c.sla_calendar_id is not None}
    calendars = (
        {
            cal.pk: cal
            for cal in BusinessCalendar.objects.filter(pk__in=ids).prefetch_related(
                "opening_hours", "days"
            )
        }
        if ids
        else {}
    )
    schedules = ScheduleCache(today=timezone.localdate(now))
    for case in cases:
        if case.sla_due is None:
            case.sla_state = None
            continue
        calendar = calendars[case.sla_calendar_id]
        case.sla_state = state_of(case.sla_due, case.sla_warned, schedules, calendar, now)


def timers_of(case) -> list[tuple[SLATimer, SLAState | None]]:
    """Every timer of a case with its state (running ones) for the case page."""
    now = timezone.now()
    schedules = ScheduleCache(today=timezone.localdate(now))
    rows = []
    timers = (
        SLATimer.objects.filter(case=case)
        .select_related("policy__calendar", "escalation")
        .prefetch_related("policy__calendar__opening_hours", "policy__calendar__days")
        .order_by("started_at", "pk")
    )
    for timer in timers:
        state = None
        if timer.stopped_at is None and timer.running_since is not None and timer.due_at:
            warned = timer.next_level != Level.WARN_HANDLER
            state = state_of(timer.due_at, warned, schedules, timer.policy.calendar, now)
        rows.append((timer, state))
    return rows
