"""Transitions as actions: the whole escalation round trip through the API, and each kind of
refusal as its own status code with a JSON body."""

import pytest

from escalations import services
from escalations.models import Case, CaseStatus, Escalation
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import make_case


def post(api, user, case, name, **overrides):
    return api(user).post(
        transition_url(case, name), {**PAYLOADS[name], **overrides}, format="json"
    )


def test_escalate_acknowledge_return_resolve_close_reopen(api, case, operator, supervisor, org):
    steps = [
        (operator, "escalate", CaseStatus.ESCALATED),
        (supervisor, "acknowledge", CaseStatus.ACKNOWLEDGED),
        (supervisor, "return_to_owner", CaseStatus.RETURNED),
        (operator, "start_work", CaseStatus.IN_PROGRESS),
        (operator, "wait_for_customer", CaseStatus.PENDING_CUSTOMER),
        (operator, "resume", CaseStatus.IN_PROGRESS),
        (operator, "resolve", CaseStatus.RESOLVED),
        (operator, "reopen", CaseStatus.IN_PROGRESS),
        (operator, "resolve", CaseStatus.RESOLVED),
        (operator, "close", CaseStatus.CLOSED),
    ]
    for user, name, expected in steps:
        response = post(api, user, case, name)
        assert response.status_code == 200, (name, response.content)
        assert response.json()["status"] == expected, name

    hop = Escalation.objects.get(case=case)
    assert (hop.to_team, hop.customer_mood, hop.acknowledged_by) == (org["l2"], "angry", supervisor)
    assert hop.answer == PAYLOADS["return_to_owner"]["answer"]
    assert case.history.filter(history_user=supervisor).count() == 2


def test_escalating_an_escalated_case_goes_further_up(api, case, operator, supervisor, org):
    post(api, operator, case, "escalate")

    response = post(api, supervisor, case, "escalate", reason="technical_fault")

    assert response.status_code == 200
    assert (response.json()["tier"], response.json()["assigned_team"]["id"]) == (3, org["l3"].pk)


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("escalate", "customer_wants"),
        ("escalate", "mood"),
        ("return_to_owner", "answer"),
        ("resolve", "resolution"),
        ("reopen", "reason"),
    ],
)
def test_a_missing_handoff_or_reason_is_a_400(api, case, operator, supervisor, name, missing):
    if name == "return_to_owner":
        post(api, operator, case, "escalate")
        user = supervisor
    else:
        user = operator
    if name == "reopen":
        post(api, operator, case, "resolve")
    payload = {k: v for k, v in PAYLOADS[name].items() if k != missing}

    response = api(user).post(transition_url(case, name), payload, format="json")

    assert response.status_code == 400
    assert missing in response.json()["fields"]


def test_blank_handoff_text_is_refused_by_the_service_as_a_400(api, case, operator):
    response = post(api, operator, case, "escalate", tried="   ")

    assert response.status_code == 400
    assert "tried" in response.json()["fields"]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS


def test_a_transition_not_possible_in_the_current_status_is_a_409(api, case, operator):
    response = post(api, operator, case, "close")

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["status"]) == ("conflict", "in_progress")
    assert body["detail"]


def test_acting_on_a_stale_status_is_a_409(api, case, operator):
    response = post(api, operator, case, "escalate", expected_status="returned")

    assert response.status_code == 409
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS


def test_an_unknown_expected_status_is_a_400(api, case, operator):
    response = post(api, operator, case, "escalate", expected_status="flying")

    assert response.status_code == 400
    assert "expected_status" in response.json()["fields"]


def test_the_wrong_side_is_a_403_and_an_invisible_case_a_404(
    api, case, operator, supervisor, outsider
):
    assert post(api, supervisor, case, "escalate").status_code == 404  # not yet visible to L2
    post(api, operator, case, "escalate")
    forbidden = post(api, operator, case, "acknowledge")
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"
    assert post(api, outsider, case, "acknowledge").status_code == 404


def test_a_forbidden_user_gets_403_even_with_an_invalid_body(api, case, manager):
    response = api(manager).post(transition_url(case, "escalate"), {}, format="json")

    assert response.status_code == 403


def test_when_no_team_is_above_the_case_escalating_is_a_400(api, operator, l1_team, billing):
    case = make_case(owner=operator)
    services.case_start_work(case=case, actor=operator)

    response = post(api, operator, case, "escalate")

    assert response.status_code == 400
    assert response.json()["fields"]["non_field_errors"]
