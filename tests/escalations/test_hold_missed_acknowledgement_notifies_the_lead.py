"""Nobody acknowledged the customer on hold in time: the sweep notifies the next person (the
team lead, or the delegate of an absent lead) once, records the breach once, pages no manager,
and leaves the case's normal escalation path (its acknowledgement target) running."""

import pytest
import time_machine

from escalations import services
from escalations.models import CaseStatus, Level, SLAEvent, SLATimer, TimerKind
from escalations.services.sla_sweep import sla_sweep
from notifications.models import Notification
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, SEC, give_emails, hold_policy
from tests.factories import HANDOFF, UserFactory


@pytest.fixture
def held(org, case, operator, supervisor, manager):
    """The supervisor leads the L2 team; a second supervisor is a plain member."""
    member = UserFactory(username="sv_member", role="supervisor")
    org["l2"].members.add(member)
    give_emails(operator, supervisor, manager, member)
    hold_policy()
    with time_machine.travel(SATURDAY_EVENING, tick=False):
        hop = services.case_escalate(
            case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
        )
    Notification.objects.all().delete()  # the at-once notice is another test's business
    return hop


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return sla_sweep()


def hold_emails(level):
    return sorted(
        Notification.objects.filter(
            payload__timer="hold_acknowledge", payload__level=level
        ).values_list("recipient__username", flat=True)
    )


def test_the_members_are_warned_then_the_lead_then_the_breach_goes_to_the_lead_once(held, case):
    sweep_at(SATURDAY_EVENING + 60 * SEC)
    assert hold_emails("warn_handler") == ["supervisor", "sv_member"]
    sweep_at(SATURDAY_EVENING + 90 * SEC)
    assert hold_emails("warn_lead") == ["supervisor"]

    first = sweep_at(SATURDAY_EVENING + 2 * MIN)
    second = sweep_at(SATURDAY_EVENING + 3 * MIN)

    assert (first.breaches, second.breaches, first.escalated) == (1, 0, 0)
    assert hold_emails("breach") == ["supervisor"]  # the lead; no manager for a hold
    event = SLAEvent.objects.get(timer__kind=TimerKind.HOLD_ACKNOWLEDGE, level=Level.BREACH)
    assert event.due_at == SATURDAY_EVENING + 2 * MIN
    case.refresh_from_db()
    assert (case.status, case.tier) == (CaseStatus.ESCALATED, 2)  # the normal path stays
    normal = SLATimer.objects.get(escalation=held, kind=TimerKind.ACKNOWLEDGE)
    assert normal.stopped_at is None and normal.next_fire_at is not None


def test_the_delegate_of_an_absent_lead_is_notified(held, supervisor, manager):
    supervisor.is_absent = True
    supervisor.delegate = manager
    supervisor.save()

    sweep_at(SATURDAY_EVENING + 5 * MIN)  # late sweep: the warnings are skipped

    breach = Notification.objects.get(payload__timer="hold_acknowledge")
    assert (breach.recipient, breach.intended_recipient) == (manager, supervisor)
    assert breach.payload["level"] == "breach"
    skipped = SLAEvent.objects.filter(timer__kind=TimerKind.HOLD_ACKNOWLEDGE)
    assert sorted(skipped.values_list("level", flat=True)) == [1, 2, 3]


def test_a_hold_acknowledged_in_time_never_breaches(held, case, supervisor):
    with time_machine.travel(SATURDAY_EVENING + 30 * SEC, tick=False):
        services.case_acknowledge(case=case, actor=supervisor)

    result = sweep_at(SATURDAY_EVENING + 5 * MIN)

    assert result.breaches == 0
    assert not SLAEvent.objects.filter(timer__kind=TimerKind.HOLD_ACKNOWLEDGE).exists()


def test_a_team_without_a_lead_leaves_the_breach_with_its_members(held, org):
    org["l2"].lead = None
    org["l2"].save()

    sweep_at(SATURDAY_EVENING + 5 * MIN)

    assert hold_emails("breach") == ["supervisor", "sv_member"]
