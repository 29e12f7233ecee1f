"""Ending a hold is one action: it records when and how the hold ended, how long the customer
waited (on the hop, its history and the case's timeline) and stops the hold timer."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from escalations import services
from escalations.models import CaseNote, Escalation, HoldOutcome, NoteKind, SLATimer, TimerKind
from escalations.services import hold_end
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, SEC, hold_policy
from tests.factories import HANDOFF


@pytest.fixture
def held(org, case, operator):
    hold_policy()
    with time_machine.travel(SATURDAY_EVENING, tick=False):
        return services.case_escalate(
            case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
        )


def test_answered_on_the_line(held, case, supervisor):
    with time_machine.travel(SATURDAY_EVENING + MIN, tick=False):
        services.case_acknowledge(case=case, actor=supervisor)
    with (
        time_machine.travel(SATURDAY_EVENING + 3 * MIN + 20 * SEC, tick=False),
        translation.override("en"),
    ):
        hop = hold_end(case=case, actor=supervisor, outcome=HoldOutcome.ANSWERED, note="説明済み")

    hop = Escalation.objects.get(pk=held.pk)
    assert hop.hold_ended_at == SATURDAY_EVENING + 3 * MIN + 20 * SEC
    assert (hop.hold_outcome, hop.hold_duration) == (HoldOutcome.ANSWERED, 3 * MIN + 20 * SEC)
    assert not hop.is_on_hold
    latest = hop.history.first()
    assert (latest.history_user, latest.history_change_reason) == (supervisor, "hold_end: answered")
    note = CaseNote.objects.get(case=case, kind=NoteKind.HOLD)
    assert "3 min 20 s" in note.body and "説明済み" in note.body
    assert note.author == supervisor


def test_turned_into_a_callback_before_anyone_acknowledged(held, case, operator):
    with time_machine.travel(SATURDAY_EVENING + 90 * SEC, tick=False):
        hold_end(case=case, actor=operator, outcome=HoldOutcome.CALLBACK)

    hop = Escalation.objects.get(pk=held.pk)
    assert (hop.hold_outcome, hop.hold_duration) == (HoldOutcome.CALLBACK, 90 * SEC)
    timer = SLATimer.objects.get(escalation=hop, kind=TimerKind.HOLD_ACKNOWLEDGE)
    assert (timer.stopped_at, timer.met) == (SATURDAY_EVENING + 90 * SEC, True)
    assert hop.acknowledged_at is None  # the escalation itself is still to be acknowledged


def test_a_hold_ends_once(held, case, operator):
    hold_end(case=case, actor=operator, outcome=HoldOutcome.ANSWERED)

    with pytest.raises(ValidationError):
        hold_end(case=case, actor=operator, outcome=HoldOutcome.ANSWERED)
    assert Escalation.objects.get(pk=held.pk).history.count() == 2  # created, ended


def test_bad_outcome_and_outsider_are_refused(held, case, outsider):
    with pytest.raises(ValidationError):
        hold_end(case=case, actor=outsider, outcome="hung_up")
    with pytest.raises(PermissionDenied):
        hold_end(case=case, actor=outsider, outcome=HoldOutcome.ANSWERED)
    assert Escalation.objects.get(pk=held.pk).is_on_hold
