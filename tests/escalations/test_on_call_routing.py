"""Routing by the team's on-call rotation before the delegate chain: the rule's person → else
the on-call person → their delegate chain → nobody present: the team's queue, and the rule's
owner is told. Absence periods starting and ending move it, within the minute's sync."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.absence import absence_period_save, absence_sync
from accounts.models import AbsenceReason, OnCallMember, OnCallRotation
from accounts.oncall import rotations
from escalations import services
from escalations.models import Escalation, EscalationRule
from notifications.models import InboxKind, Notification
from tests.factories import HANDOFF

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = dt.date(2026, 12, 7)


def tokyo(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


@pytest.fixture
def rotation(org, chief, deputy, manager):
    rota = OnCallRotation.objects.create(
        team=org["l2"], name="SV当番", starts_on=MONDAY, handover_at=dt.time(9)
    )
    OnCallMember.objects.create(rotation=rota, user=chief, position=1)
    OnCallMember.objects.create(rotation=rota, user=deputy, position=2)
    rule = EscalationRule.objects.get(target_team=org["l2"])
    rule.review_owner = manager
    rule.save()
    return rota


def away(person, start, end, delegate=None):
    absence_period_save(
        actor=person,
        user=person,
        starts_at=start,
        ends_at=end,
        reason=AbsenceReason.MEETING,
        delegate=delegate,
        now=start,
    )


def escalate_at(moment, case, operator):
    with time_machine.travel(moment, tick=False):
        absence_sync()  # what the every-minute task has done by then
        hop = services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    case.refresh_from_db()
    return hop


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (tokyo(MONDAY, 10), "chief"),
        (tokyo(MONDAY + dt.timedelta(days=1), 2), "chief"),  # after midnight: Monday's shift
        (tokyo(MONDAY + dt.timedelta(days=1), 9), "deputy"),  # handover
        (tokyo(MONDAY + dt.timedelta(days=5), 15), "chief"),  # Saturday: Friday's person
        (tokyo(MONDAY + dt.timedelta(days=7), 8, 59), "chief"),  # Monday before the handover
        (tokyo(MONDAY + dt.timedelta(days=7), 9), "deputy"),
    ],
)
def test_the_team_on_call_person_receives_the_escalation(
    case, operator, rotation, moment, expected
):
    hop = escalate_at(moment, case, operator)

    assert hop.to_user.username == expected
    assert hop.routed_from is None
    assert case.handler == hop.to_user


def test_on_a_japanese_holiday_the_last_business_days_person_is_on_call(case, operator, rotation):
    rotation.starts_on = dt.date(2026, 12, 28)  # Mon; 2027-01-01 (Fri) is 元日
    rotation.save()
    hop = escalate_at(tokyo(dt.date(2027, 1, 1), 11), case, operator)  # Thu 12/31's turn
    assert hop.to_user.username == "deputy"  # turns: 28 chief, 29 deputy, 30 chief, 31 deputy


def test_a_person_named_by_the_rule_comes_before_the_rotation(
    case, operator, rotation, supervisor, org
):
    rule = EscalationRule.objects.get(target_team=org["l2"])
    rule.target_user = supervisor
    rule.save()
    hop = escalate_at(tokyo(MONDAY, 10), case, operator)
    assert hop.to_user == supervisor


@pytest.mark.parametrize(
    ("moment", "expected", "routed_from"),
    [
        (tokyo(MONDAY, 11, 59), "chief", None),  # before the meeting
        (tokyo(MONDAY, 12), "supervisor", "chief"),  # the meeting started: the delegate
        (tokyo(MONDAY, 13, 59), "supervisor", "chief"),
        (tokyo(MONDAY, 14), "chief", None),  # the meeting ended
    ],
)
def test_an_absence_period_starting_and_ending_moves_the_escalation(
    case, operator, rotation, chief, supervisor, moment, expected, routed_from
):
    away(chief, tokyo(MONDAY, 12), tokyo(MONDAY, 14), delegate=supervisor)

    hop = escalate_at(moment, case, operator)

    assert hop.to_user.username == expected
    assert (hop.routed_from.username if hop.routed_from else None) == routed_from


def test_when_everyone_is_absent_the_team_queue_gets_it_and_the_owner_is_told(
    case, operator, rotation, chief, deputy, manager, org
):
    away(chief, tokyo(MONDAY, 8), tokyo(MONDAY, 18), delegate=deputy)
    away(deputy, tokyo(MONDAY, 8), tokyo(MONDAY, 18))

    hop = escalate_at(tokyo(MONDAY, 10), case, operator)

    assert (hop.to_user, hop.routed_from, hop.to_team) == (None, chief, org["l2"])
    assert (case.handler, case.assigned_team) == (None, org["l2"])
    told = Notification.objects.get(event_type=InboxKind.NOBODY_PRESENT)
    assert told.recipient == manager and told.case_id == case.pk


def test_a_present_chain_tells_the_owner_nothing(case, operator, rotation, manager):
    escalate_at(tokyo(MONDAY, 10), case, operator)
    assert not Notification.objects.filter(event_type=InboxKind.NOBODY_PRESENT).exists()
    assert Escalation.objects.get().to_user is not None


def test_escalating_reads_no_rotation_from_the_database_once_warm(case, operator, rotation):
    with time_machine.travel(tokyo(MONDAY, 10), tick=False):
        rotations()  # the configuration cache, as after the first escalation of the process
        with CaptureQueriesContext(connection) as queries:
            hop = services.case_escalate(
                case=case, actor=operator, reason="complaint", handoff=HANDOFF
            )
    assert hop.to_user.username == "chief"
    assert not [q for q in queries if "oncall" in q["sql"]]
    assert len([q for q in queries if 'FROM "accounts_user"' in q["sql"]]) <= 1
