"""Every transition, allowed and refused, for every persona, through the real services.

operator = owner, colleague = same L1 team, supervisor = L2 (the escalation target),
specialist = L3, manager = read-only, outsider = another L1 team.
"""

import pytest

from accounts.models import Tier
from escalations import services
from escalations.models import Case, CaseNote, CaseStatus, Escalation
from escalations.selectors import Target
from tests.escalations.case_states import bring_to, run_transition
from tests.factories import HANDOFF, EscalationRuleFactory, TeamFactory, UserFactory

PERSONAS = ["operator", "colleague", "supervisor", "specialist", "manager", "outsider"]

# transition -> (the status the case is brought to, the status it goes to, who may run it)
MATRIX = {
    "start_work": ("new", CaseStatus.IN_PROGRESS, {"operator", "colleague"}),
    "escalate": ("in_progress", CaseStatus.ESCALATED, {"operator", "colleague"}),
    "escalate_further": ("escalated", CaseStatus.ESCALATED, {"supervisor"}),
    "acknowledge": ("escalated", CaseStatus.ACKNOWLEDGED, {"supervisor"}),
    "return_to_owner": ("acknowledged", CaseStatus.RETURNED, {"supervisor"}),
    "wait_for_customer": ("in_progress", CaseStatus.PENDING_CUSTOMER, {"operator", "colleague"}),
    "resume": ("pending_customer", CaseStatus.IN_PROGRESS, {"operator", "colleague"}),
    "resolve": ("in_progress", CaseStatus.RESOLVED, {"operator", "colleague"}),
    "close": ("resolved", CaseStatus.CLOSED, {"operator", "colleague"}),
    "reopen": ("resolved", CaseStatus.IN_PROGRESS, {"operator", "colleague"}),
}

# once escalated further, the L3 team acts on the case, not the L2 team any more
L3_MATRIX = {
    "escalate_further": ("acknowledged_l3", {"specialist"}),
    "acknowledge": ("escalated_l3", {"specialist"}),
    "return_to_owner": ("acknowledged_l3", {"specialist"}),
}


def cases(matrix, allowed_index):
    return [
        pytest.param(name, persona, persona in row[allowed_index], id=f"{name}-{persona}")
        for name, row in matrix.items()
        for persona in PERSONAS
    ]


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        case.tier,
        case.owner_id,
        case.assigned_team_id,
        case.handler_id,
        case.history.count(),
        Escalation.objects.filter(case=case).count(),
        CaseNote.objects.filter(case=case).count(),
    )


@pytest.fixture
def personas(request, operator, colleague, supervisor, specialist, manager, outsider):
    return {
        "operator": operator,
        "colleague": colleague,
        "supervisor": supervisor,
        "specialist": specialist,
        "manager": manager,
        "outsider": outsider,
    }


@pytest.fixture
def vendor(db):
    return UserFactory(username="vendor", display_name="保守ベンダー", role="specialist")


@pytest.fixture
def l4_team(vendor):
    team = TeamFactory(name="ベンダー窓口", tier=Tier.L4, is_tier_default=True, members=[vendor])
    EscalationRuleFactory(target_team=team)
    return team


@pytest.mark.parametrize(("name", "persona", "allowed"), cases(MATRIX, 2))
def test_each_transition_is_allowed_only_to_its_side(
    name, persona, allowed, case, personas, operator, supervisor, specialist
):
    source, target, _who = MATRIX[name]
    case = bring_to(source, case=case, operator=operator, supervisor=supervisor)
    actor = personas[persona]
    before = snapshot(case)

    if allowed:
        run_transition(name, case=case, actor=actor)
        case.refresh_from_db()
        assert case.status == target
        assert case.history.count() == before[5] + 1
        assert case.history.latest().history_user == actor
    else:  # a persona who saw the status and may not act on it (unseen, it is a conflict)
        with pytest.raises(services.TransitionForbidden):
            run_transition(name, case=case, actor=actor, expected_status=case.status)
        assert snapshot(case) == before


