"""Waiting for the customer stops the resolution clock; resuming credits the time waited.

Calendar: Mon-Fri 09:00-12:00 + 13:00-18:00. The case (P2: 8 h to resolve) is opened and taken
on Friday 5 June 2026 at 10:00, so it would be due on Monday at 10:00."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations import services
from escalations.models import Level, SLAEvent, SLATimer, TimerKind
from escalations.services.sla_sweep import sla_sweep
from escalations.sla.calendar import business_time_between
from escalations.sla.schedules import build_schedule
from tests.factories import make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
H = dt.timedelta(hours=1)


def jst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.fixture
def policy(db):
    return make_sla_policy(always_open=False)


@pytest.fixture
def taken(org, operator, policy):
    with time_machine.travel(jst(2026, 6, 5, 10), tick=False):
        case = make_case(owner=operator)
        return services.case_start_work(case=case, actor=operator)


def resolution(case) -> SLATimer:
    return SLATimer.objects.get(case=case, kind=TimerKind.RESOLUTION)


def test_waiting_for_the_customer_banks_the_time_used_and_stops_the_clock(taken, operator):
    assert resolution(taken).due_at == jst(2026, 6, 8, 10)

    with time_machine.travel(jst(2026, 6, 5, 14), tick=False):
        services.case_wait_for_customer(case=taken, actor=operator)

    paused = resolution(taken)
    assert paused.consumed == 3 * H  # 10-12 and 13-14
    assert paused.running_since is None and paused.next_fire_at is None
    assert paused.stopped_at is None and paused.met is None


def test_resuming_moves_the_deadline_by_exactly_the_business_time_waited(taken, operator, policy):
    before = resolution(taken).due_at
    with time_machine.travel(jst(2026, 6, 5, 14), tick=False):
        services.case_wait_for_customer(case=taken, actor=operator)
    with time_machine.travel(jst(2026, 6, 8, 11), tick=False):  # Monday
        services.case_resume(case=taken, actor=operator)

    resumed = resolution(taken)
    # 5 h left from Monday 11:00: 11-12 and 13-17
    assert resumed.due_at == jst(2026, 6, 8, 17)
    assert resumed.running_since == jst(2026, 6, 8, 11)
    schedule = build_schedule(policy.calendar, today=dt.date(2026, 6, 8))
    waited = business_time_between(schedule, jst(2026, 6, 5, 14), jst(2026, 6, 8, 11))
    assert waited == 6 * H  # Friday 14-18, Monday 9-11
    assert business_time_between(schedule, before, resumed.due_at) == waited
    # The handler's warning (50 % = 4 h, 3 h used) comes 1 h after resuming: at lunch.
    assert (resumed.next_level, resumed.next_fire_at) == (Level.WARN_HANDLER, jst(2026, 6, 8, 12))


def test_a_sweep_during_the_pause_fires_nothing_for_the_case(taken, operator):
    with time_machine.travel(jst(2026, 6, 5, 14), tick=False):
        services.case_wait_for_customer(case=taken, actor=operator)

    # Past every rung of the old ladder, and past the old deadline (Monday 10:00).
    with time_machine.travel(jst(2026, 6, 8, 11), tick=False):
        result = sla_sweep()

    assert (result.warnings, result.breaches) == (0, 0)
    assert not SLAEvent.objects.filter(case=taken).exists()
    assert taken.notifications.count() == 0


def test_after_resuming_the_ladder_fires_on_the_credited_schedule(taken, operator):
    with time_machine.travel(jst(2026, 6, 5, 14), tick=False):
        services.case_wait_for_customer(case=taken, actor=operator)
    with time_machine.travel(jst(2026, 6, 8, 11), tick=False):
        services.case_resume(case=taken, actor=operator)

    with time_machine.travel(jst(2026, 6, 8, 11, 59), tick=False):
        assert sla_sweep().warnings == 0
    with time_machine.travel(jst(2026, 6, 8, 13), tick=False):
        assert sla_sweep().warnings == 1

    event = SLAEvent.objects.get(case=taken)
    assert (event.level, event.due_at) == (Level.WARN_HANDLER, jst(2026, 6, 8, 17))


def test_resolving_while_waiting_meets_the_target_when_time_was_left(taken, operator):
    with time_machine.travel(jst(2026, 6, 5, 14), tick=False):
        services.case_wait_for_customer(case=taken, actor=operator)

    # Long after the deadline the case had before the pause, but only 3 h of 8 h were used.
    with time_machine.travel(jst(2026, 6, 10, 10), tick=False):
        services.case_resolve(case=taken, actor=operator, resolution="お客様から了承の連絡")

    stopped = resolution(taken)
    assert stopped.stopped_at == jst(2026, 6, 10, 10)
    assert stopped.met is True


def test_resolving_while_waiting_misses_the_target_when_it_was_already_used_up(taken, operator):
    # Waiting from Monday 11:00: 9 h of business time used, more than the 8 h target.
    with time_machine.travel(jst(2026, 6, 8, 11), tick=False):
        services.case_wait_for_customer(case=taken, actor=operator)
    with time_machine.travel(jst(2026, 6, 10, 10), tick=False):
        services.case_resolve(case=taken, actor=operator, resolution="お客様から了承の連絡")

    stopped = resolution(taken)
    assert stopped.consumed == 9 * H
    assert stopped.met is False
