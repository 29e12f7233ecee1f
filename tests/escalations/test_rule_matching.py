"""Which rule of the escalation matrix an escalation follows, and where it goes without one."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Tier
from escalations import services
from escalations.models import CaseStatus, Escalation, EscalationRule, Reason
from escalations.priority import Priority
from escalations.selectors import active_rules, escalation_target, match_rule
from tests.factories import HANDOFF, EscalationRuleFactory

BILLING, CONTRACT = 1, 2


def rule(pk, tier=Tier.L2, *, category=None, priority=None, reason="") -> EscalationRule:
    """An unsaved rule: ``match_rule`` is pure and reads only these fields."""
    return EscalationRule(
        pk=pk,
        category_id=category,
        priority=priority,
        reason=reason,
        target_tier=tier,
        target_team_id=100 + tier,
    )


def match(rules, *, category=BILLING, priority=Priority.P2, reason="complaint", above=Tier.L1):
    return match_rule(
        rules, category_id=category, priority=priority, reason=reason, above_tier=above
    )


# --- match_rule: pure ------------------------------------------------------------------------


def test_the_most_specific_fitting_rule_wins():
    anything = rule(1)
    by_category = rule(2, category=BILLING)
    by_category_and_reason = rule(3, category=BILLING, reason="complaint")
    by_all_three = rule(4, category=BILLING, priority=Priority.P2, reason="complaint")
    rules = [anything, by_category, by_category_and_reason, by_all_three]

    assert match(rules) == by_all_three
    assert match(rules, priority=Priority.P1) == by_category_and_reason
    assert match(rules, reason="other") == by_category
    assert match(rules, category=CONTRACT) == anything


def test_a_rule_for_another_situation_does_not_fit_however_specific():
    anything = rule(1)
    other_category = rule(2, category=CONTRACT, priority=Priority.P2, reason="complaint")
    other_priority = rule(3, category=BILLING, priority=Priority.P1, reason="complaint")
    other_reason = rule(4, category=BILLING, priority=Priority.P2, reason="compliance")

    assert match([anything, other_category, other_priority, other_reason]) == anything
    assert match([other_category, other_priority, other_reason]) is None


def test_on_a_tie_the_lowest_target_tier_wins_then_the_lowest_id():
    to_l3 = rule(1, Tier.L3, reason="complaint")
    to_l2 = rule(2, Tier.L2, category=BILLING)
    also_to_l2 = rule(3, Tier.L2, priority=Priority.P2)

    assert match([to_l3, also_to_l2, to_l2]) == to_l2
    assert match([to_l3]) == to_l3


def test_only_rules_leading_above_the_current_tier_count():
    to_l2 = rule(1, Tier.L2, category=BILLING, priority=Priority.P2, reason="complaint")
    to_l3 = rule(2, Tier.L3)
    to_l4 = rule(3, Tier.L4)

    assert match([to_l2, to_l3, to_l4], above=Tier.L1) == to_l2
    assert match([to_l2, to_l3, to_l4], above=Tier.L2) == to_l3
    assert match([to_l2, to_l3, to_l4], above=Tier.L3) == to_l4
    assert match([to_l2, to_l3, to_l4], above=Tier.L4) is None


def test_no_rules_no_match():
    assert match([]) is None


def fits(r, *, category, priority, reason, above):
    return (
        r.target_tier > above
        and r.category_id in (None, category)
        and r.priority in (None, priority)
        and r.reason in ("", reason)
    )


# few values on each axis, so that several rules fit and ties are frequent
REASONS = ["", "complaint", "technical_fault"]
rule_rows = st.lists(
    st.tuples(
        st.sampled_from([None, BILLING, CONTRACT]),
        st.sampled_from([None, Priority.P1, Priority.P2]),
        st.sampled_from(REASONS),
        st.sampled_from([Tier.L2, Tier.L3, Tier.L4]),
    ),
    max_size=12,
)
situations = st.fixed_dictionaries(
    {
        "category": st.sampled_from([BILLING, CONTRACT]),
        "priority": st.sampled_from([Priority.P1, Priority.P2]),
        "reason": st.sampled_from(REASONS[1:]),
        "above": st.sampled_from([Tier.L1, Tier.L1, Tier.L2, Tier.L3, Tier.L4]),
    }
)


@hypothesis_settings(max_examples=300)
@given(rows=rule_rows, situation=situations, seed=st.randoms(use_true_random=False))
def test_the_matched_rule_fits_and_no_fitting_rule_beats_it(rows, situation, seed):
    rules = [
        rule(pk, tier, category=category, priority=priority, reason=reason)
        for pk, (category, priority, reason, tier) in enumerate(rows, start=1)
    ]
    fitting = [r for r in rules if fits(r, **situation)]

    found = match(rules, **situation)

    if not fitting:
        assert found is None
        return
    assert found in fitting
    for other in fitting:
        assert other.specificity <= found.specificity
        if other.specificity == found.specificity:
            assert (other.target_tier, other.pk) >= (found.target_tier, found.pk)
    shuffled = rules[:]
    seed.shuffle(shuffled)
    assert match(shuffled, **situation) == found  # the order of the rules does not matter


# --- escalation_target: the matrix in the database -------------------------------------------


def test_an_inactive_rule_is_ignored(case, operator, org, billing):
    straight_to_l3 = EscalationRuleFactory(
        target_team=org["l3"], category=billing, reason="knowledge_gap", is_active=False
    )

    assert straight_to_l3 not in active_rules()
    target = escalation_target(case, "knowledge_gap")
    assert (target.tier, target.team, target.rule.category) == (Tier.L2, org["l2"], None)

    straight_to_l3.is_active = True
    straight_to_l3.save()
    target = escalation_target(case, "knowledge_gap")
    assert (target.tier, target.team, target.rule) == (Tier.L3, org["l3"], straight_to_l3)


def test_a_specific_rule_sends_a_case_past_the_next_tier(case, operator, org, billing):
    EscalationRuleFactory(target_team=org["l3"], category=billing, reason="technical_fault")

    hop = services.case_escalate(
        case=case, actor=operator, reason="technical_fault", handoff=HANDOFF
    )

    case.refresh_from_db()
    assert (hop.from_tier, hop.to_tier, hop.to_team) == (Tier.L1, Tier.L3, org["l3"])
    assert (case.tier, case.assigned_team) == (Tier.L3, org["l3"])


def test_there_is_no_target_when_no_team_is_above(case, operator, supervisor, org):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    services.case_escalate(case=case, actor=supervisor, reason="technical_fault", handoff=HANDOFF)
    case.refresh_from_db()
    assert case.tier == Tier.L3

    assert escalation_target(case, "technical_fault") is None
    for reason in Reason.values:
        assert escalation_target(case, reason, rules=[]) is None


def test_escalating_with_nothing_above_is_refused_and_changes_nothing(
    case, operator, supervisor, specialist, org
):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    services.case_escalate(case=case, actor=supervisor, reason="technical_fault", handoff=HANDOFF)
    services.case_acknowledge(case=case, actor=specialist)
    history = case.history.count()

    with pytest.raises(ValidationError):
        services.case_escalate(case=case, actor=specialist, reason="other", handoff=HANDOFF)

    case.refresh_from_db()
    assert (case.status, case.tier, case.handler) == (
        CaseStatus.ACKNOWLEDGED,
        Tier.L3,
        specialist,
    )
    assert case.history.count() == history
    assert Escalation.objects.filter(case=case).count() == 2
