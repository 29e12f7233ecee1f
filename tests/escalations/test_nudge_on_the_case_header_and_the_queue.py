"""A nudge sent shows on the case header, naming the rule's target (or the delegate standing
in, with the extension) with a one-click escalate that opens the inline panel with the rule's
reason; the supervisor's queue lists the stalled calls, and its live poll counts them as new."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from escalations import services
from escalations.admin.queue import new_since
from escalations.models import Case, EscalationRule, Reason
from escalations.services.nudges import nudge_sweep
from tests.factories import HANDOFF, UserFactory, change_rules, make_case

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def nudged(org, l2_team, operator, supervisor):
    """An operator's case not escalated 10 minutes after work started, nudged."""
    supervisor.extension = "200"
    supervisor.save()
    change_rules(
        EscalationRule.objects.filter(target_team=l2_team),
        escalate_within_work=10,
        target_user=supervisor,
        reason=Reason.BEYOND_AUTHORITY,
    )
    with time_machine.travel(START, tick=False):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
        quiet = services.case_start_work(case=make_case(owner=operator), actor=operator)
    with time_machine.travel(START + 5 * MIN, tick=False):
        services.case_escalate(
            case=quiet, actor=operator, reason=Reason.BEYOND_AUTHORITY, handoff=HANDOFF
        )
    with time_machine.travel(START + 10 * MIN, tick=False):
        assert nudge_sweep().sent == 1
    return case


def header(client, user, case):
    client.force_login(user)
    with time_machine.travel(START + 11 * MIN, tick=False):
        response = client.get(reverse("admin:escalations_case_change", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_header_names_the_target_with_a_one_click_escalate(client, nudged, operator):
    html = header(client, operator, nudged)

    assert 'id="ch-nudge"' in html
    assert "10 分" in html or "10分" in html or "10 min" in html
    assert "高橋 SV" in html and "内線 200" in html
    assert 'id="ch-nudge-escalate"' in html
    assert 'data-transition="escalate" data-reason="beyond_authority"' in html
    assert html.index('id="ch-nudge"') < html.index('id="case-actions"')


def test_an_absent_target_is_named_with_the_delegate_standing_in(
    client, nudged, operator, supervisor
):
    deputy = UserFactory(username="deputy", display_name="中村 代理", extension="201")
    supervisor.is_absent, supervisor.delegate = True, deputy
    supervisor.save()

    html = header(client, operator, nudged)

    assert "中村 代理" in html and "内線 201" in html and "高橋 SV" in html


def test_the_nudge_leaves_the_header_once_escalated(client, nudged, operator):
    with time_machine.travel(START + 11 * MIN, tick=False):
        services.case_escalate(
            case=nudged, actor=operator, reason=Reason.BEYOND_AUTHORITY, handoff=HANDOFF
        )
    assert 'id="ch-nudge"' not in header(client, operator, nudged)


def test_the_supervisors_queue_lists_the_stalled_calls(
    client, nudged, l1_team, supervisor, manager, operator
):
    l1_team.members.add(supervisor)  # the operators' SV sees their team's cases
    for user in (supervisor, manager):
        client.force_login(user)
        response = client.get(reverse("admin:escalations_case_changelist") + "?view=stalled")
        assert response.status_code == 200
        assert [c.pk for c in response.context["cl"].result_list] == [nudged.pk]
        assert "?view=stalled" in response.content.decode()
    client.force_login(operator)  # operators have no stalled-calls view
    assert (
        "?view=stalled"
        not in client.get(reverse("admin:escalations_case_changelist")).content.decode()
    )


def test_the_live_poll_counts_a_call_nudged_since_the_page_was_drawn(nudged):
    stalled = Case.objects.filter(pk=nudged.pk)
    assert new_since(stalled, START + 9 * MIN).exists()
    assert not new_since(stalled, START + 10 * MIN).exists()
