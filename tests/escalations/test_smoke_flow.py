from escalations import services
from escalations.models import CaseStatus
from tests.factories import HANDOFF


def test_a_case_goes_up_to_l2_and_back_to_its_owner(case, operator, supervisor, org):
    hop = services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    assert (case.tier, case.assigned_team, case.owner) == (2, org["l2"], operator)
    services.case_acknowledge(case=case, actor=supervisor)
    services.case_return_to_owner(case=case, actor=supervisor, answer="返金不可。規約第5条")
    case.refresh_from_db()
    hop.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    assert (case.tier, case.handler, case.owner) == (1, operator, operator)
    assert hop.answered_by == supervisor and hop.outcome == "answered"