@pytest.mark.parametrize(("name", "persona", "allowed"), cases(L3_MATRIX, 1))
def test_after_escalating_further_the_l3_team_acts_and_the_l2_team_no_longer_does(
    name, persona, allowed, case, personas, operator, supervisor, specialist, l4_team
):
    source, _who = L3_MATRIX[name]
    case = bring_to(
        source, case=case, operator=operator, supervisor=supervisor, specialist=specialist
    )
    actor = personas[persona]
    before = snapshot(case)

    if allowed:
        run_transition(name, case=case, actor=actor)
        case.refresh_from_db()
        assert case.history.count() == before[5] + 1
        assert case.history.latest().history_user == actor
    else:  # a persona who saw the status and may not act on it (unseen, it is a conflict)
        with pytest.raises(services.TransitionForbidden):
            run_transition(name, case=case, actor=actor, expected_status=case.status)
        assert snapshot(case) == before


def test_an_inactive_owner_may_not_run_transitions(case, operator):
    operator.is_active = False
    operator.save()
    before = snapshot(case)

    with pytest.raises(services.TransitionForbidden):
        services.case_resolve(case=case, actor=operator, resolution="解決")

    assert snapshot(case) == before


def test_a_superuser_may_run_any_transition(case, operator, supervisor):
    admin = UserFactory(username="admin", is_superuser=True)
    bring_to("escalated", case=case, operator=operator, supervisor=supervisor)

    services.case_acknowledge(case=case, actor=admin)

    case.refresh_from_db()
    assert (case.status, case.handler) == (CaseStatus.ACKNOWLEDGED, admin)


# (transition, a status it does not apply to, someone who may run it from its real sources)
NOT_FROM = [
    ("start_work", "in_progress", "operator"),
    ("start_work", "closed", "operator"),
    ("escalate", "resolved", "operator"),
    ("escalate", "pending_customer", "operator"),
    ("escalate", "new", "operator"),
    ("acknowledge", "acknowledged", "supervisor"),
    ("acknowledge", "in_progress", "supervisor"),
    ("return_to_owner", "in_progress", "supervisor"),
    ("wait_for_customer", "pending_customer", "operator"),
    ("wait_for_customer", "escalated", "operator"),
    ("resume", "in_progress", "operator"),
    ("resolve", "escalated", "operator"),
    ("resolve", "new", "operator"),
    ("close", "in_progress", "operator"),
    ("close", "closed", "operator"),
    ("reopen", "in_progress", "operator"),
    ("reopen", "closed", "operator"),
]


@pytest.mark.parametrize(
    ("name", "state", "persona"), NOT_FROM, ids=[f"{n}-from-{s}" for n, s, _p in NOT_FROM]
)
def test_a_transition_from_a_status_it_does_not_apply_to_is_a_conflict(
    name, state, persona, case, personas, operator, supervisor
):
    case = bring_to(state, case=case, operator=operator, supervisor=supervisor)
    before = snapshot(case)

    with pytest.raises(services.TransitionConflict):
        run_transition(name, case=case, actor=personas[persona])

    assert snapshot(case) == before


def test_escalating_further_at_the_top_tier_is_a_conflict(
    case, operator, supervisor, specialist, vendor, l4_team
):
    """The ``tier < L4`` condition, when a caller names the target itself."""
    bring_to(
        "acknowledged_l3",
        case=case,
        operator=operator,
        supervisor=supervisor,
        specialist=specialist,
    )
    services.case_escalate(case=case, actor=specialist, reason="other", handoff=HANDOFF)
    services.case_acknowledge(case=case, actor=vendor)
    before = snapshot(case)
    assert before[1] == Tier.L4

    with pytest.raises(services.TransitionConflict):
        services.case_escalate(
            case=case,
            actor=vendor,
            reason="other",
            handoff=HANDOFF,
            target=Target(Tier.L4, l4_team, None, None, None),
        )

    assert snapshot(case) == before


def test_a_stale_expected_status_is_a_conflict(case, operator):
    before = snapshot(case)

    with pytest.raises(services.TransitionConflict):
        services.case_resolve(
            case=case, actor=operator, resolution="解決", expected_status=CaseStatus.NEW
        )

    assert snapshot(case) == before


def test_the_owner_escalating_a_case_someone_escalated_meanwhile_gets_a_conflict(
    case, operator, supervisor
):
    """Without the status they saw, "escalate" on a case escalated meanwhile is a conflict for
    those who may escalate but not further (the API's 20 concurrent escalations: 409s)."""
    case = bring_to("escalated", case=case, operator=operator, supervisor=supervisor)
    before = snapshot(case)

    with pytest.raises(services.TransitionConflict) as caught:
        run_transition("escalate", case=case, actor=operator)

    assert caught.value.status == CaseStatus.ESCALATED
    assert snapshot(case) == before
