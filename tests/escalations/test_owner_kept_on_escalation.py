"""The owner keeps the customer while the case goes up the tiers and comes back."""

from accounts.models import Tier
from escalations import services
from escalations.models import CaseStatus
from tests.factories import HANDOFF


def who_has_it(case):
    case.refresh_from_db()
    return {
        "status": case.status,
        "owner": case.owner,
        "owner_team": case.owner_team,
        "tier": case.tier,
        "assigned_team": case.assigned_team,
        "handler": case.handler,
    }


def test_the_owner_stays_while_the_case_goes_up_to_l3_and_back_to_l1(
    case, operator, supervisor, specialist, org
):
    at_l1 = {"owner": operator, "owner_team": org["l1"]}
    assert who_has_it(case) == {
        **at_l1,
        "status": CaseStatus.IN_PROGRESS,
        "tier": Tier.L1,
        "assigned_team": org["l1"],
        "handler": operator,
    }

    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    assert who_has_it(case) == {
        **at_l1,
        "status": CaseStatus.ESCALATED,
        "tier": Tier.L2,
        "assigned_team": org["l2"],
        "handler": None,  # the L2 team's queue: the rule names no person
    }

    services.case_acknowledge(case=case, actor=supervisor)
    assert who_has_it(case) == {
        **at_l1,
        "status": CaseStatus.ACKNOWLEDGED,
        "tier": Tier.L2,
        "assigned_team": org["l2"],
        "handler": supervisor,
    }

    services.case_escalate(case=case, actor=supervisor, reason="technical_fault", handoff=HANDOFF)
    assert who_has_it(case) == {
        **at_l1,
        "status": CaseStatus.ESCALATED,
        "tier": Tier.L3,
        "assigned_team": org["l3"],
        "handler": None,
    }

    services.case_acknowledge(case=case, actor=specialist)
    assert who_has_it(case) == {
        **at_l1,
        "status": CaseStatus.ACKNOWLEDGED,
        "tier": Tier.L3,
        "assigned_team": org["l3"],
        "handler": specialist,
    }

    services.case_return_to_owner(case=case, actor=specialist, answer="設定を初期化すれば直る")
    assert who_has_it(case) == {
        **at_l1,
        "status": CaseStatus.RETURNED,
        "tier": Tier.L1,
        "assigned_team": org["l1"],
        "handler": operator,
    }


def test_a_colleague_escalating_does_not_take_the_case_over(case, operator, colleague, org):
    services.case_escalate(case=case, actor=colleague, reason="complaint", handoff=HANDOFF)
    services.case_acknowledge(case=case, actor=org["l2"].lead)
    services.case_return_to_owner(case=case, actor=org["l2"].lead, answer="お詫びして返金")

    state = who_has_it(case)
    assert (state["owner"], state["handler"], state["tier"]) == (operator, operator, Tier.L1)


def test_a_return_without_acknowledging_first_goes_to_the_owner(case, operator, supervisor, org):
    hop = services.case_escalate(
        case=case, actor=operator, reason="beyond_authority", handoff=HANDOFF
    )
    services.case_return_to_owner(case=case, actor=supervisor, answer="割引は不可")

    state = who_has_it(case)
    assert (state["status"], state["tier"], state["assigned_team"], state["handler"]) == (
        CaseStatus.RETURNED,
        Tier.L1,
        org["l1"],
        operator,
    )
    hop.refresh_from_db()
    assert (hop.acknowledged_by, hop.answered_by, hop.outcome) == (
        supervisor,
        supervisor,
        "answered",
    )


def test_the_hops_record_each_tier_and_the_one_escalated_further_is_closed(
    case, operator, supervisor, specialist, org
):
    first = services.case_escalate(
        case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
    )
    services.case_acknowledge(case=case, actor=supervisor)
    second = services.case_escalate(
        case=case, actor=supervisor, reason="technical_fault", handoff=HANDOFF
    )
    services.case_return_to_owner(case=case, actor=specialist, answer="修正版を配布済み")
    first.refresh_from_db()
    second.refresh_from_db()

    assert (first.number, first.from_tier, first.to_tier, first.to_team) == (1, 1, 2, org["l2"])
    assert (first.requested_by, first.acknowledged_by, first.outcome) == (
        operator,
        supervisor,
        "escalated_further",
    )
    assert (second.number, second.from_tier, second.to_tier, second.to_team) == (
        2,
        2,
        3,
        org["l3"],
    )
    assert (second.requested_by, second.answered_by, second.outcome) == (
        supervisor,
        specialist,
        "answered",
    )
    # the number (drawn in the hop's INSERT on PostgreSQL) is in the hop's history too
    assert second.history.earliest("history_date").number == 2
