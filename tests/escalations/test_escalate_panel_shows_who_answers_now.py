"""The case page's escalate panel names who answers now for each reason: the team's on-call
person with their extension, or their delegate while they are absent."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.absence import absence_period_save
from accounts.models import AbsenceReason, OnCallMember, OnCallRotation
from tests.factories import UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = dt.date(2026, 12, 7)


@pytest.fixture
def rotation(org, supervisor):
    supervisor.extension = "201"
    supervisor.save()
    rota = OnCallRotation.objects.create(team=org["l2"], name="SV当番", starts_on=MONDAY)
    OnCallMember.objects.create(rotation=rota, user=supervisor, position=1)
    return rota


def routes_html(client, case, operator):
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, tzinfo=TOKYO), tick=False):
        client.force_login(operator)
        response = client.get(reverse("admin:escalations_case_change", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_names_the_on_call_person_with_the_extension(client, case, operator, rotation):
    html = routes_html(client, case, operator)
    assert 'class="route-on-call"' in html
    start = html.index('class="route-person"')
    assert "高橋 SV" in html[start : start + 300] and "201" in html[start : start + 300]


def test_the_panel_names_the_delegate_of_an_absent_on_call_person(
    client, case, operator, supervisor, rotation, org
):
    deputy = UserFactory(username="deputy", display_name="小林 代理", extension="202")
    org["l2"].members.add(deputy)
    absence_period_save(
        actor=supervisor,
        user=supervisor,
        starts_at=dt.datetime(2026, 12, 1, tzinfo=TOKYO),
        ends_at=None,
        reason=AbsenceReason.LEAVE,
        delegate=deputy,
    )
    html = routes_html(client, case, operator)
    start = html.index('class="route-person"')
    assert "小林 代理" in html[start : start + 300]
    assert 'class="route-on-call"' not in html
    assert 'class="route-delegate"' in html
