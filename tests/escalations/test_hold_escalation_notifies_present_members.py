"""Escalating with the customer on hold tells the target team's present members at once
(not the absent ones) and starts a hold acknowledgement timer counted in wall-clock time."""

import pytest
import time_machine

from escalations import services
from escalations.models import Escalation, SLATimer, TimerKind
from notifications.models import Notification
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, give_emails, hold_policy
from tests.factories import HANDOFF, UserFactory


@pytest.fixture
def team(org, supervisor, operator, outsider):
    present = UserFactory(username="sv_present", role="supervisor")
    absent = UserFactory(username="sv_absent", role="supervisor", is_absent=True)
    absent.delegate = outsider
    absent.save()
    org["l2"].members.add(present, absent)
    give_emails(supervisor, present, absent, operator, outsider)
    hold_policy()
    return {"present": present, "absent": absent}


def escalate(case, operator, *, on_hold):
    with time_machine.travel(SATURDAY_EVENING, tick=False):
        return services.case_escalate(
            case=case, actor=operator, reason="superior_requested", handoff=HANDOFF, on_hold=on_hold
        )


def test_the_present_members_are_notified_at_once(team, case, operator, supervisor):
    hop = escalate(case, operator, on_hold=True)

    assert hop.on_hold_since == SATURDAY_EVENING
    assert Escalation.objects.get(pk=hop.pk).is_on_hold
    notes = Notification.objects.filter(event_type="escalation.on_hold")
    assert sorted(notes.values_list("recipient__username", flat=True)) == [
        "supervisor",
        "sv_present",
    ]
    assert all(n.case_id == case.pk for n in notes)
    assert notes.first().payload["customer_wants"] == "返金してほしい"


def test_the_hold_target_counts_in_wall_clock_time(team, case, operator):
    hop = escalate(case, operator, on_hold=True)

    timer = SLATimer.objects.get(escalation=hop, kind=TimerKind.HOLD_ACKNOWLEDGE)
    # Saturday evening is outside the calendar's hours; the customer is on the line anyway.
    assert timer.due_at == SATURDAY_EVENING + 2 * MIN
    assert timer.next_fire_at == SATURDAY_EVENING + 1 * MIN  # the handler warning at 50 %
    normal = SLATimer.objects.get(escalation=hop, kind=TimerKind.ACKNOWLEDGE)
    assert normal.due_at > SATURDAY_EVENING + 24 * 60 * MIN  # business time: Monday


def test_an_escalation_not_on_hold_has_no_hold_timer_nor_hold_notice(team, case, operator):
    hop = escalate(case, operator, on_hold=False)

    assert hop.on_hold_since is None
    assert not SLATimer.objects.filter(kind=TimerKind.HOLD_ACKNOWLEDGE).exists()
    assert not Notification.objects.filter(event_type="escalation.on_hold").exists()


def test_acknowledging_stops_the_hold_timer_in_time(team, case, operator, supervisor):
    hop = escalate(case, operator, on_hold=True)
    with time_machine.travel(SATURDAY_EVENING + MIN, tick=False):
        services.case_acknowledge(case=case, actor=supervisor)

    timer = SLATimer.objects.get(escalation=hop, kind=TimerKind.HOLD_ACKNOWLEDGE)
    assert (timer.stopped_at, timer.met) == (SATURDAY_EVENING + MIN, True)
    assert Escalation.objects.get(pk=hop.pk).is_on_hold  # acknowledged, still on the line
