"""The flow page's query count does not grow with the number of rules, teams, members,
delegates or SLA policies."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Tier
from escalations.models import BusinessCalendar, SLAHopTarget, SLAPolicy
from tests.factories import (
    CategoryFactory,
    EscalationRuleFactory,
    TeamFactory,
    UserFactory,
    make_sla_policy,
)

# categories, teams, memberships, rules, people, policies (+3 prefetches), and for "who
# answers": the absence periods, the coverage gaps, the on-call rotations (a configuration
# cache, read here because it is cold)
SELECTOR_QUERIES = 12


def grow(n: int, billing) -> None:
    """``n`` more teams with members, absent people behind delegate chains, rules naming an
    absent person, and categories."""
    for i in range(n):
        deputy = UserFactory(username=f"deputy{n}-{i}", is_absent=True)
        deputy.delegate = UserFactory(username=f"deputy2-{n}-{i}")
        deputy.save()
        absent = UserFactory(username=f"absent{n}-{i}", is_absent=True, delegate=deputy)
        present = UserFactory(username=f"present{n}-{i}", extension=f"5{i:02d}")
        team = TeamFactory(
            name=f"チーム{n}-{i}", tier=Tier.L3, lead=present, members=[present, absent]
        )
        category = CategoryFactory(name=f"カテゴリ{n}-{i}")
        EscalationRuleFactory(category=category, target_team=team, target_user=absent)
        EscalationRuleFactory(category=billing, priority=1, target_team=team)


def count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_selector_runs_a_fixed_number_of_queries(org, billing, django_assert_num_queries):
    from escalations.flow.selectors import flow_page

    make_sla_policy()
    grow(3, billing)
    with django_assert_num_queries(SELECTOR_QUERIES):
        page = flow_page(category_id=billing.pk)
    with django_assert_num_queries(0):  # everything the template reads is loaded
        for tier in page.tiers:
            for view in tier.teams:
                [str(p) for p in view.present]
                [(str(a.person), str(a.delegate)) for a in view.absent]
                str(view.lead)
        for view in page.rules:
            str(view.rule), str(view.recipient), view.rule.review_owner
        for _priority, row in page.routes:
            [route.rule.rule.target_team.name for route in row if route.rule]


def test_the_page_and_the_pdf_do_not_grow_with_the_configuration(client, org, billing, manager):
    make_sla_policy(always_open=True)
    client.force_login(manager)
    page_url = reverse("admin:escalations_flow")
    params = {"category": billing.pk}
    grow(1, billing)
    count(client, page_url, params)  # warm the process-wide caches (permissions, rotations)
    small = count(client, page_url, params)
    grow(8, billing)
    night = SLAPolicy.objects.create(
        name="夜間", calendar=BusinessCalendar.objects.create(name="夜間", always_open=True)
    )
    night.categories.add(billing)
    SLAHopTarget.objects.create(
        policy=night, to_tier=2, acknowledge=dt.timedelta(minutes=5), answer=dt.timedelta(hours=1)
    )
    large = count(client, page_url, params)
    assert small == large

    pdf_url = reverse("admin:escalations_flow_pdf")
    assert count(client, pdf_url, params) == count(client, pdf_url, {})
