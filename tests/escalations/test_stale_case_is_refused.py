"""A service called with a Case loaded before someone else moved it refuses, instead of
writing the old routing back."""

import pytest

from accounts.models import Tier
from escalations import services
from escalations.models import Case, CaseStatus
from tests.factories import HANDOFF


@pytest.fixture
def at_l2(case, operator):
    """Escalated, not yet acknowledged: escalating further keeps the status ``escalated``."""
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    return case


def test_an_edit_on_a_stale_case_does_not_undo_an_escalation_further(
    at_l2, operator, supervisor, org
):
    stale = Case.objects.get(pk=at_l2.pk)
    services.case_escalate(case=at_l2, actor=supervisor, reason="technical_fault", handoff=HANDOFF)

    with pytest.raises(services.TransitionConflict):
        services.case_update(case=stale, actor=operator, subject="件名を修正")

    at_l2.refresh_from_db()
    assert (at_l2.status, at_l2.tier, at_l2.assigned_team, at_l2.handler) == (
        CaseStatus.ESCALATED,
        Tier.L3,
        org["l3"],
        None,
    )
    assert at_l2.subject == "請求額が違う"
    assert at_l2.history.latest().tier == Tier.L3


def test_a_transition_on_a_stale_case_is_a_conflict(at_l2, supervisor, specialist):
    stale = Case.objects.get(pk=at_l2.pk)
    services.case_escalate(case=at_l2, actor=supervisor, reason="technical_fault", handoff=HANDOFF)
    rows = at_l2.history.count()

    with pytest.raises(services.TransitionConflict):
        services.case_return_to_owner(case=stale, actor=supervisor, answer="古い画面から回答")

    at_l2.refresh_from_db()
    assert (at_l2.status, at_l2.tier) == (CaseStatus.ESCALATED, Tier.L3)
    assert at_l2.history.count() == rows


def test_an_edit_on_a_fresh_case_goes_through(at_l2, operator):
    fresh = Case.objects.get(pk=at_l2.pk)

    services.case_update(case=fresh, actor=operator, subject="件名を修正")

    at_l2.refresh_from_db()
    assert (at_l2.subject, at_l2.tier, at_l2.status) == (
        "件名を修正",
        Tier.L2,
        CaseStatus.ESCALATED,
    )
