"""The absence page in the admin: each person sees themselves, a lead their team, and marks
them absent in one save; bad input is shown on the row, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Tier
from tests.factories import TeamFactory

URL = reverse("admin:accounts_absence_changelist")


@pytest.fixture
def floor(operator, colleague, supervisor, outsider):
    TeamFactory(name="一次対応A", tier=Tier.L1, lead=supervisor, members=[operator, colleague])
    TeamFactory(name="一次対応B", tier=Tier.L1, members=[outsider])


def shown(client):
    response = client.get(URL)
    assert response.status_code == 200
    return {str(user) for user in response.context["cl"].result_list}


def row(user, *, absent=True, delegate=None, until=None):
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(user.pk),
        "form-0-delegate": str(delegate.pk) if delegate else "",
        "form-0-absent_until": "",
        "_save": "保存",
    }
    if absent:
        data["form-0-is_absent"] = "on"
    if until is not None:
        local = timezone.localtime(until)
        data["form-0-absent_until"] = local.strftime("%Y-%m-%dT%H:%M")  # datetime-local
    return data


def test_an_operator_sees_only_themself(client, floor, operator):
    client.force_login(operator)
    assert shown(client) == {str(operator)}


def test_a_lead_sees_their_team_but_not_others(client, floor, supervisor, operator, colleague):
    client.force_login(supervisor)
    assert shown(client) == {str(supervisor), str(operator), str(colleague)}


def test_a_lead_marks_a_member_absent_until_a_time(client, floor, supervisor, operator, colleague):
    client.force_login(supervisor)
    until = (timezone.now() + dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    response = client.post(URL, row(operator, delegate=colleague, until=until))
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.is_absent and operator.delegate == colleague
    assert operator.absent_until == until
    page = client.get(URL).content.decode()
    assert str(colleague) in page  # who stands in now


def test_a_past_until_time_is_shown_on_the_row(client, floor, supervisor, operator, colleague):
    client.force_login(supervisor)
    past = timezone.now() - dt.timedelta(hours=1)
    response = client.post(URL, row(operator, delegate=colleague, until=past))
    assert response.status_code == 200
    assert "未来の日時" in response.content.decode()
    operator.refresh_from_db()
    assert not operator.is_absent


def test_a_delegate_outside_ones_teams_is_not_a_choice(client, floor, operator, outsider):
    client.force_login(operator)
    response = client.post(URL, row(operator, delegate=outsider))
    assert response.status_code == 200
    operator.refresh_from_db()
    assert not operator.is_absent


def test_an_operator_cannot_save_a_colleagues_row(client, floor, operator, colleague):
    client.force_login(operator)
    client.post(URL, row(colleague, delegate=operator))
    colleague.refresh_from_db()
    assert not colleague.is_absent
