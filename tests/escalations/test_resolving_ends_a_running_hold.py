"""Resolving a case whose customer is still on hold ends the hold, answered on the line: the
hop records when and how long they waited, the hold's timer stops and the timeline says so
(once); without a hold, nothing of that."""

import time_machine

from escalations import services
from escalations.models import CaseNote, Escalation, HoldOutcome, NoteKind, SLATimer, TimerKind
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, hold_policy
from tests.factories import HANDOFF, make_case

START = SATURDAY_EVENING


def answered_case(operator, supervisor, *, on_hold: bool):
    with time_machine.travel(START, tick=False):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
        services.case_escalate(
            case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=on_hold
        )
    with time_machine.travel(START + MIN, tick=False):
        services.case_acknowledge(case=case, actor=supervisor, comment="受けます")
        services.case_return_to_owner(case=case, actor=supervisor, answer="返金します")
    case.refresh_from_db()
    return case


def test_resolving_ends_the_hold_answered_on_the_line(org, operator, supervisor):
    hold_policy()
    case = answered_case(operator, supervisor, on_hold=True)
    with time_machine.travel(START + 4 * MIN, tick=False):
        services.case_resolve(case=case, actor=operator, resolution="返金を案内", close=True)

    hop = Escalation.objects.get(case=case)
    assert hop.hold_outcome == HoldOutcome.ANSWERED
    assert hop.hold_duration == 4 * MIN
    assert not SLATimer.objects.filter(
        case=case, kind=TimerKind.HOLD_ACKNOWLEDGE, stopped_at__isnull=True
    ).exists()
    [ended] = CaseNote.objects.filter(case=case, kind=NoteKind.HOLD)
    assert ended.created_at == START + 4 * MIN and "4分" in ended.body


def test_resolving_without_a_hold_ends_none(org, operator, supervisor):
    hold_policy()
    case = answered_case(operator, supervisor, on_hold=False)
    services.case_resolve(case=case, actor=operator, resolution="返金を案内")
    hop = Escalation.objects.get(case=case)
    assert hop.hold_outcome == "" or hop.hold_outcome is None
    assert not CaseNote.objects.filter(case=case, kind=NoteKind.HOLD).exists()
