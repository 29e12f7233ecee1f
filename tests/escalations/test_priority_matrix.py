"""Priority is impact x urgency through the matrix, and nobody sets it by hand."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from escalations import services
from escalations.forms import CaseForm
from escalations.priority import Impact, Priority, Urgency, priority_for
from tests.factories import make_case

H, M, L = 1, 2, 3

# impact -> (urgency high, medium, low), written out by hand from the matrix we agreed on
EXPECTED = {
    H: (Priority.P1, Priority.P2, Priority.P3),
    M: (Priority.P2, Priority.P3, Priority.P4),
    L: (Priority.P3, Priority.P4, Priority.P4),
}
CELLS = [
    pytest.param(
        impact, urgency, EXPECTED[impact][urgency - 1], id=f"impact{impact}-urgency{urgency}"
    )
    for impact in (H, M, L)
    for urgency in (H, M, L)
]


@pytest.mark.parametrize(("impact", "urgency", "expected"), CELLS)
def test_each_cell_of_the_matrix(impact, urgency, expected):
    assert priority_for(impact, urgency) == expected


def test_the_matrix_covers_every_impact_and_urgency():
    found = {priority_for(i, u) for i in Impact.values for u in Urgency.values}
    assert found == set(Priority)


@pytest.mark.parametrize(("impact", "urgency"), [(0, 1), (1, 0), (4, 1), (1, 4), (None, 1)])
def test_a_level_outside_the_scale_is_refused(impact, urgency):
    with pytest.raises(ValueError):
        priority_for(impact, urgency)


levels = st.sampled_from([H, M, L])


@given(impact=levels, urgency=levels, lower_impact=levels, lower_urgency=levels)
def test_lowering_impact_or_urgency_never_raises_the_priority(
    impact, urgency, lower_impact, lower_urgency
):
    """Higher numbers are lower levels and lower priorities: the matrix is monotonic."""
    lower_impact = max(impact, lower_impact)
    lower_urgency = max(urgency, lower_urgency)

    assert priority_for(lower_impact, lower_urgency) >= priority_for(impact, urgency)


@given(impact=levels, urgency=levels)
def test_the_highest_levels_give_p1_only_together(impact, urgency):
    assert (priority_for(impact, urgency) == Priority.P1) == (impact == urgency == H)


@pytest.mark.parametrize(("impact", "urgency", "expected"), CELLS)
def test_a_new_case_gets_the_priority_of_its_impact_and_urgency(
    impact, urgency, expected, org, operator
):
    case = make_case(owner=operator, impact=impact, urgency=urgency)

    case.refresh_from_db()
    assert case.priority == expected


def test_editing_impact_recomputes_the_priority(case, operator):
    assert case.priority == Priority.P2  # medium impact, high urgency

    services.case_update(case=case, actor=operator, impact=Impact.HIGH)

    case.refresh_from_db()
    assert case.priority == Priority.P1
    assert case.history.latest().history_change_reason == "edit: impact, priority"


def test_editing_urgency_within_the_same_priority_leaves_it(org, operator):
    case = make_case(owner=operator, impact=Impact.LOW, urgency=Urgency.MEDIUM)

    services.case_update(case=case, actor=operator, urgency=Urgency.LOW)

    case.refresh_from_db()
    assert case.priority == Priority.P4
    assert case.history.latest().history_change_reason == "edit: urgency"


def test_priority_cannot_be_edited_through_the_service(case, operator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.case_update(case=case, actor=operator, priority=Priority.P1)

    case.refresh_from_db()
    assert case.priority == Priority.P2


def test_priority_is_not_a_field_of_the_case_form():
    assert "priority" not in CaseForm.base_fields


def test_the_admin_shows_priority_read_only_and_ignores_a_posted_one(client, case, operator):
    client.force_login(operator)
    url = reverse("admin:escalations_case_change", args=[case.pk])

    page = client.get(url)
    assert "priority" not in page.context["adminform"].form.fields
    assert "priority" in page.context["adminform"].readonly_fields

    response = client.post(
        url,
        {
            "customer": case.customer_id,
            "category": case.category_id,
            "subject": case.subject,
            "description": case.description,
            "channel": case.channel,
            "impact": Impact.LOW,
            "urgency": case.urgency,
            "priority": Priority.P1,
        },
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.impact, case.priority) == (Impact.LOW, Priority.P3)
