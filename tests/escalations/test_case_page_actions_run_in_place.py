"""The case page's actions (issue 17): one that needs no input is a POST button with CSRF that
runs the same service and comes back to the case (with the conflict message on a stale page);
one that needs input opens a panel with its form pre-filled: escalating further with the
previous handoff, resolving with the returned answer; resolving can close in the same step;
acknowledge and answer pages show the handoff."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import User
from escalations import services
from escalations.models import Case, CaseStatus, EscalationRule
from tests.factories import HANDOFF, make_case


def change_url(case):
    return reverse("admin:escalations_case_change", args=[case.pk])


def header_form(html: str, name: str) -> str:
    match = re.search(
        rf'<(?:form|details)[^>]*data-transition="{name}".*?</(?:form|details)>', html, re.S
    )
    assert match is not None, name
    return match.group(0)


def test_start_work_is_one_post_with_csrf_back_to_the_case(org, operator):
    case = make_case(owner=operator)
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    form = header_form(client.get(change_url(case)).content.decode(), "start_work")
    action = re.search(r'action="([^"]+)"', form).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    status = re.search(r'name="expected_status" value="([^"]+)"', form).group(1)

    assert client.post(action, {"expected_status": status}).status_code == 403  # no token
    response = client.post(action, {"expected_status": status, "csrfmiddlewaretoken": token})

    assert response.status_code == 302 and response["Location"] == change_url(case)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS


def test_a_stale_button_ends_with_the_conflict_message(client, org, operator, colleague):
    case = make_case(owner=operator)
    client.force_login(operator)
    client.get(change_url(case))  # the page shows "new"
    services.case_start_work(case=case, actor=colleague)
    services.case_wait_for_customer(case=case, actor=colleague)
    services.case_resume(case=case, actor=colleague)  # in progress again, by someone else

    response = client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, "start_work"]),
        {"expected_status": CaseStatus.NEW},
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert response.status_code == 302 and response["Location"] == change_url(case)
    assert any("他の人によって変更" in str(m) for m in get_messages(response.wsgi_request))


def test_resolve_is_prefilled_with_the_answer_and_can_close_at_once(
    client, case, operator, supervisor
):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    services.case_return_to_owner(case=case, actor=supervisor, answer="翌月請求で調整")
    client.force_login(operator)
    panel = header_form(client.get(change_url(case)).content.decode(), "resolve")
    assert "翌月請求で調整</textarea>" in panel
    assert 'name="close"' in panel

    response = client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, "resolve"]),
        {"expected_status": CaseStatus.RETURNED, "resolution": "翌月請求で調整", "close": "on"},
    )

    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.CLOSED
    reasons = [h.history_change_reason for h in case.history.order_by("history_date", "history_id")]
    assert reasons[-2:] == ["resolve: 翌月請求で調整", "close"]


def test_escalating_further_starts_from_the_previous_handoff(client, case, operator, supervisor):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    client.force_login(supervisor)

    panel = header_form(client.get(change_url(case)).content.decode(), "escalate_further")
    page = client.get(
        reverse("admin:escalations_case_transition", args=[case.pk, "escalate_further"])
    ).content.decode()

    for html in (panel, page):
        assert f"{HANDOFF.customer_wants}</textarea>" in html
        assert f"{HANDOFF.tried}</textarea>" in html
        assert re.search(r'<option value="angry" selected>', html)


@pytest.mark.parametrize("name", ["acknowledge", "return_to_owner"])
def test_acknowledge_and_answer_pages_show_the_handoff(client, case, operator, supervisor, name):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    client.force_login(supervisor)

    html = client.get(
        reverse("admin:escalations_case_transition", args=[case.pk, name])
    ).content.decode()

    handoff = re.search(r'id="transition-handoff".*?</div>\s*</div>', html, re.S).group(0)
    assert HANDOFF.customer_wants in handoff and HANDOFF.tried in handoff


def test_the_header_and_the_escalate_panel_name_the_delegate_and_extension(
    client, case, org, operator, colleague
):
    boss = User.objects.create_user("boss", display_name="山本 課長", extension="201")
    stand_in = User.objects.create_user("stand_in", display_name="小林 代理", extension="305")
    boss.is_absent, boss.delegate = True, stand_in
    boss.save()
    for rule in EscalationRule.objects.filter(target_team=org["l2"]):
        rule.target_user = boss
        rule.save()  # not QuerySet.update: a save tells the routing kept per process
    client.force_login(operator)

    panel = header_form(
        client.get(change_url(case), HTTP_ACCEPT_LANGUAGE="ja").content.decode(), "escalate"
    )

    route = re.search(
        r'<div class="ch-route" data-reason="knowledge_gap">.*?'
        r'<div class="route-guidance">.*?</div>',
        panel,
        re.S,
    ).group(0)
    assert "小林 代理" in route and "内線 305" in route
    assert "山本 課長は不在のため、代理人の小林 代理に届きます。" in route
    assert "内線 201" not in panel
    assert "SVへ内線 200 で連絡" in route
    # the header warns before anyone opens the panel
    html = client.get(change_url(case), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    banner = re.search(r'<p class="ch-absent">.*?</p>', html, re.S).group(0)
    assert "山本 課長は不在のため、代理人の小林 代理に届きます。" in banner and "内線 305" in banner
