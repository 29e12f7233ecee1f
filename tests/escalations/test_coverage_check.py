"""The daily coverage check: a rule whose chain ends with nobody present at a business hour of
the coming week is recorded and its owner told, once per rule and day; the query count does
not grow with the number of rules."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.absence import absence_period_save
from accounts.models import AbsenceReason, OnCallMember, OnCallRotation
from escalations.models import CoverageGap, EscalationRule
from escalations.services.coverage import coverage_check
from notifications.models import InboxKind, Notification
from tests.factories import EscalationRuleFactory, UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = dt.date(2026, 12, 7)
TUESDAY = MONDAY + dt.timedelta(days=1)


def tokyo(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


@pytest.fixture
def sv_rule(org, manager):
    rule = EscalationRule.objects.get(target_team=org["l2"])
    rule.review_owner = manager
    rule.save()
    return rule


@pytest.fixture
def rotation(org, supervisor):
    """The SV team's rotation: the supervisor on Mondays, Wednesdays, ...; the deputy on
    Tuesdays, ..."""
    deputy = UserFactory(username="deputy", display_name="小林 代理", role="supervisor")
    org["l2"].members.add(deputy)
    rota = OnCallRotation.objects.create(team=org["l2"], name="SV当番", starts_on=MONDAY)
    OnCallMember.objects.create(rotation=rota, user=supervisor, position=1)
    OnCallMember.objects.create(rotation=rota, user=deputy, position=2)
    return deputy


def away(person, start, end, delegate=None):
    absence_period_save(
        actor=person,
        user=person,
        starts_at=start,
        ends_at=end,
        reason=AbsenceReason.TRAINING,
        delegate=delegate,
        now=start,
    )


def test_nobody_absent_is_no_gap(org, sv_rule, rotation):
    assert coverage_check(now=tokyo(MONDAY, 8)) == []
    assert not Notification.objects.exists()


def test_the_on_call_person_absent_without_delegate_is_a_gap_told_once_a_day(
    org, sv_rule, rotation, manager, supervisor
):
    away(rotation, tokyo(TUESDAY, 10), tokyo(TUESDAY, 12))

    [gap] = coverage_check(now=tokyo(MONDAY, 8))

    assert (gap.rule, gap.first_gap_at, gap.hours) == (sv_rule, tokyo(TUESDAY, 10), 2)
    told = Notification.objects.get(event_type=InboxKind.NOBODY_PRESENT)
    assert told.recipient == manager
    assert coverage_check(now=tokyo(MONDAY, 9)) == []  # the same day: nothing again
    assert Notification.objects.count() == 1
    assert len(coverage_check(now=tokyo(TUESDAY, 8))) == 1  # the next day: once more
    assert Notification.objects.count() == 2


def test_a_present_delegate_closes_the_gap(org, sv_rule, rotation, supervisor):
    away(rotation, tokyo(TUESDAY, 10), tokyo(TUESDAY, 12), delegate=supervisor)
    assert coverage_check(now=tokyo(MONDAY, 8)) == []


def test_a_gap_outside_business_hours_is_no_gap(org, sv_rule, rotation):
    away(rotation, tokyo(TUESDAY, 19), tokyo(TUESDAY, 23))  # after closing
    assert coverage_check(now=tokyo(MONDAY, 8)) == []


def test_a_rule_naming_nobody_without_a_rotation_needs_one_member_present(org, sv_rule, supervisor):
    away(supervisor, tokyo(TUESDAY, 9), tokyo(TUESDAY, 18))  # the only member of SV

    [gap] = coverage_check(now=tokyo(MONDAY, 8))

    assert (gap.rule, gap.hours) == (sv_rule, 9)


def test_the_query_count_does_not_grow_with_the_rules(org, sv_rule, rotation, manager):
    away(rotation, tokyo(TUESDAY, 10), tokyo(TUESDAY, 12))

    def queries(day):
        with CaptureQueriesContext(connection) as captured:
            coverage_check(now=tokyo(day, 8))
        return len(captured)

    queries(MONDAY - dt.timedelta(days=1))  # the configuration caches are warm from here
    few = queries(MONDAY)
    for _ in range(5):
        EscalationRuleFactory(target_team=org["l2"], review_owner=manager)
    many = queries(TUESDAY)  # the next day: every rule told again
    assert CoverageGap.objects.filter(checked_on=TUESDAY).count() == 6
    assert many == few


def test_beat_runs_the_check_daily_through_a_thin_task(settings, org, sv_rule, supervisor):
    from escalations.tasks import coverage_check as task

    assert settings.CELERY_BEAT_SCHEDULE["coverage-check"]["task"] == "escalations.coverage_check"
    away(supervisor, tokyo(TUESDAY, 9), tokyo(TUESDAY, 18))
    with time_machine.travel(tokyo(MONDAY, 7), tick=False):
        assert task.apply().get() == 1
        assert task.apply().get() == 0  # once per rule and day
