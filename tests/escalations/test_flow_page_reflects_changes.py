"""The flow page is generated from the live configuration: a rule or contact change shows at
once, on the next request, and the filters narrow it."""

import datetime as dt

from django.urls import reverse

from accounts.models import Tier
from escalations.models import EscalationRule
from tests.factories import CategoryFactory, EscalationRuleFactory, TeamFactory, UserFactory

URL = reverse("admin:escalations_flow")


def test_a_new_rule_and_its_guidance_show_at_once(client, org, operator, billing):
    client.force_login(operator)
    assert "返金は課長決裁" not in client.get(URL).content.decode()

    rule = EscalationRuleFactory(
        category=billing, target_team=org["l3"], guidance="返金は課長決裁: 内線 300"
    )
    page = client.get(URL).content.decode()
    assert f'id="rule-{rule.pk}"' in page
    assert "返金は課長決裁: 内線 300" in page

    EscalationRule.objects.filter(pk=rule.pk).delete()
    assert "返金は課長決裁" not in client.get(URL).content.decode()


def test_a_contact_change_shows_at_once(client, org, operator, supervisor):
    client.force_login(operator)
    team = org["l2"]
    team.phone = "03-1111-2222"
    team.save()
    assert "03-1111-2222" in client.get(URL).content.decode()

    supervisor.is_absent = True
    supervisor.delegate = UserFactory(username="deputy", display_name="代理 次郎", extension="201")
    supervisor.save()
    page = client.get(URL).content.decode()
    assert "高橋 SV → 代理 次郎 (内線 201)" in page


def test_the_category_filter_answers_whom_to_call(client, org, operator, billing):
    vendor = TeamFactory(name="ベンダー窓口", tier=Tier.L4, lead=operator, members=[operator])
    EscalationRuleFactory(
        category=billing, priority=1, reason="technical_fault", target_team=vendor
    )
    other = CategoryFactory(name="解約")
    client.force_login(operator)

    page = client.get(URL, {"category": billing.pk})
    routes = page.context["page"].routes
    p1 = dict(routes)["P1 緊急"]
    reasons = [str(r.label) for r in __import__("escalations.models").models.Reason]
    by_reason = dict(zip(reasons, p1, strict=True))
    assert by_reason["システム障害・不具合"].rule.rule.target_team == vendor
    assert by_reason["クレーム"].rule.rule.target_team == org["l2"]
    assert 'id="flow-routes"' in page.content.decode()

    page = client.get(URL, {"category": other.pk})
    p1 = dict(page.context["page"].routes)["P1 緊急"]
    assert all(route.rule.rule.target_team == org["l2"] for route in p1)


def test_the_team_filter_shows_that_team_and_its_rules(client, org, operator):
    client.force_login(operator)
    page = client.get(URL, {"team": org["l3"].pk}).context["page"]
    assert [view.team for tier in page.tiers for view in tier.teams] == [org["l3"]]
    assert {view.rule.target_team for view in page.rules} == {org["l3"]}


def test_a_bad_filter_is_ignored_with_a_message(client, org, operator):
    client.force_login(operator)
    for query in ({"category": "abc"}, {"team": "999999"}, {"category": "1' OR 1=1"}):
        response = client.get(URL, query)
        assert response.status_code == 200
        assert response.context["page"].category is None
        assert response.context["page"].team is None
        assert "無視しました" in response.content.decode()


def test_every_staff_member_reads_it_and_nobody_else(client, org, operator, specialist, manager):
    for person in (operator, specialist, manager, UserFactory(username="norole")):
        client.force_login(person)
        assert client.get(URL).status_code == 200
        assert URL in client.get(reverse("admin:index")).content.decode()
    client.force_login(UserFactory(username="customer", is_staff=False))
    assert client.get(URL).status_code == 302
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_page_shows_when_and_from_which_reviews(client, org, operator):
    rule = EscalationRule.objects.first()
    rule.last_reviewed_on = dt.date(2026, 10, 1)
    rule.next_review_on = dt.date(2027, 4, 1)
    rule.save()
    client.force_login(operator)
    page = client.get(URL).content.decode()
    assert "2026-10-01" in page and "2027-04-01" in page
    assert "生成日時" in page


def test_the_page_reads_in_english_too(client, org, operator, billing):
    client.force_login(operator)
    client.cookies["django_language"] = "en"
    html = client.get(URL, {"category": billing.pk}).content.decode()
    for text in ("Escalation flow", "Tiers, teams and contacts", "Whom to escalate to: 請求・料金"):
        assert text in html
    assert "階層・チーム・連絡先" not in html
