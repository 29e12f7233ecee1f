"""The flow page shows who answers now (the team's on-call person, their delegate while they
are absent, with the extension) and, with ``?at=``, at another moment; a bad ``?at=`` is a
clear 400; the coverage check's gaps are listed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.absence import absence_period_save
from accounts.models import AbsenceReason, OnCallMember, OnCallRotation
from escalations.models import EscalationRule
from escalations.services.coverage import coverage_check
from tests.factories import UserFactory

URL = reverse("admin:escalations_flow")
TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = dt.date(2026, 12, 7)


def tokyo(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


@pytest.fixture
def on_call(org, supervisor, manager):
    supervisor.extension = "201"
    supervisor.save()
    deputy = UserFactory(username="deputy", display_name="小林 代理", extension="202")
    org["l2"].members.add(deputy)
    rota = OnCallRotation.objects.create(team=org["l2"], name="SV当番", starts_on=MONDAY)
    OnCallMember.objects.create(rotation=rota, user=supervisor, position=1)
    OnCallMember.objects.create(rotation=rota, user=deputy, position=2)
    rule = EscalationRule.objects.get(target_team=org["l2"])
    rule.review_owner = manager
    rule.save()
    return deputy


def answer_row(response, team):
    html = response.content.decode()
    start = html.index(f'class="flow-answer" data-team="{team.pk}"')
    return html[start : html.index("</tr>", start)]


def test_the_page_shows_the_on_call_person_now_with_the_extension(client, org, manager, on_call):
    with time_machine.travel(tokyo(MONDAY, 10), tick=False):
        client.force_login(manager)
        response = client.get(URL)
    assert response.status_code == 200
    assert response.context["page"].answers.is_now
    row = answer_row(response, org["l2"])
    assert "高橋 SV" in row and "201" in row


def test_at_another_moment_the_page_shows_the_delegate_of_the_absent_on_call_person(
    client, org, manager, supervisor, on_call
):
    absence_period_save(
        actor=on_call,
        user=on_call,
        starts_at=tokyo(MONDAY + dt.timedelta(days=1), 9),
        ends_at=tokyo(MONDAY + dt.timedelta(days=1), 18),
        reason=AbsenceReason.LEAVE,
        delegate=supervisor,
    )
    with time_machine.travel(tokyo(MONDAY, 10), tick=False):
        client.force_login(manager)
        response = client.get(URL, {"at": "2026-12-08T10:00"})
    assert response.status_code == 200
    answers = response.context["page"].answers
    assert not answers.is_now and answers.at == tokyo(MONDAY + dt.timedelta(days=1), 10)
    [(_team, answer)] = [(t, a) for t, a in answers.teams if t == org["l2"]]
    assert (answer.named, answer.person) == (on_call, supervisor)
    assert "2026-12-08 10:00" in response.content.decode()


@pytest.mark.parametrize("bad", ["tomorrow", "2026-13-01T10:00", "2026-12-08T25:00", "0000-01-01"])
def test_a_bad_moment_is_a_clear_400(client, org, manager, bad):
    client.force_login(manager)
    response = client.get(URL, {"at": bad})
    assert response.status_code == 400
    assert "2026-12-08T10:00" in response.content.decode()  # says how to write it


def test_the_pdf_refuses_a_bad_moment_too(client, org, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:escalations_flow_pdf"), {"at": "x"}).status_code == 400


def test_the_coverage_checks_gaps_are_listed(client, org, manager, on_call):
    absence_period_save(
        actor=on_call,
        user=on_call,
        starts_at=tokyo(MONDAY + dt.timedelta(days=1), 9),
        ends_at=tokyo(MONDAY + dt.timedelta(days=1), 11),
        reason=AbsenceReason.TRAINING,
    )
    with time_machine.travel(tokyo(MONDAY, 8), tick=False):
        coverage_check()
        client.force_login(manager)
        response = client.get(URL)
    kinds = [gap.kind for gap in response.context["page"].gaps]
    assert "nobody_in_week" in kinds
