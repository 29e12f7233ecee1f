"""A transition clicked in the admin writes one row per object it changes, in every history
table: one case row (with the actor and the reason), and one row for each hop and note its
service writes, never two for the same object."""

from collections import Counter

import pytest
from django.urls import reverse

from audit.registry import history_models
from tests.escalations.case_states import bring_to

ESCALATE_FORM = {
    "reason": "knowledge_gap",
    "customer_wants": "返金してほしい",
    "tried": "明細を説明した",
    "mood": "anxious",
}
# transition -> (from status, who, form, {history model: rows it writes})
RUNS = {
    "escalate": (
        "in_progress",
        "operator",
        ESCALATE_FORM,
        {"case": 1, "escalation": 1, "casenote": 1},
    ),
    "escalate_further": (
        "acknowledged",
        "supervisor",
        ESCALATE_FORM,
        {"case": 1, "escalation": 2, "casenote": 1},  # the previous hop closed, the new one
    ),
    "acknowledge": ("escalated", "supervisor", {"comment": ""}, {"case": 1, "escalation": 1}),
    "return_to_owner": (
        "escalated",  # answered without acknowledging first: still one row for the hop
        "supervisor",
        {"answer": "規約により返金不可", "reusable": "no", "not_reusable_reason": "個別対応"},
        {"case": 1, "escalation": 1, "casenote": 1},
    ),
    "resolve": ("in_progress", "operator", {"resolution": "説明済み"}, {"case": 1, "casenote": 1}),
}


def history_rows() -> Counter:
    return Counter(
        {model.instance_type._meta.model_name: model.objects.count() for model in history_models()}
    )


@pytest.mark.parametrize("name", RUNS)
def test_an_admin_transition_writes_one_row_per_object_it_changes(
    name, client, case, request, operator, supervisor
):
    state, persona, form, expected = RUNS[name]
    case = bring_to(state, case=case, operator=operator, supervisor=supervisor)
    actor = request.getfixturevalue(persona)
    before = history_rows()
    client.force_login(actor)

    response = client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, name]),
        {"expected_status": case.status, **form},
    )

    assert response.status_code == 302
    written = history_rows() - before
    assert dict(written) == expected
    row = case.history.latest()
    assert row.history_user == actor
    assert row.history_change_reason.startswith(name)
