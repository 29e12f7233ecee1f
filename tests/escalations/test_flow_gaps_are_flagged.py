"""Gaps in the configured flow are flagged in red on the page: a rule whose target team has
nobody present, a team without a lead, a rule or contact list past its review date, a category
with no rule. Each is gone once fixed."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Tier
from escalations.flow.selectors import flow_page
from escalations.models import EscalationRule
from tests.factories import CategoryFactory, EscalationRuleFactory, TeamFactory, UserFactory

URL = reverse("admin:escalations_flow")
TODAY = dt.date(2026, 11, 23)


def kinds(page) -> set[tuple[str, str]]:
    return {(gap.kind, gap.anchor) for gap in page.gaps}


@pytest.fixture
def staffed(org, other_l1_team, operator, outsider, specialist):
    """The conftest organisation with a lead in every team and a default team in L2 and L3:
    no gap to start from."""
    for team, lead in ((org["l1"], operator), (org["l3"], specialist), (other_l1_team, outsider)):
        team.lead = lead
        team.save()
    for team in (org["l2"], org["l3"]):
        team.is_tier_default = True
        team.save()
    return org


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_a_complete_configuration_has_no_gap(staffed):
    assert flow_page().gaps == []


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_a_rule_to_a_team_with_nobody_present_is_flagged(staffed, supervisor):
    rule = EscalationRule.objects.get(target_team=staffed["l2"])
    supervisor.is_absent = True
    supervisor.save()
    assert ("nobody_present", f"rule-{rule.pk}") in kinds(flow_page())

    # a present delegate stands in: reachable again
    supervisor.delegate = UserFactory(username="deputy")
    supervisor.save()
    assert ("nobody_present", f"rule-{rule.pk}") not in kinds(flow_page())

    # the delegate is absent too, with nobody behind: flagged again
    supervisor.delegate.is_absent = True
    supervisor.delegate.save()
    assert ("nobody_present", f"rule-{rule.pk}") in kinds(flow_page())


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_a_team_without_a_lead_is_flagged(staffed):
    team = TeamFactory(name="ベンダー窓口", tier=Tier.L4, is_tier_default=True)
    assert kinds(flow_page()) == {("no_lead", f"team-{team.pk}")}


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_rules_and_contact_lists_past_their_review_date_are_flagged(staffed):
    rule = EscalationRule.objects.get(target_team=staffed["l3"])
    rule.next_review_on = TODAY  # due today: not past yet
    rule.save()
    team = staffed["l2"]
    team.next_review_on = TODAY - dt.timedelta(days=1)
    team.save()
    assert kinds(flow_page()) == {("team_review_due", f"team-{team.pk}")}

    rule.next_review_on = TODAY - dt.timedelta(days=1)
    rule.save()
    assert kinds(flow_page()) == {
        ("team_review_due", f"team-{team.pk}"),
        ("rule_review_due", f"rule-{rule.pk}"),
    }


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_a_category_with_no_rule_is_flagged(staffed, billing):
    # the conftest rules apply to any category: every category is covered
    for rule in EscalationRule.objects.filter(category__isnull=True):
        rule.category = billing
        rule.save()
    contract = CategoryFactory(name="契約・解約")
    assert kinds(flow_page()) == {("no_rule", "rules")}
    assert "契約・解約" in flow_page().gaps[0].message

    EscalationRuleFactory(category=contract, target_team=staffed["l2"])
    assert flow_page().gaps == []


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_the_page_shows_the_gaps_in_red(client, staffed, supervisor, operator):
    supervisor.is_absent = True
    supervisor.save()
    client.force_login(operator)
    html = client.get(URL).content.decode()
    rule = EscalationRule.objects.get(target_team=staffed["l2"])
    assert '<section class="flow-section flow-gap" id="flow-gaps">' in html
    assert 'data-kind="nobody_present"' in html
    assert f'<tr id="rule-{rule.pk}" class="flow-rule flow-gap"' in html
    assert f'class="flow-team flow-gap" id="team-{staffed["l2"].pk}"' in html
    assert "在席者がおらず、代理人もいません" in html
