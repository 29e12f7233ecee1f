"""A rule that names an absent person routes the escalation to their delegate."""

import pytest

from accounts.models import Tier
from escalations import services
from escalations.models import CaseStatus
from tests.factories import HANDOFF, EscalationRuleFactory, absent


@pytest.fixture
def billing_rule(org, billing, chief):
    return EscalationRuleFactory(target_team=org["l2"], category=billing, target_user=chief)


def escalate(case, operator):
    hop = services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    case.refresh_from_db()
    return hop


def test_a_present_target_person_receives_the_escalation(case, operator, chief, billing_rule):
    hop = escalate(case, operator)

    assert (hop.to_user, hop.routed_from, hop.rule) == (chief, None, billing_rule)
    assert (case.handler, case.tier, case.status) == (chief, Tier.L2, CaseStatus.ESCALATED)


def test_an_absent_target_person_routes_to_the_delegate(
    case, operator, chief, supervisor, billing_rule
):
    absent(chief, delegate=supervisor)

    hop = escalate(case, operator)

    assert (hop.to_user, hop.routed_from) == (supervisor, chief)
    assert case.handler == supervisor


def test_a_chain_of_absent_delegates_ends_at_the_first_present_one(
    case, operator, chief, deputy, supervisor, billing_rule
):
    absent(chief, delegate=deputy)
    absent(deputy, delegate=supervisor)

    hop = escalate(case, operator)

    assert (hop.to_user, hop.routed_from) == (supervisor, chief)
    assert case.handler == supervisor


def test_when_everyone_on_the_chain_is_absent_the_team_queue_gets_it(
    case, operator, chief, deputy, org, billing_rule
):
    absent(chief, delegate=deputy)
    absent(deputy)

    hop = escalate(case, operator)

    assert (hop.to_user, hop.routed_from, hop.to_team) == (None, chief, org["l2"])
    assert (case.handler, case.assigned_team) == (None, org["l2"])


def test_a_delegate_cycle_terminates_in_the_team_queue(
    case, operator, chief, deputy, org, billing_rule
):
    absent(chief, delegate=deputy)
    absent(deputy, delegate=chief)

    hop = escalate(case, operator)

    assert (hop.to_user, hop.routed_from) == (None, chief)
    assert (case.handler, case.assigned_team) == (None, org["l2"])


def test_the_team_can_still_take_a_case_that_went_to_its_queue(
    case, operator, chief, supervisor, billing_rule
):
    absent(chief, delegate=chief)
    escalate(case, operator)

    services.case_acknowledge(case=case, actor=supervisor)

    case.refresh_from_db()
    assert (case.status, case.handler) == (CaseStatus.ACKNOWLEDGED, supervisor)


def test_the_delegate_may_act_on_the_case_routed_to_them(
    case, operator, chief, outsider, billing_rule
):
    """A delegate outside the target team becomes the handler, so the policy lets them act."""
    outsider.groups.add(*chief.groups.all())
    absent(chief, delegate=outsider)
    escalate(case, operator)
    assert case.handler == outsider

    services.case_return_to_owner(case=case, actor=outsider, answer="代理で回答します")

    case.refresh_from_db()
    assert (case.status, case.handler) == (CaseStatus.RETURNED, operator)
