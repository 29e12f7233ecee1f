"""A knowledge search on the case that finds nothing is a reason to escalate now (issue 20, no
hesitation): a nudge of its own kind is recorded once per case, naming the knowledge-gap rule."""

import pytest
from django.urls import reverse

from escalations.models import EscalationRule, Nudge, NudgeKind, Reason
from knowledge.models import Deflection


@pytest.fixture
def answer(publish):
    return publish("請求額が違うときの説明", "日割り計算で初月の請求額が変わります。")


def escalate_page(client, user, case):
    client.force_login(user)
    return client.get(reverse("admin:escalations_case_transition", args=[case.pk, "escalate"]))


def test_nothing_found_records_one_nudge(client, case, operator, l2_team):
    rule = EscalationRule.objects.get(target_team=l2_team)

    escalate_page(client, operator, case)
    escalate_page(client, operator, case)  # searched again: still one

    [nudge] = Nudge.objects.filter(case=case)
    assert (nudge.kind, nudge.reason, nudge.rule) == (
        NudgeKind.NO_KNOWLEDGE,
        Reason.KNOWLEDGE_GAP,
        rule,
    )
    assert nudge.is_open and nudge.sent_to == operator
    assert not Deflection.objects.exists()


def test_something_found_records_no_nudge(client, case, operator, answer):
    escalate_page(client, operator, case)

    assert Deflection.objects.filter(case=case).exists()
    assert not Nudge.objects.exists()
