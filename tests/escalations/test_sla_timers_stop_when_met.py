"""The case services stop the timers whose target was reached, and start the next ones.

24/7 calendar. P2: first response 30 min, resolution 8 h. Every hop: acknowledge within
15 min; answer within 1 h (L2) or 4 h (L3)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations import services
from escalations.models import Level, SLATimer, TimerKind, TimerOutcome
from tests.factories import HANDOFF, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)


def at(minutes: int) -> dt.datetime:
    return START + minutes * MIN


@pytest.fixture
def opened(org, operator):
    make_sla_policy()
    with time_machine.travel(START, tick=False):
        return make_case(owner=operator)


def act(minutes: int, service, **kwargs):
    with time_machine.travel(at(minutes), tick=False):
        return service(**kwargs)


@pytest.fixture
def escalated(opened, operator):
    """Taken at +5 min, escalated to L2 at +10 min; returns the hop."""
    act(5, services.case_start_work, case=opened, actor=operator)
    return act(
        10,
        services.case_escalate,
        case=opened,
        actor=operator,
        reason="knowledge_gap",
        handoff=HANDOFF,
    )


def get(case, kind, escalation=None) -> SLATimer:
    return SLATimer.objects.get(case=case, kind=kind, escalation=escalation)


OUTCOMES = {True: TimerOutcome.MET, False: TimerOutcome.MISSED, None: TimerOutcome.SUPERSEDED}


def assert_stopped(timer: SLATimer, *, at_: dt.datetime, met: bool | None) -> None:
    """``met``: True met, False missed, None superseded (handed on before the deadline)."""
    assert (timer.stopped_at, timer.met, timer.outcome) == (at_, met, OUTCOMES[met])
    assert timer.next_fire_at is None and timer.running_since is None


def assert_running(timer: SLATimer) -> None:
    assert timer.stopped_at is None and timer.met is None and timer.outcome == ""
    assert timer.running_since is not None and timer.next_fire_at is not None


def test_starting_work_in_time_meets_the_first_response(opened, operator):
    act(29, services.case_start_work, case=opened, actor=operator)

    assert_stopped(get(opened, TimerKind.FIRST_RESPONSE), at_=at(29), met=True)
    assert_running(get(opened, TimerKind.RESOLUTION))


def test_starting_work_late_misses_the_first_response(opened, operator):
    act(31, services.case_start_work, case=opened, actor=operator)

    assert_stopped(get(opened, TimerKind.FIRST_RESPONSE), at_=at(31), met=False)
    assert_running(get(opened, TimerKind.RESOLUTION))


def test_acknowledging_stops_the_acknowledgement_timer_of_the_hop(opened, escalated, supervisor):
    act(20, services.case_acknowledge, case=opened, actor=supervisor)

    assert_stopped(get(opened, TimerKind.ACKNOWLEDGE, escalated), at_=at(20), met=True)
    answer = get(opened, TimerKind.ANSWER, escalated)
    assert_running(answer)
    assert answer.due_at == at(70)


def test_a_late_acknowledgement_is_recorded_as_missed(opened, escalated, supervisor):
    act(26, services.case_acknowledge, case=opened, actor=supervisor)

    assert_stopped(get(opened, TimerKind.ACKNOWLEDGE, escalated), at_=at(26), met=False)


def test_returning_the_answer_stops_both_timers_of_the_hop(opened, escalated, supervisor):
    act(30, services.case_return_to_owner, case=opened, actor=supervisor, answer="返金は不可")

    # Never acknowledged within 15 min; answered within the hour.
    assert_stopped(get(opened, TimerKind.ACKNOWLEDGE, escalated), at_=at(30), met=False)
    assert_stopped(get(opened, TimerKind.ANSWER, escalated), at_=at(30), met=True)
    assert_running(get(opened, TimerKind.RESOLUTION))


def test_escalating_further_stops_the_previous_hop_and_starts_the_next(
    opened, escalated, supervisor
):
    act(12, services.case_acknowledge, case=opened, actor=supervisor)
    second = act(
        40,
        services.case_escalate,
        case=opened,
        actor=supervisor,
        reason="technical_fault",
        handoff=HANDOFF,
    )

    assert_stopped(get(opened, TimerKind.ACKNOWLEDGE, escalated), at_=at(12), met=True)
    # handed on to L3 with 30 min of the hour left: not answered, so not met; not missed either
    assert_stopped(get(opened, TimerKind.ANSWER, escalated), at_=at(40), met=None)
    assert second.to_tier == 3
    ack = get(opened, TimerKind.ACKNOWLEDGE, second)
    answer = get(opened, TimerKind.ANSWER, second)
    for timer in (ack, answer):
        assert_running(timer)
        assert (timer.started_at, timer.next_level) == (at(40), Level.WARN_HANDLER)
    assert (ack.budget, ack.due_at) == (15 * MIN, at(55))
    assert (answer.budget, answer.due_at) == (240 * MIN, at(280))


def test_resolving_stops_every_timer_of_the_case(opened, escalated, supervisor, operator):
    act(30, services.case_return_to_owner, case=opened, actor=supervisor, answer="返金は不可")
    act(60, services.case_resolve, case=opened, actor=operator, resolution="説明して了承")

    assert not SLATimer.objects.filter(case=opened, stopped_at__isnull=True).exists()
    assert not SLATimer.objects.filter(case=opened, next_fire_at__isnull=False).exists()
    assert_stopped(get(opened, TimerKind.RESOLUTION), at_=at(60), met=True)


def test_reopening_starts_a_new_resolution_timer(opened, operator):
    act(5, services.case_start_work, case=opened, actor=operator)
    act(60, services.case_resolve, case=opened, actor=operator, resolution="説明して了承")
    act(600, services.case_reopen, case=opened, actor=operator, reason="再度のお問い合わせ")

    resolutions = SLATimer.objects.filter(case=opened, kind=TimerKind.RESOLUTION)
    assert resolutions.count() == 2
    new = resolutions.get(stopped_at__isnull=True)
    assert_running(new)
    assert (new.started_at, new.due_at) == (at(600), at(600 + 480))
    assert SLATimer.objects.filter(case=opened, kind=TimerKind.FIRST_RESPONSE).count() == 1
