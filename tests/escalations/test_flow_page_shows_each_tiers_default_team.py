"""The flow page shows each tier's default team (where an escalation no rule matches goes) and
flags a tier above L1 without one; the routes table sends a case no rule matches where the
escalate service sends it."""

from django.urls import reverse

from escalations.flow.selectors import flow_page
from escalations.models import EscalationRule
from tests.factories import TeamFactory

URL = reverse("admin:escalations_flow")


def no_default_gaps(page) -> set[str]:
    return {gap.anchor for gap in page.gaps if gap.kind == "no_default_team"}


def test_a_tier_without_a_default_team_is_flagged(client, org, operator, billing):
    assert no_default_gaps(flow_page()) == {"tier-2", "tier-3"}
    client.force_login(operator)
    page = client.get(URL).content.decode()
    assert "階層 L2 に既定チームがありません。" in page
    assert "なし: 該当するエスカレーションは現在の場所に残ります" in page

    org["l2"].is_tier_default = True
    org["l2"].save()

    assert no_default_gaps(flow_page()) == {"tier-3"}
    page = client.get(URL).content.decode()
    assert "階層 L2 に既定チームがありません。" not in page
    assert "既定チーム（ルールに該当しないエスカレーションの受け先）: SVチーム" in page


def test_the_routes_follow_the_default_team_not_the_first_by_name(client, org, operator, billing):
    for rule in EscalationRule.objects.all():
        rule.is_active = False
        rule.save()
    TeamFactory(name="AA desk", tier=2)  # sorts first: never the fallback
    client.force_login(operator)

    page = flow_page(category_id=billing.pk)
    assert {route.fallback_team for _priority, row in page.routes for route in row} == {None}
    html = client.get(URL, {"category": billing.pk}).content.decode()
    assert "行き先なし: ルールがなく、次の階層に既定チームもありません（L1 に残ります）" in html

    org["l2"].is_tier_default = True
    org["l2"].save()
    page = flow_page(category_id=billing.pk)
    assert {route.fallback_team for _priority, row in page.routes for route in row} == {org["l2"]}
    html = client.get(URL, {"category": billing.pk}).content.decode()
    assert "ルールなし: 次の階層の既定チーム" in html and "AA desk<br>" not in html
