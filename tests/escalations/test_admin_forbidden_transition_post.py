"""A hand-made POST to the admin's transition URL is checked like any other call."""

import pytest
from django.contrib.messages import ERROR, get_messages
from django.urls import reverse

from escalations import services
from escalations.models import Case, CaseNote, CaseStatus, Escalation
from tests.factories import HANDOFF

ESCALATE_FORM = {
    "reason": "knowledge_gap",
    "customer_wants": "返金してほしい",
    "tried": "明細を説明した",
    "mood": "angry",
}


def transition_url(case, name):
    return reverse("admin:escalations_case_transition", args=[case.pk, name])


def post(client, user, case, name, **data):
    client.force_login(user)
    return client.post(transition_url(case, name), data)


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        case.tier,
        case.assigned_team_id,
        case.handler_id,
        case.history.count(),
        Escalation.objects.filter(case=case).count(),
        CaseNote.objects.filter(case=case).count(),
    )


@pytest.fixture
def escalated(case, operator):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    return case


def test_the_owner_posting_acknowledge_on_their_escalated_case_is_forbidden(
    client, escalated, operator
):
    before = snapshot(escalated)

    response = post(client, operator, escalated, "acknowledge", expected_status="escalated")

    assert response.status_code == 403
    assert snapshot(escalated) == before


def test_the_owner_posting_escalate_on_an_escalated_case_is_forbidden(client, escalated, operator):
    """``escalate`` on an escalated case runs ``escalate_further``, which is the L2 team's."""
    before = snapshot(escalated)

    response = post(
        client, operator, escalated, "escalate", expected_status="escalated", **ESCALATE_FORM
    )

    assert response.status_code == 403
    assert snapshot(escalated) == before


def test_an_outsider_posting_escalate_on_an_invisible_case_gets_404(client, case, outsider):
    before = snapshot(case)

    response = post(
        client, outsider, case, "escalate", expected_status="in_progress", **ESCALATE_FORM
    )

    assert response.status_code == 404
    assert snapshot(case) == before


def test_the_manager_posting_any_transition_is_forbidden(client, case, manager):
    before = snapshot(case)

    for name in ["resolve", "wait_for_customer", "escalate"]:
        response = post(
            client,
            manager,
            case,
            name,
            expected_status="in_progress",
            resolution="x",
            **ESCALATE_FORM,
        )
        assert response.status_code == 403, name

    assert snapshot(case) == before


def test_a_supervisor_posting_an_owner_transition_is_forbidden(client, escalated, supervisor):
    """The case is visible to the L2 team, but resolving it is the owner's side."""
    services.case_acknowledge(case=escalated, actor=supervisor)
    services.case_return_to_owner(case=escalated, actor=supervisor, answer="回答")
    before = snapshot(escalated)

    response = post(
        client, supervisor, escalated, "resolve", expected_status="returned", resolution="x"
    )

    assert response.status_code == 403
    assert snapshot(escalated) == before


@pytest.mark.parametrize("name", ["delete", "save", "_route", "status", "do_anything"])
def test_an_unknown_transition_name_is_forbidden(client, case, operator, name):
    before = snapshot(case)

    response = post(client, operator, case, name, expected_status="in_progress")

    assert response.status_code == 403
    assert snapshot(case) == before


def test_the_allowed_post_runs_the_transition_and_redirects_to_the_case(
    client, case, operator, org
):
    before = snapshot(case)

    response = post(
        client, operator, case, "escalate", expected_status="in_progress", **ESCALATE_FORM
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:escalations_case_change", args=[case.pk])
    case.refresh_from_db()
    assert (case.status, case.tier, case.assigned_team) == (CaseStatus.ESCALATED, 2, org["l2"])
    assert case.history.count() == before[4] + 1
    assert Escalation.objects.filter(case=case).count() == 1


def test_a_stale_form_is_refused_with_a_message_and_changes_nothing(client, case, operator):
    """The owner opened the resolve page while the case was new; it is in progress now."""
    before = snapshot(case)

    response = post(client, operator, case, "resolve", expected_status="new", resolution="解決")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:escalations_case_change", args=[case.pk])
    errors = [m for m in get_messages(response.wsgi_request) if m.level == ERROR]
    assert len(errors) == 1
    assert snapshot(case) == before


def test_a_post_for_a_status_the_transition_does_not_apply_to_is_refused(client, case, operator):
    before = snapshot(case)

    response = post(client, operator, case, "close", expected_status="in_progress")

    assert response.status_code == 302
    errors = [m for m in get_messages(response.wsgi_request) if m.level == ERROR]
    assert len(errors) == 1
    assert snapshot(case) == before


def test_an_invalid_form_is_shown_again_with_errors_and_changes_nothing(client, case, operator):
    before = snapshot(case)

    response = post(client, operator, case, "escalate", expected_status="in_progress")

    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"reason", "customer_wants", "tried", "mood"}
    assert snapshot(case) == before


def test_a_get_shows_the_form_only_to_whoever_may_run_it(client, escalated, operator, supervisor):
    client.force_login(operator)
    assert client.get(transition_url(escalated, "acknowledge")).status_code == 403

    client.force_login(supervisor)
    response = client.get(transition_url(escalated, "acknowledge"))
    assert response.status_code == 200
    assert response.context["form"].initial == {"expected_status": "escalated"}
