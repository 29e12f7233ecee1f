"""Each role lands on its own queue: operators on their open work, supervisors and specialists
on what waits for their team, managers on everything. The other filters stay available, an
explicit filter or search in the URL wins, and "everything" is one click away."""

import pytest
from django.urls import reverse

from escalations import services
from tests.factories import HANDOFF, make_case

LIST = "admin:escalations_case_changelist"


def listed(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse(LIST) + query)
    assert response.status_code == 200
    return response, {case.reference for case in response.context["cl"].result_list}


@pytest.fixture
def cases(org, operator, colleague, supervisor):
    def working(owner):
        return services.case_start_work(case=make_case(owner=owner), actor=owner)

    own = working(operator)
    done = working(operator)
    services.case_resolve(case=done, actor=operator, resolution="説明して解決")
    colleagues = working(colleague)
    escalated = working(operator)
    services.case_escalate(case=escalated, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    answered = working(colleague)
    services.case_escalate(case=answered, actor=colleague, reason="knowledge_gap", handoff=HANDOFF)
    services.case_acknowledge(case=answered, actor=supervisor)
    services.case_return_to_owner(case=answered, actor=supervisor, answer="返金できます")
    return {
        "own": own,
        "done": done,
        "colleagues": colleagues,
        "escalated": escalated,
        "answered": answered,
    }


def refs(cases, *names):
    return {cases[name].reference for name in names}


def test_the_operator_lands_on_their_own_open_work(client, cases, operator):
    response, rows = listed(client, operator)

    assert rows == refs(cases, "own", "escalated")  # not resolved, not the colleague's
    view = response.context["cl"].get_filters(response.wsgi_request)[0][0]
    assert view.value() == "mine"


def test_the_supervisor_lands_on_what_waits_for_their_team(client, cases, supervisor):
    _response, rows = listed(client, supervisor)

    assert rows == refs(cases, "escalated")  # the answered one no longer waits


def test_the_specialist_lands_on_what_waits_for_their_team(client, cases, specialist):
    assert listed(client, specialist)[1] == set()


def test_the_manager_lands_on_everything(client, cases, manager):
    assert listed(client, manager)[1] == refs(cases, *cases)


def test_an_explicit_filter_or_search_wins_over_the_default(client, cases, operator):
    assert listed(client, operator, "?status__exact=returned")[1] == refs(cases, "answered")
    assert listed(client, operator, "?mine=owner")[1] == refs(cases, "own", "done", "escalated")
    assert listed(client, operator, f"?q={cases['colleagues'].reference}")[1] == refs(
        cases, "colleagues"
    )


def test_sorting_or_paging_keeps_the_default(client, cases, operator):
    assert listed(client, operator, "?o=5")[1] == refs(cases, "own", "escalated")


def test_everything_and_the_other_views_are_one_click_away(client, cases, operator, supervisor):
    response, _rows = listed(client, operator)
    body = response.content.decode()
    assert "?view=all" in body and "?view=mine" in body
    assert "?view=team" not in body  # operators have no team queue to acknowledge

    assert listed(client, operator, "?view=all")[1] == refs(cases, *cases)
    assert listed(client, supervisor, "?view=mine")[1] == set()
    assert listed(client, supervisor, "?view=all")[1] == refs(cases, "escalated", "answered")
