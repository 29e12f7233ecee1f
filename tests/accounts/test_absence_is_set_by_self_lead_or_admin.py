"""Who may mark whom absent (themselves, their team's lead or supervisor, an administrator),
with which delegate and until when; nothing is written on refusal."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.absence import absence_managed_by, absence_set
from accounts.models import Tier
from tests.factories import TeamFactory, UserFactory


@pytest.fixture
def floor(operator, colleague, supervisor, outsider):
    """The operator's team, led by the supervisor; the outsider is in another team."""
    TeamFactory(name="一次対応A", tier=Tier.L1, lead=supervisor, members=[operator, colleague])
    TeamFactory(name="一次対応B", tier=Tier.L1, members=[outsider])


def later(hours=2):
    return timezone.now() + dt.timedelta(hours=hours)


def test_a_person_marks_themself_absent_with_a_teammate_as_delegate(floor, operator, colleague):
    until = later()
    absence_set(actor=operator, user=operator, absent=True, delegate=colleague, until=until)
    operator.refresh_from_db()
    assert operator.is_absent and operator.delegate == colleague
    assert operator.absent_until == until
    assert operator.effective_recipient() == colleague
    row = operator.history.first()
    assert row.history_user == operator and row.history_change_reason == "absence"


def test_the_lead_marks_a_member_absent_and_present_again(floor, supervisor, operator, colleague):
    absence_set(actor=supervisor, user=operator, absent=True, delegate=colleague)
    operator.refresh_from_db()
    assert operator.is_absent and operator.absent_until is None
    absence_set(actor=supervisor, user=operator, absent=False, delegate=colleague)
    operator.refresh_from_db()
    assert not operator.is_absent


def test_an_operator_may_not_mark_a_colleague_absent(floor, operator, colleague):
    with pytest.raises(PermissionDenied):
        absence_set(actor=operator, user=colleague, absent=True, delegate=operator)
    colleague.refresh_from_db()
    assert not colleague.is_absent


def test_a_lead_may_not_mark_someone_of_another_team_absent(floor, supervisor, outsider):
    with pytest.raises(PermissionDenied):
        absence_set(actor=supervisor, user=outsider, absent=True, delegate=None)
    assert supervisor not in absence_managed_by(outsider)


def test_an_administrator_marks_anyone(floor, outsider, colleague):
    admin = UserFactory(username="admin", is_superuser=True)
    absence_set(actor=admin, user=outsider, absent=True, delegate=colleague)
    outsider.refresh_from_db()
    assert outsider.is_absent


def test_the_delegate_must_come_from_the_actors_own_teams(floor, operator, outsider):
    with pytest.raises(ValidationError) as error:
        absence_set(actor=operator, user=operator, absent=True, delegate=outsider)
    assert "delegate" in error.value.message_dict
    operator.refresh_from_db()
    assert not operator.is_absent


@pytest.mark.parametrize(
    ("absent", "delegate", "until", "field"),
    [
        (True, "self", None, "delegate"),
        (True, None, -1, "absent_until"),
        (False, None, 2, "absent_until"),
    ],
)
def test_bad_input_is_refused_per_field(floor, operator, absent, delegate, until, field):
    with pytest.raises(ValidationError) as error:
        absence_set(
            actor=operator,
            user=operator,
            absent=absent,
            delegate=operator if delegate == "self" else None,
            until=None if until is None else later(until),
        )
    assert field in error.value.message_dict


def test_an_inactive_delegate_is_refused(floor, operator, colleague):
    colleague.is_active = False
    colleague.save()
    with pytest.raises(ValidationError):
        absence_set(actor=operator, user=operator, absent=True, delegate=colleague)


def test_setting_the_same_absence_again_writes_nothing(floor, operator, colleague):
    absence_set(actor=operator, user=operator, absent=True, delegate=colleague)
    rows = operator.history.count()
    absence_set(actor=operator, user=operator, absent=True, delegate=colleague)
    assert operator.history.count() == rows
