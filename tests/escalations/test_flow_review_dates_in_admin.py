"""Rules and team contact lists carry a review owner and review dates, edited in their admin
with history; the flow page shows them and flags the overdue ones."""

import datetime as dt

from django.urls import reverse

from accounts.models import Team, Tier
from escalations.models import EscalationRule
from tests.factories import UserFactory


def test_an_administrator_sets_a_rules_review_dates(client, org, supervisor):
    admin_user = UserFactory(username="admin", role="administrator")
    rule = EscalationRule.objects.get(target_team=org["l2"])
    client.force_login(admin_user)
    url = reverse("admin:escalations_escalationrule_change", args=[rule.pk])
    form = client.get(url).content.decode()
    for name in ("review_owner", "next_review_on", "last_reviewed_on"):
        assert f'name="{name}"' in form
    assert "次回レビュー日" in form and "レビュー担当者" in form

    response = client.post(
        url,
        {
            "target_tier": Tier.L2,
            "target_team": org["l2"].pk,
            "guidance": rule.guidance,
            "is_active": "on",
            "reason": "",
            "review_owner": supervisor.pk,
            "next_review_on": "2027-05-01",
            "last_reviewed_on": "2026-11-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.review_owner == supervisor
    assert (rule.next_review_on, rule.last_reviewed_on) == (
        dt.date(2027, 5, 1),
        dt.date(2026, 11, 1),
    )
    latest = rule.history.latest()
    assert latest.next_review_on == dt.date(2027, 5, 1)
    assert latest.history_user == admin_user


def test_an_administrator_sets_a_teams_review_dates(client, org, supervisor):
    admin_user = UserFactory(username="admin", role="administrator")
    team = org["l2"]
    client.force_login(admin_user)
    url = reverse("admin:accounts_team_change", args=[team.pk])
    form = client.get(url).content.decode()
    for name in ("review_owner", "next_review_on", "last_reviewed_on"):
        assert f'name="{name}"' in form

    response = client.post(
        url,
        {
            "name": team.name,
            "tier": team.tier,
            "lead": supervisor.pk,
            "members": [supervisor.pk],
            "review_owner": supervisor.pk,
            "next_review_on": "2026-12-01",
            "last_reviewed_on": "2026-06-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(pk=team.pk)
    assert team.next_review_on == dt.date(2026, 12, 1)
    assert team.history.latest().review_owner_id == supervisor.pk

    page = client.get(reverse("admin:escalations_flow")).content.decode()
    assert "次回 2026-12-01" in page and "前回 2026-06-01" in page
