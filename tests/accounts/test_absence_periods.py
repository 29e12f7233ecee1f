"""Absence periods: from–until with a reason and a delegate, future ones included, set by the
person, their lead or an administrator; one rule "is X absent at t"; the now-copy on the user
follows when a period starts and ends (the every-minute sync)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.absence import (
    absence_period_delete,
    absence_period_save,
    absence_set,
    absence_sync,
    absent_at,
    absent_between,
    recipient_at,
)
from accounts.models import AbsencePeriod, AbsenceReason, Tier
from tests.factories import TeamFactory, UserFactory

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def floor(operator, colleague, supervisor, outsider):
    TeamFactory(name="一次対応A", tier=Tier.L1, lead=supervisor, members=[operator, colleague])
    TeamFactory(name="一次対応B", tier=Tier.L1, members=[outsider])


def period(actor, user, start, end, delegate=None, reason=AbsenceReason.LEAVE):
    return absence_period_save(
        actor=actor,
        user=user,
        starts_at=start,
        ends_at=end,
        reason=reason,
        note="有給",
        delegate=delegate,
        now=T0,
    )


@pytest.mark.parametrize(
    ("at", "absent"),
    [
        (T0 - dt.timedelta(seconds=1), False),
        (T0, True),  # from is inclusive
        (T0 + HOUR, True),
        (T0 + 2 * HOUR - dt.timedelta(microseconds=1), True),
        (T0 + 2 * HOUR, False),  # until is exclusive
    ],
)
def test_one_rule_tells_whether_a_person_is_absent_at_a_moment(floor, operator, at, absent):
    period(operator, operator, T0, T0 + 2 * HOUR)

    found = absent_between([operator.pk], at, at)

    assert (absent_at(found.get(operator.pk, []), at) is not None) is absent


def test_an_open_period_lasts_until_someone_ends_it(floor, operator):
    period(operator, operator, T0, None)
    far = T0 + dt.timedelta(days=400)
    assert absent_at(absent_between([operator.pk], far, far)[operator.pk], far) is not None


def test_the_chain_at_a_moment_uses_the_periods_delegate(floor, operator, colleague, supervisor):
    period(operator, operator, T0, T0 + 4 * HOUR, delegate=colleague)
    period(supervisor, colleague, T0 + HOUR, T0 + 2 * HOUR, delegate=supervisor)
    people = {u.pk: u for u in (operator, colleague, supervisor)}
    found = absent_between(None, T0, T0 + 4 * HOUR)

    assert recipient_at(operator, T0 - HOUR, found, people) == operator
    assert recipient_at(operator, T0, found, people) == colleague
    assert recipient_at(operator, T0 + HOUR, found, people) == supervisor
    assert recipient_at(operator, T0 + 3 * HOUR, found, people) == colleague


def test_a_future_period_marks_the_person_absent_only_when_it_starts(floor, operator, colleague):
    future = period(operator, operator, T0 + HOUR, T0 + 3 * HOUR, delegate=colleague)
    operator.refresh_from_db()
    assert not operator.is_absent  # saved at T0: not yet

    with time_machine.travel(T0 + HOUR, tick=False):
        assert absence_sync() == 1
        assert absence_sync() == 0  # once
    operator.refresh_from_db()
    assert (operator.is_absent, operator.absent_until, operator.delegate) == (
        True,
        future.ends_at,
        colleague,
    )
    assert operator.effective_recipient() == colleague

    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        assert absence_sync() == 1
    operator.refresh_from_db()
    assert not operator.is_absent and operator.absent_until is None
    reasons = [row.history_change_reason for row in operator.history.all()[:2]]
    assert reasons == ["absence ended", "absence started"]


def test_the_sync_reads_three_times_when_nothing_changes(
    floor, operator, django_assert_num_queries
):
    period(operator, operator, T0 - HOUR, T0 + HOUR)
    with django_assert_num_queries(4):  # the periods, the people (locked) + savepoint pair
        assert absence_sync(now=T0) == 0


def test_a_running_period_saved_marks_the_person_absent_at_once(floor, supervisor, operator):
    period(supervisor, operator, T0 - HOUR, T0 + HOUR)
    operator.refresh_from_db()
    assert operator.is_absent and operator.absent_until == T0 + HOUR
    row = AbsencePeriod.objects.get(user=operator).history.first()
    assert (row.history_user, row.history_type) == (supervisor, "+")


def test_deleting_the_running_period_marks_the_person_present(floor, operator):
    running = period(operator, operator, T0 - HOUR, None)
    absence_period_delete(actor=operator, period=running, now=T0)
    operator.refresh_from_db()
    assert not operator.is_absent
    assert not AbsencePeriod.objects.exists()


def test_an_administrator_sets_anyones_period(floor, outsider):
    admin = UserFactory(username="admin", is_superuser=True)
    period(admin, outsider, T0, T0 + HOUR)
    assert AbsencePeriod.objects.filter(user=outsider).count() == 1


@pytest.mark.parametrize("who", ["operator", "supervisor"])
def test_no_one_sets_the_period_of_someone_outside_their_teams(floor, request, who, outsider):
    with pytest.raises(PermissionDenied):
        period(request.getfixturevalue(who), outsider, T0, T0 + HOUR)
    assert not AbsencePeriod.objects.exists()


def test_an_operator_may_not_set_a_colleagues_period(floor, operator, colleague):
    with pytest.raises(PermissionDenied):
        period(operator, colleague, T0, T0 + HOUR)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(T0, T0, "ends_at"), (T0, T0 - HOUR, "ends_at"), (None, T0, "starts_at")],
)
def test_a_period_must_end_after_it_starts(floor, operator, start, end, field):
    with pytest.raises(ValidationError) as refused:
        period(operator, operator, start, end)
    assert field in refused.value.message_dict
    assert not AbsencePeriod.objects.exists()


def test_a_person_is_not_their_own_delegate(floor, operator):
    with pytest.raises(ValidationError) as refused:
        period(operator, operator, T0, T0 + HOUR, delegate=operator)
    assert "delegate" in refused.value.message_dict


def test_the_quick_switch_writes_a_period_and_ends_it(floor, operator, colleague):
    now = timezone.now()
    absence_set(actor=operator, user=operator, absent=True, delegate=colleague)
    running = AbsencePeriod.objects.get(user=operator)
    assert running.ends_at is None and running.delegate == colleague
    with time_machine.travel(now + HOUR, tick=False):
        absence_set(actor=operator, user=operator, absent=False, delegate=colleague)
    running.refresh_from_db()
    assert running.ends_at is not None
    operator.refresh_from_db()
    assert not operator.is_absent and operator.delegate == colleague
