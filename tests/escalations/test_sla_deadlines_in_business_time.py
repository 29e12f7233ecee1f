"""SLA deadlines count business time: Mon-Fri 09:00-12:00 + 13:00-18:00, closed on Japanese
public holidays. P2 (what ``make_case`` opens) has 30 min for the first response and 8 h to
resolve; every hop has 15 min to be acknowledged."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from escalations import services
from escalations.models import (
    CaseStatus,
    Escalation,
    Level,
    SLAEvent,
    SLAPriorityTarget,
    SLATimer,
    TimerKind,
)
from escalations.priority import Priority
from escalations.services.sla_sweep import sla_sweep
from tests.factories import HANDOFF, CategoryFactory, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")


def jst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


def timer(case, kind, **filters) -> SLATimer:
    return SLATimer.objects.get(case=case, kind=kind, **filters)


def open_case(owner, moment, **kwargs):
    with time_machine.travel(moment, tick=False):
        return make_case(owner=owner, **kwargs)


def test_a_p2_case_opened_friday_1750_is_due_monday_0920(org, operator):
    make_sla_policy(always_open=False)

    case = open_case(operator, jst(2026, 6, 5, 17, 50))  # Friday

    assert case.priority == Priority.P2
    first = timer(case, TimerKind.FIRST_RESPONSE)
    assert first.due_at == jst(2026, 6, 8, 9, 20)  # 10 min on Friday + 20 min on Monday
    assert (first.next_level, first.next_fire_at) == (Level.WARN_HANDLER, jst(2026, 6, 8, 9, 5))
    resolution = timer(case, TimerKind.RESOLUTION)
    assert resolution.due_at == jst(2026, 6, 8, 17, 50)  # 8 h: 10 min on Friday + 7 h 50


def test_a_deadline_on_the_closing_moment_stays_on_friday(org, operator):
    make_sla_policy(always_open=False)

    case = open_case(operator, jst(2026, 6, 5, 17, 30))  # Friday, 30 min before closing

    assert timer(case, TimerKind.FIRST_RESPONSE).due_at == jst(2026, 6, 5, 18)


def test_the_acknowledgement_of_an_escalation_is_due_after_lunch(org, operator):
    make_sla_policy(always_open=False)
    case = open_case(operator, jst(2026, 6, 8, 10))
    with time_machine.travel(jst(2026, 6, 8, 11, 50), tick=False):
        services.case_start_work(case=case, actor=operator)
        hop = services.case_escalate(
            case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
        )

    ack = timer(case, TimerKind.ACKNOWLEDGE, escalation=hop)
    assert ack.due_at == jst(2026, 6, 8, 13, 5)  # 10 min before lunch, 5 min after
    assert ack.next_fire_at == jst(2026, 6, 8, 11, 57, 30)  # half of 15 min
    answer = timer(case, TimerKind.ANSWER, escalation=hop)
    assert answer.due_at == jst(2026, 6, 8, 13, 50)  # L2 answers within 1 h


def test_golden_week_holidays_do_not_count(org, operator):
    make_sla_policy(always_open=False)

    # Friday 1 May 2026; then Sat, Sun, and the holidays of 4, 5 and 6 May (6 May: 振替休日)
    case = open_case(operator, jst(2026, 5, 1, 17, 50))

    assert timer(case, TimerKind.FIRST_RESPONSE).due_at == jst(2026, 5, 7, 9, 20)


def test_the_policy_naming_the_category_wins_over_the_default(org, operator, billing):
    special = make_sla_policy(always_open=True, name="請求 24/7")
    special.is_default = False
    special.save()
    special.categories.add(billing)
    SLAPriorityTarget.objects.filter(policy=special, priority=Priority.P2).update(
        first_response=dt.timedelta(minutes=5)
    )
    default = make_sla_policy(always_open=False)
    friday = jst(2026, 6, 5, 17, 50)

    billed = open_case(operator, friday, category=billing)
    other = open_case(operator, friday, category=CategoryFactory(name="解約"))

    billed_first = timer(billed, TimerKind.FIRST_RESPONSE)
    assert billed_first.policy == special
    assert billed_first.due_at == friday + dt.timedelta(minutes=5)
    other_first = timer(other, TimerKind.FIRST_RESPONSE)
    assert other_first.policy == default
    assert other_first.due_at == jst(2026, 6, 8, 9, 20)


def test_without_a_policy_no_timer_runs_and_nothing_breaks(org, operator, supervisor):
    with time_machine.travel(jst(2026, 6, 8, 10), tick=False):
        case = make_case(owner=operator)
        services.case_start_work(case=case, actor=operator)
        services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
        services.case_acknowledge(case=case, actor=supervisor)
        services.case_return_to_owner(case=case, actor=supervisor, answer="返金は不可です")
        services.case_wait_for_customer(case=case, actor=operator)
        services.case_resume(case=case, actor=operator)
        services.case_resolve(case=case, actor=operator, resolution="説明して納得いただいた")
        services.case_reopen(case=case, actor=operator, reason="再度のお問い合わせ")
    with time_machine.travel(jst(2026, 6, 30, 10), tick=False):
        result = sla_sweep()

    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert Escalation.objects.filter(case=case).count() == 1
    assert not SLATimer.objects.exists() and not SLAEvent.objects.exists()
    assert result.as_dict() == {
        "batches": 0,
        "warnings": 0,
        "breaches": 0,
        "escalated": 0,
        "deferred": 0,
    }
