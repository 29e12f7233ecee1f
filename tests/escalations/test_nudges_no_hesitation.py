"""No hesitation (issue 20): a rule's "escalate within N minutes" from the start of work or of a
hold becomes a nudge row when the clock starts; the sweep sends it once when it is due, unless
an escalation, a resolution (or the hold's end) cleared it first."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Tier
from escalations import services
from escalations.models import (
    Case,
    CaseStatus,
    EscalationRule,
    HoldOutcome,
    Nudge,
    NudgeCleared,
    NudgeKind,
    Reason,
)
from escalations.services.nudges import nudge_rule, nudge_sweep, nudges_clear_on_escalation
from notifications.models import InboxKind, Notification
from tests.factories import HANDOFF, EscalationRuleFactory, change_rules, make_case

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def rules(org, l2_team, l3_team, supervisor):
    """L1 -> SV: escalate within 10 min of work (naming the supervisor); L2 -> technical team:
    within 3 min of a hold."""
    change_rules(
        EscalationRule.objects.filter(target_team=l2_team),
        escalate_within_work=10,
        target_user=supervisor,
        reason=Reason.BEYOND_AUTHORITY,
    )
    change_rules(EscalationRule.objects.filter(target_team=l3_team), escalate_within_hold=3)
    return org


def started(owner):
    with time_machine.travel(START, tick=False):
        return services.case_start_work(case=make_case(owner=owner), actor=owner)


def nudges_of(case):
    return list(Nudge.objects.filter(case=case).order_by("pk"))


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return nudge_sweep()


def bell(user):
    return list(
        Notification.objects.filter(recipient=user, event_type=InboxKind.NUDGE).order_by("pk")
    )


# --- which rule --------------------------------------------------------------------------------


def test_the_smallest_threshold_of_the_fitting_rules_wins(rules, l2_team, billing, operator):
    wider = EscalationRuleFactory(target_team=l2_team, escalate_within_work=5, reason="")
    EscalationRuleFactory(target_team=l2_team, escalate_within_work=1, category=None, priority=1)
    case = started(operator)  # priority is not 1: the 1-minute rule does not fit
    assert case.priority != 1
    assert nudge_rule(EscalationRule.objects.all(), case=case, kind=NudgeKind.WORK) == wider
    [nudge] = nudges_of(case)
    assert (nudge.kind, nudge.rule, nudge.minutes) == (NudgeKind.WORK, wider, 5)
    assert nudge.due_at == START + 5 * MIN


def test_no_rule_with_a_threshold_no_nudge(org, operator):
    case = started(operator)
    assert nudges_of(case) == []


# --- work threshold ------------------------------------------------------------------------------


def test_a_case_not_escalated_in_time_is_nudged_once(rules, operator, supervisor):
    case = started(operator)
    [nudge] = nudges_of(case)
    assert nudge.due_at == START + 10 * MIN and nudge.sent_at is None

    assert sweep_at(START + 9 * MIN).sent == 0  # not yet due
    assert bell(operator) == []

    assert sweep_at(START + 10 * MIN).sent == 1
    nudge.refresh_from_db()
    assert nudge.sent_at == START + 10 * MIN and nudge.sent_to == operator
    [note] = bell(operator)
    assert note.case_id == case.pk
    assert "高橋 SV" in note.payload["text"]  # names the rule's target person
    assert bell(supervisor) == []

    assert sweep_at(START + 30 * MIN).sent == 0  # run again: nothing changes
    assert len(bell(operator)) == 1


def test_an_escalation_before_the_threshold_sends_nothing(rules, operator):
    case = started(operator)
    with time_machine.travel(START + 9 * MIN, tick=False):
        services.case_escalate(
            case=case, actor=operator, reason=Reason.BEYOND_AUTHORITY, handoff=HANDOFF
        )
    assert sweep_at(START + 11 * MIN).sent == 0
    [nudge] = nudges_of(case)
    assert nudge.cleared_by == NudgeCleared.ESCALATED and nudge.sent_at is None
    assert nudge.followed_at is None
    assert bell(operator) == []


def test_a_resolution_before_the_threshold_sends_nothing(rules, operator):
    case = started(operator)
    with time_machine.travel(START + 2 * MIN, tick=False):
        services.case_resolve(case=case, actor=operator, resolution="説明して納得いただいた")
    assert sweep_at(START + 11 * MIN).sent == 0
    [nudge] = nudges_of(case)
    assert nudge.cleared_by == NudgeCleared.RESOLVED
    assert bell(operator) == []


def test_escalating_after_the_nudge_counts_as_followed(rules, operator):
    case = started(operator)
    sweep_at(START + 10 * MIN)
    with time_machine.travel(START + 12 * MIN, tick=False):
        services.case_escalate(
            case=case, actor=operator, reason=Reason.BEYOND_AUTHORITY, handoff=HANDOFF
        )
    [nudge] = nudges_of(case)
    assert nudge.followed_at == START + 12 * MIN
    assert nudge.cleared_by == NudgeCleared.ESCALATED


def test_starting_work_again_after_a_return_adds_no_second_nudge(rules, operator, supervisor):
    case = started(operator)
    with time_machine.travel(START + 1 * MIN, tick=False):
        services.case_escalate(
            case=case, actor=operator, reason=Reason.BEYOND_AUTHORITY, handoff=HANDOFF
        )
        services.case_return_to_owner(
            case=case, actor=supervisor, answer="返金可", reusable=False, not_reusable_reason="個別"
        )
        services.case_start_work(case=case, actor=operator)
    assert len(nudges_of(case)) == 1
    assert sweep_at(START + 30 * MIN).sent == 0


# --- hold threshold -------------------------------------------------------------------------------


def held_at_l2(owner, supervisor, *, on_hold=True):
    case = started(owner)
    with time_machine.travel(START + MIN, tick=False):
        services.case_escalate(
            case=case,
            actor=owner,
            reason=Reason.BEYOND_AUTHORITY,
            handoff=HANDOFF,
            on_hold=on_hold,
        )
        services.case_acknowledge(case=case, actor=supervisor)
    return Case.objects.get(pk=case.pk)


def test_a_held_call_not_escalated_further_in_time_is_nudged(rules, operator, supervisor):
    case = held_at_l2(operator, supervisor)
    [work, hold] = nudges_of(case)
    assert work.cleared_by == NudgeCleared.ESCALATED
    assert hold.kind == NudgeKind.HOLD and hold.escalation.number == 1
    assert hold.started_at == START + MIN and hold.due_at == START + 4 * MIN

    assert sweep_at(START + 3 * MIN).sent == 0
    assert sweep_at(START + 4 * MIN).sent == 1
    [note] = bell(supervisor)  # the handler (who acknowledged) is told
    assert "技術チーム" in note.payload["text"]
    assert sweep_at(START + 5 * MIN).sent == 0


def test_a_call_not_on_hold_gets_no_hold_nudge(rules, operator, supervisor):
    case = held_at_l2(operator, supervisor, on_hold=False)
    assert [n.kind for n in nudges_of(case)] == [NudgeKind.WORK]
    assert sweep_at(START + 30 * MIN).sent == 0


def test_the_hold_ending_before_the_threshold_sends_nothing(rules, operator, supervisor):
    case = held_at_l2(operator, supervisor)
    with time_machine.travel(START + 2 * MIN, tick=False):
        services.hold_end(case=case, actor=supervisor, outcome=HoldOutcome.CALLBACK)
    assert sweep_at(START + 10 * MIN).sent == 0
    assert nudges_of(case)[1].cleared_by == NudgeCleared.HOLD_ENDED


def test_escalating_further_before_the_threshold_sends_nothing(rules, operator, supervisor):
    case = held_at_l2(operator, supervisor)
    with time_machine.travel(START + 2 * MIN, tick=False):
        services.case_escalate(
            case=case, actor=supervisor, reason=Reason.TECHNICAL_FAULT, handoff=HANDOFF
        )
    assert sweep_at(START + 10 * MIN).sent == 0
    assert Case.objects.get(pk=case.pk).tier == Tier.L3
    assert nudges_of(case)[1].cleared_by == NudgeCleared.ESCALATED


def test_a_hold_started_later_starts_its_clock_then(rules, operator, supervisor):
    # the customer of an escalated case, not yet acknowledged, is put on hold later
    with time_machine.travel(START + 2 * MIN, tick=False):
        fresh = services.case_start_work(case=make_case(owner=operator), actor=operator)
        services.case_escalate(
            case=fresh, actor=operator, reason=Reason.BEYOND_AUTHORITY, handoff=HANDOFF
        )
    with time_machine.travel(START + 5 * MIN, tick=False):
        services.hold_start(case=Case.objects.get(pk=fresh.pk), actor=operator)
    [_work, hold] = nudges_of(fresh)
    assert hold.due_at == START + 8 * MIN
    assert sweep_at(START + 8 * MIN).sent == 1
    [note] = bell(supervisor)  # the handler: the rule's target person
    assert note.case_id == fresh.pk


# --- the sweep's cost ---------------------------------------------------------------------------


def due_work_nudges(count, *, owner, rule):
    """``count`` cases in progress, each with a due work nudge (bulk rows, no services)."""
    base = make_case(owner=owner)
    cases = Case.objects.bulk_create(
        Case(
            reference=f"N-{Case.objects.count() + i:06d}",
            subject=base.subject,
            customer=base.customer,
            category=base.category,
            impact=base.impact,
            urgency=base.urgency,
            priority=base.priority,
            status=CaseStatus.IN_PROGRESS,
            owner=owner,
            handler=owner,
        )
        for i in range(count)
    )
    Nudge.objects.bulk_create(
        Nudge(
            case=case,
            kind=NudgeKind.WORK,
            rule=rule,
            minutes=10,
            started_at=START,
            due_at=START + 10 * MIN,
        )
        for case in cases
    )


@pytest.mark.parametrize("count", [2, 40])
def test_the_sweeps_queries_do_not_grow_with_the_due_nudges(
    rules, operator, l2_team, count, django_assert_num_queries
):
    rule = EscalationRule.objects.get(target_team=l2_team)
    due_work_nudges(count, owner=operator, rule=rule)
    # SAVEPOINT, SELECT due FOR UPDATE SKIP LOCKED, SELECT cases, UPDATE sent (bulk),
    # INSERT notifications, RELEASE; then the empty batch: SAVEPOINT, SELECT, RELEASE.
    with time_machine.travel(START + 10 * MIN, tick=False), django_assert_num_queries(9):
        result = nudge_sweep()
    assert (result.batches, result.sent) == (1, count)
    assert Notification.objects.filter(event_type=InboxKind.NUDGE).count() == count
    assert sweep_at(START + 20 * MIN).sent == 0


def test_a_case_moved_on_without_the_services_is_cleared_not_nudged(rules, operator, l2_team):
    rule = EscalationRule.objects.get(target_team=l2_team)
    due_work_nudges(1, owner=operator, rule=rule)
    Case.objects.filter(reference__startswith="N-").update(status=CaseStatus.RESOLVED)
    result = sweep_at(START + 10 * MIN)
    assert (result.sent, result.cleared) == (0, 1)
    assert bell(operator) == []


def test_one_nudge_per_case_and_threshold_is_enforced_by_the_database(rules, operator):
    from django.db import IntegrityError, transaction

    case = started(operator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Nudge.objects.create(case=case, kind=NudgeKind.WORK, due_at=START)


def test_cases_cleared_together_or_alone_by_the_system_or_a_person(rules, operator):
    """The clearing UPDATE's text is kept per shape (number of cases, by the system or not):
    each shape clears its own cases, and only a person's escalation counts as followed."""
    cases = [started(operator) for _ in range(3)]
    assert sweep_at(START + 10 * MIN).sent == 3
    nudges_clear_on_escalation([cases[0].pk, cases[1].pk], automatic=True, now=START + 11 * MIN)
    nudges_clear_on_escalation([cases[2].pk], now=START + 12 * MIN)
    nudges_clear_on_escalation([cases[0].pk], now=START + 13 * MIN)  # cleared already
    cleared = [(n.cleared_by, n.cleared_at, n.followed_at) for c in cases for n in nudges_of(c)]
    assert cleared == [
        (NudgeCleared.ESCALATED, START + 11 * MIN, None),
        (NudgeCleared.ESCALATED, START + 11 * MIN, None),
        (NudgeCleared.ESCALATED, START + 12 * MIN, START + 12 * MIN),
    ]
