"""Each transition run from the admin writes exactly one Case history row, by the actor, with
the transition's name as the change reason."""

import pytest
from django.urls import reverse

from escalations.models import Case
from tests.escalations.case_states import bring_to

ESCALATE_FORM = {
    "reason": "knowledge_gap",
    "customer_wants": "返金してほしい",
    "tried": "明細を説明した",
    "mood": "anxious",
}

# transition -> (status it runs from, who runs it, the form)
RUNS = {
    "start_work": ("new", "operator", {"comment": ""}),
    "escalate": ("in_progress", "colleague", ESCALATE_FORM),
    "escalate_further": ("acknowledged", "supervisor", ESCALATE_FORM),
    "acknowledge": ("escalated", "supervisor", {"comment": "対応します"}),
    "return_to_owner": (
        "acknowledged",
        "supervisor",
        {"answer": "規約により返金不可", "reusable": "no", "not_reusable_reason": "個別"},
    ),
    "wait_for_customer": ("in_progress", "operator", {"comment": "折り返し待ち"}),
    "resume": ("pending_customer", "colleague", {"comment": ""}),
    "resolve": ("in_progress", "operator", {"resolution": "説明して了承を得た"}),
    "close": ("resolved", "operator", {"comment": ""}),
    "reopen": ("resolved", "colleague", {"reason": "再度の問い合わせ"}),
}


@pytest.mark.parametrize("name", RUNS)
def test_each_admin_transition_writes_one_history_row_by_the_actor(
    name, client, case, request, operator, supervisor
):
    state, persona, form = RUNS[name]
    case = bring_to(state, case=case, operator=operator, supervisor=supervisor)
    actor = request.getfixturevalue(persona)
    rows_before = set(case.history.values_list("history_id", flat=True))
    client.force_login(actor)

    response = client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, name]),
        {"expected_status": case.status, **form},
    )

    assert response.status_code == 302
    new_rows = Case.history.filter(id=case.pk).exclude(history_id__in=rows_before)
    assert new_rows.count() == 1
    row = new_rows.get()
    assert row.history_user == actor
    assert row.history_change_reason.startswith(name)
    assert row.history_type == "~"
    case.refresh_from_db()
    assert row.status == case.status


def test_the_reason_carries_the_comment_after_the_name(client, case, operator):
    client.force_login(operator)

    client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, "wait_for_customer"]),
        {"expected_status": "in_progress", "comment": "明日折り返し"},
    )

    assert case.history.latest().history_change_reason == "wait_for_customer: 明日折り返し"


def test_a_refused_post_writes_no_history_row(client, case, operator, supervisor):
    rows = case.history.count()

    client.force_login(supervisor)
    client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, "resolve"]),
        {"expected_status": "in_progress", "resolution": "x"},
    )
    client.force_login(operator)
    client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, "close"]),
        {"expected_status": "in_progress"},
    )

    assert case.history.count() == rows
