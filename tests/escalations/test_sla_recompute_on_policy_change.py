"""Changing a target or the calendar recomputes the deadlines of the open timers only, keeps
the warnings already fired, and costs a constant number of queries.

Calendar: Mon-Fri 09:00-12:00 + 13:00-18:00 (Japanese holidays closed). P2 case: first
response 30 min, resolution 8 h; L2 hop: acknowledge 15 min, answer 1 h."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations import services
from escalations.models import (
    CalendarDay,
    CalendarDayKind,
    Level,
    SLAEvent,
    SLAHopTarget,
    SLAPriorityTarget,
    SLATimer,
    TimerKind,
)
from escalations.priority import Priority
from escalations.services.sla_sweep import sla_sweep
from escalations.sla import timers
from tests.factories import HANDOFF, CustomerFactory, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
MONDAY = dt.datetime(2026, 6, 8, 10, tzinfo=JST)

RECOMPUTE_QUERIES = 7  # timers, events, opening hours, days, 2 x targets, one UPDATE


def jst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.fixture
def policy(db):
    return make_sla_policy(always_open=False)


def escalated_case(operator, moment=MONDAY):
    """Taken and escalated to L2 at ``moment``: resolution, acknowledge and answer run."""
    with time_machine.travel(moment, tick=False):
        case = make_case(owner=operator, customer=CustomerFactory())
        services.case_start_work(case=case, actor=operator)
        hop = services.case_escalate(
            case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
        )
    return case, hop


def taken_case(operator, moment=MONDAY):
    with time_machine.travel(moment, tick=False):
        case = make_case(owner=operator, customer=CustomerFactory())
        return services.case_start_work(case=case, actor=operator)


def get(case, kind) -> SLATimer:
    return SLATimer.objects.get(case=case, kind=kind, stopped_at__isnull=True)


def recompute_for_policy(policy, moment):
    with time_machine.travel(moment, tick=False):
        return timers.recompute_for_policy(policy.pk)


def test_a_longer_acknowledgement_target_moves_the_open_deadlines(
    org, operator, supervisor, policy
):
    waiting, _ = escalated_case(operator)
    acknowledged, hop = escalated_case(operator)
    with time_machine.travel(MONDAY + 5 * MIN, tick=False):
        services.case_acknowledge(case=acknowledged, actor=supervisor)
    stopped_before = SLATimer.objects.get(escalation=hop, kind=TimerKind.ACKNOWLEDGE)

    SLAHopTarget.objects.filter(policy=policy, to_tier=2).update(acknowledge=30 * MIN)
    recompute_for_policy(policy, MONDAY + 6 * MIN)

    ack = get(waiting, TimerKind.ACKNOWLEDGE)
    assert (ack.budget, ack.due_at) == (30 * MIN, MONDAY + 30 * MIN)
    assert (ack.next_level, ack.next_fire_at) == (Level.WARN_HANDLER, MONDAY + 15 * MIN)
    stopped_after = SLATimer.objects.get(pk=stopped_before.pk)
    assert (stopped_after.budget, stopped_after.due_at, stopped_after.met) == (
        15 * MIN,
        MONDAY + 15 * MIN,
        True,
    )


def test_a_shorter_resolution_target_moves_the_open_deadline_and_leaves_stopped_ones(
    org, operator, policy
):
    case, _ = escalated_case(operator)
    first_response = SLATimer.objects.get(case=case, kind=TimerKind.FIRST_RESPONSE)

    SLAPriorityTarget.objects.filter(policy=policy, priority=Priority.P2).update(resolution=4 * H)
    recompute_for_policy(policy, MONDAY + H)

    resolution = get(case, TimerKind.RESOLUTION)
    assert (resolution.budget, resolution.due_at) == (4 * H, jst(2026, 6, 8, 15))
    assert resolution.next_fire_at == jst(2026, 6, 8, 12)  # half of 4 h, at lunch
    assert SLATimer.objects.get(pk=first_response.pk).due_at == first_response.due_at
    assert SLATimer.objects.get(pk=first_response.pk).stopped_at == MONDAY


def test_levels_already_fired_do_not_fire_again(org, operator, policy):
    case = taken_case(operator)
    with time_machine.travel(jst(2026, 6, 8, 15), tick=False):  # 4 h used: the handler's 50 %
        sla_sweep()
    fired = SLAEvent.objects.get(timer__kind=TimerKind.RESOLUTION)
    assert fired.level == Level.WARN_HANDLER

    SLAPriorityTarget.objects.filter(policy=policy, priority=Priority.P2).update(resolution=16 * H)
    recompute_for_policy(policy, jst(2026, 6, 8, 15))

    resolution = get(case, TimerKind.RESOLUTION)
    # 4 h of 16 h used is only 25 %, but the handler was warned: the lead's 75 % comes next.
    assert (resolution.next_level, resolution.next_fire_at) == (
        Level.WARN_LEAD,
        jst(2026, 6, 9, 15),  # 12 h: Monday 10-12, 13-18 (7 h); Tuesday 9-12, 13-15 (5 h)
    )
    assert resolution.due_at == jst(2026, 6, 10, 10)  # 16 h: Tuesday 8 h, Wednesday 1 h

    SLAPriorityTarget.objects.filter(policy=policy, priority=Priority.P2).update(resolution=2 * H)
    recompute_for_policy(policy, jst(2026, 6, 8, 15))
    with time_machine.travel(jst(2026, 6, 8, 15), tick=False):
        result = sla_sweep()
        again = sla_sweep()

    levels = list(
        SLAEvent.objects.filter(timer__kind=TimerKind.RESOLUTION)
        .order_by("level")
        .values_list("level", flat=True)
    )
    assert levels == [Level.WARN_HANDLER, Level.WARN_LEAD, Level.BREACH]
    # the new 2 h deadline had already passed: the lead's warning is recorded as skipped and
    # only the breach is sent
    assert (result.warnings, result.breaches) == (0, 1)
    assert (again.warnings, again.breaches) == (0, 0)


def test_a_closure_added_to_the_calendar_moves_the_deadlines(org, operator, policy):
    friday = jst(2026, 6, 5, 17, 50)
    with time_machine.travel(friday, tick=False):
        case = make_case(owner=operator)
    assert get(case, TimerKind.FIRST_RESPONSE).due_at == jst(2026, 6, 8, 9, 20)

    CalendarDay.objects.create(
        calendar=policy.calendar, date=dt.date(2026, 6, 8), kind=CalendarDayKind.CLOSED
    )
    with time_machine.travel(friday + MIN, tick=False):
        assert timers.recompute_for_calendar(policy.calendar_id) == 2

    first_response = get(case, TimerKind.FIRST_RESPONSE)
    assert first_response.due_at == jst(2026, 6, 9, 9, 20)
    assert first_response.next_fire_at == jst(2026, 6, 9, 9, 5)
    assert get(case, TimerKind.RESOLUTION).due_at == jst(2026, 6, 9, 17, 50)


def test_a_paused_timer_resumes_with_the_new_target(org, operator, policy):
    case = taken_case(operator)
    with time_machine.travel(MONDAY + H, tick=False):
        services.case_wait_for_customer(case=case, actor=operator)

    SLAPriorityTarget.objects.filter(policy=policy, priority=Priority.P2).update(resolution=4 * H)
    recompute_for_policy(policy, MONDAY + 2 * H)
    with time_machine.travel(jst(2026, 6, 8, 14), tick=False):
        services.case_resume(case=case, actor=operator)

    resolution = get(case, TimerKind.RESOLUTION)
    # 1 h used, 3 h left from 14:00
    assert (resolution.budget, resolution.due_at) == (4 * H, jst(2026, 6, 8, 17))


def test_recomputing_costs_the_same_queries_for_3_and_30_open_timers(
    org, operator, policy, django_assert_num_queries
):
    escalated_case(operator)  # resolution, acknowledge, answer
    with time_machine.travel(MONDAY + 8 * MIN, tick=False):
        sla_sweep()  # events to prefetch: the handler was warned about the acknowledgement
    SLAHopTarget.objects.filter(policy=policy).update(acknowledge=20 * MIN)
    with django_assert_num_queries(RECOMPUTE_QUERIES):
        assert recompute_for_policy(policy, MONDAY + 9 * MIN) == 3

    for _ in range(9):
        escalated_case(operator)
    with django_assert_num_queries(RECOMPUTE_QUERIES):
        assert recompute_for_policy(policy, MONDAY + 9 * MIN) == 30
    assert (
        SLATimer.objects.filter(
            kind=TimerKind.ACKNOWLEDGE, budget=20 * MIN, due_at=MONDAY + 20 * MIN
        ).count()
        == 10
    )
