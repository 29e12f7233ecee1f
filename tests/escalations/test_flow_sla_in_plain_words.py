"""SLA targets read as plain sentences, in Japanese and in English, from the live policies."""

import datetime as dt

from django.utils import translation

from escalations.flow.selectors import flow_page
from escalations.flow.wording import hop_sentence
from tests.factories import CategoryFactory, make_sla_policy

M = dt.timedelta(minutes=1)


def test_a_hop_target_in_a_sentence():
    with translation.override("en"):
        assert (
            hop_sentence("L2", 15 * M, 60 * M, business=True)
            == "L2 acknowledges within 15 business minutes and answers within 1 business hour."
        )
    with translation.override("ja"):
        assert (
            hop_sentence("L2", 15 * M, 60 * M, business=True)
            == "L2は営業時間で15分以内に受付し、営業時間で1時間以内に回答します。"
        )


def test_the_page_reads_the_live_policies(db):
    policy = make_sla_policy(always_open=False)
    with translation.override("en"):
        (view,) = flow_page().policies
    assert view.policy == policy
    assert view.priority_lines[0] == (
        "P1 critical: first response within 15 business minutes; resolved within 4 business hours."
    )
    assert view.hop_lines == [
        "L2 acknowledges within 15 business minutes and answers within 1 business hour.",
        "L3 acknowledges within 15 business minutes and answers within 4 business hours.",
        "L4 acknowledges within 15 business minutes and answers within 8 business hours.",
    ]

    target = policy.hop_targets.get(to_tier=2)
    target.acknowledge = 5 * M
    target.save()
    with translation.override("en"):
        assert (
            flow_page()
            .policies[0]
            .hop_lines[0]
            .startswith("L2 acknowledges within 5 business minutes")
        )


def test_a_category_shows_the_policy_its_cases_use(db):
    default = make_sla_policy(always_open=False)
    category = CategoryFactory(name="解約")
    assert [v.policy for v in flow_page(category_id=category.pk).policies] == [default]
