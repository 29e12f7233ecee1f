"""Every event that concerns a person puts exactly one notification in their bell, in the
transaction of the change (rolled back with it): an escalation to their team or to them, a
customer on hold for them (loudest), an answer to a case they own (louder while the customer is
still on hold), SLA warnings and breaches. An absent person's delegate receives it; the person
who acted never does. The recipients' live versions move only when the change commits."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from escalations import services
from escalations.models import EscalationRule
from escalations.services.sla_sweep import sla_sweep
from notifications import live
from notifications.models import InboxKind, Loudness, Notification, NotificationChannel
from tests.escalations.hold_setup import SATURDAY_EVENING, hold_policy
from tests.factories import HANDOFF, UserFactory, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)


def bell(kind: str | None = None) -> list[tuple[str, str, int]]:
    rows = Notification.objects.filter(channel=NotificationChannel.IN_APP)
    if kind is not None:
        rows = rows.filter(event_type=kind)
    return sorted(rows.values_list("recipient__username", "event_type", "loudness"))


@pytest.fixture
def l2_absentee(org, outsider):
    """An absent SV in the L2 team whose delegate is the outsider."""
    absent = UserFactory(username="sv_absent", role="supervisor", is_absent=True, delegate=outsider)
    org["l2"].members.add(absent)
    return absent


def escalate(case, actor, *, on_hold=False):
    return services.case_escalate(
        case=case, actor=actor, reason="superior_requested", handoff=HANDOFF, on_hold=on_hold
    )


def test_an_escalation_tells_the_present_team_members_at_once(case, operator, l2_absentee):
    escalate(case, operator)

    # the supervisor (present); the absent SV is a member but not told: the team's present
    # members cover the queue, the absentee's delegate is not pulled into another team's work
    assert bell() == [("supervisor", InboxKind.ESCALATED, Loudness.LOUD)]
    row = Notification.objects.get(channel=NotificationChannel.IN_APP)
    assert row.case_id == case.pk and row.read_at is None


def test_an_escalation_to_an_absent_person_goes_to_the_delegate(case, operator, supervisor, org):
    stand_in = UserFactory(username="stand_in", role="supervisor")
    org["l2"].members.add(stand_in)
    supervisor.is_absent, supervisor.delegate = True, stand_in
    supervisor.save()
    # a rule naming the (absent) supervisor: routed to the delegate, who is told
    for rule in EscalationRule.objects.filter(target_team=org["l2"]):
        rule.target_user = supervisor
        rule.save()  # not QuerySet.update: a save tells the routing kept per process
    hop = escalate(case, operator)

    assert hop.to_user == stand_in
    assert bell() == [("stand_in", InboxKind.ESCALATED, Loudness.LOUD)]
    row = Notification.objects.get(channel=NotificationChannel.IN_APP)
    assert row.intended_recipient_id is None  # routing already chose the delegate


def test_the_actor_is_never_told(org, supervisor):
    # the supervisor opens a case and escalates it to the SV team, of which they are a member:
    # their teammate is told, they are not
    teammate = UserFactory(username="sv_two", role="supervisor")
    org["l2"].members.add(teammate)
    own = services.case_start_work(case=make_case(owner=supervisor), actor=supervisor)
    hop = escalate(own, supervisor)

    assert hop.to_team == org["l2"]
    assert bell() == [("sv_two", InboxKind.ESCALATED, Loudness.LOUD)]


def test_a_customer_on_hold_is_the_loudest(case, operator, l2_absentee):
    hold_policy()
    with time_machine.travel(SATURDAY_EVENING, tick=False):
        escalate(case, operator, on_hold=True)

    # one notice per person: the hold replaces the plain escalation notice
    assert bell() == [("supervisor", InboxKind.ON_HOLD, Loudness.LOUDEST)]


def test_an_answer_goes_to_the_owner_louder_while_the_customer_holds(case, operator, supervisor):
    hold_policy()
    with time_machine.travel(SATURDAY_EVENING, tick=False):
        escalate(case, operator, on_hold=True)
        services.case_acknowledge(case=case, actor=supervisor)
        services.case_return_to_owner(case=case, actor=supervisor, answer="返金します")

    assert bell(InboxKind.RETURNED_ON_HOLD) == [
        ("operator", InboxKind.RETURNED_ON_HOLD, Loudness.LOUDEST)
    ]
    assert bell(InboxKind.RETURNED) == []


def test_an_answer_without_hold_is_loud(case, operator, supervisor):
    escalate(case, operator)
    services.case_return_to_owner(case=case, actor=supervisor, answer="返金します")

    assert bell(InboxKind.RETURNED) == [("operator", InboxKind.RETURNED, Loudness.LOUD)]


def test_an_answer_to_an_absent_owner_goes_to_the_delegate(case, operator, colleague, supervisor):
    escalate(case, operator)
    operator.is_absent, operator.delegate = True, colleague
    operator.save()
    services.case_return_to_owner(case=case, actor=supervisor, answer="返金します")

    assert bell(InboxKind.RETURNED) == [("colleague", InboxKind.RETURNED, Loudness.LOUD)]
    row = Notification.objects.get(event_type=InboxKind.RETURNED)
    assert row.intended_recipient_id == operator.pk


def test_sla_warning_and_breach_reach_the_bell(org, operator, colleague):
    """P2, first response in 30 min: the handler (the owner) is warned at 50 %, the lead at
    75 %, the managers and the lead at the breach."""
    org["l1"].lead = colleague
    org["l1"].save()
    make_sla_policy()
    with time_machine.travel(START, tick=False):
        make_case(owner=operator)
    with time_machine.travel(START + 16 * MIN, tick=False):
        sla_sweep()
    assert bell(InboxKind.SLA_WARNING) == [("operator", InboxKind.SLA_WARNING, Loudness.QUIET)]
    with time_machine.travel(START + 23 * MIN, tick=False):
        sla_sweep()
    assert bell(InboxKind.SLA_WARNING) == [
        ("colleague", InboxKind.SLA_WARNING, Loudness.QUIET),
        ("operator", InboxKind.SLA_WARNING, Loudness.QUIET),
    ]
    with time_machine.travel(START + 31 * MIN, tick=False):
        sla_sweep()
    assert ("colleague", InboxKind.SLA_BREACHED, Loudness.LOUD) in bell(InboxKind.SLA_BREACHED)


def test_rolled_back_with_the_change(case, operator):
    with pytest.raises(RuntimeError), transaction.atomic():
        escalate(case, operator)
        assert len(bell()) == 1
        raise RuntimeError("the change fails after the escalation")

    assert bell() == []


def test_the_version_moves_on_commit_only(
    case, operator, supervisor, django_capture_on_commit_callbacks
):
    before = live.version(supervisor.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalate(case, operator)
    assert live.version(supervisor.pk) == before  # not yet committed
    for callback in callbacks:
        callback()
    assert live.version(supervisor.pk) != before
