"""A sweep that runs late (the workers were down) finds both targets of a hop breached: the
acknowledgement breach escalates the case once, and the answer target of the hop it left
behind fires nothing more.

24/7 calendar; L2 hop: acknowledge within 15 min, answer within 1 h."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Tier
from escalations import services
from escalations.models import CaseStatus, Escalation, Level, SLAEvent, SLATimer, TimerKind
from escalations.services.sla_sweep import sla_sweep
from notifications.models import Notification
from tests.factories import HANDOFF, TeamFactory, UserFactory, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def vendor_team(org):
    """An L4 team, so that a second escalation would have somewhere to go."""
    vendor = UserFactory(username="vendor", display_name="外部ベンダー", role="specialist")
    return TeamFactory(name="ベンダー", tier=Tier.L4, is_tier_default=True, members=[vendor])


@pytest.fixture
def hop(case, operator, vendor_team):
    make_sla_policy()
    with time_machine.travel(START, tick=False):
        return services.case_escalate(
            case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
        )


def test_a_late_sweep_escalates_the_case_once(case, hop, org):
    with time_machine.travel(START + 2 * 60 * MIN, tick=False):  # both deadlines long past
        result = sla_sweep()
        again = sla_sweep()

    case.refresh_from_db()
    assert (case.status, case.tier, case.assigned_team) == (CaseStatus.ESCALATED, 3, org["l3"])
    assert list(Escalation.objects.filter(case=case).values_list("to_tier", flat=True)) == [2, 3]
    assert (result.escalated, again.escalated) == (1, 0)


def test_the_answer_target_of_the_hop_left_behind_fires_no_breach(case, hop):
    with time_machine.travel(START + 2 * 60 * MIN, tick=False):
        sla_sweep()
    later = START + 3 * 60 * MIN  # the new L3 hop's acknowledgement would be due by now
    with time_machine.travel(later, tick=False):
        sla_sweep()

    answer = SLATimer.objects.get(escalation=hop, kind=TimerKind.ANSWER)
    assert answer.stopped_at == START + 2 * 60 * MIN and answer.met is False
    assert answer.next_fire_at is None
    assert not SLAEvent.objects.filter(timer=answer, level=Level.BREACH).exists()
    breaches = SLAEvent.objects.filter(case=case, level=Level.BREACH)
    assert sorted(breaches.values_list("timer__escalation__number", flat=True)) == [1, 2]


def test_warnings_whose_deadline_had_passed_are_recorded_as_skipped_not_sent(case, hop, org):
    org["l2"].members.update(email="l2@example.jp")  # who the handler's warning would reach
    with time_machine.travel(START + 2 * 60 * MIN, tick=False):
        result = sla_sweep()

    ack = SLATimer.objects.get(escalation=hop, kind=TimerKind.ACKNOWLEDGE)
    levels = dict(SLAEvent.objects.filter(timer=ack).values_list("level", "action"))
    assert sorted(levels) == [Level.WARN_HANDLER, Level.WARN_LEAD, Level.BREACH]
    assert levels[Level.WARN_HANDLER] == levels[Level.WARN_LEAD] != ""
    assert result.warnings == 0 and result.breaches == 1  # one for the ack; the answer: stopped
    assert not Notification.objects.filter(event_type="sla.warning").exists()
