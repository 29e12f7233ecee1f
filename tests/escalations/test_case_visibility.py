"""Who sees which cases: in the selector, in the admin's list, filters and search, and on the
case's own pages."""

import pytest
from django.urls import reverse

from escalations import policy, services
from escalations.selectors import case_is_visible_to, cases_visible_to
from tests.factories import HANDOFF, CustomerFactory, make_case


@pytest.fixture
def cases(case, operator, colleague, outsider, supervisor):
    """One case per situation, by name."""
    colleagues = make_case(owner=colleague, subject="同僚のケース")
    outsiders = make_case(owner=outsider, subject="他チームのケース")
    at_l2 = make_case(owner=colleague, subject="SVに上げたケース")
    services.case_start_work(case=at_l2, actor=colleague)
    services.case_escalate(case=at_l2, actor=colleague, reason="complaint", handoff=HANDOFF)
    at_l3 = make_case(owner=outsider, subject="技術まで上がったケース")
    services.case_start_work(case=at_l3, actor=outsider)
    services.case_escalate(case=at_l3, actor=outsider, reason="knowledge_gap", handoff=HANDOFF)
    services.case_acknowledge(case=at_l3, actor=supervisor)
    services.case_escalate(case=at_l3, actor=supervisor, reason="technical_fault", handoff=HANDOFF)
    return {
        "own": case,
        "colleagues": colleagues,
        "outsiders": outsiders,
        "at_l2": at_l2,
        "at_l3": at_l3,
    }


def visible(user, cases):
    names = {case.pk: name for name, case in cases.items()}
    return {names[pk] for pk in cases_visible_to(user).values_list("pk", flat=True)}


def listed(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("admin:escalations_case_changelist") + query)
    assert response.status_code == 200
    return {case.reference for case in response.context["cl"].result_list}


def refs(cases, *names):
    return {cases[name].reference for name in names}


def test_an_operator_sees_their_own_and_their_teams_cases(operator, cases):
    assert visible(operator, cases) == {"own", "colleagues", "at_l2"}


def test_an_operator_of_another_team_sees_only_their_teams_cases(outsider, cases):
    assert visible(outsider, cases) == {"outsiders", "at_l3"}


def test_a_supervisor_sees_what_was_escalated_to_their_team_even_after_it_went_further(
    supervisor, cases
):
    assert visible(supervisor, cases) == {"at_l2", "at_l3"}


def test_a_specialist_sees_only_what_reached_their_team(specialist, cases):
    assert visible(specialist, cases) == {"at_l3"}


def test_a_supervisor_still_sees_a_case_after_answering_it(supervisor, cases):
    services.case_acknowledge(case=cases["at_l2"], actor=supervisor)
    services.case_return_to_owner(case=cases["at_l2"], actor=supervisor, answer="返金します")

    assert case_is_visible_to(cases["at_l2"], supervisor)


def test_a_manager_sees_everything(manager, cases):
    assert visible(manager, cases) == set(cases)


def test_a_manager_may_run_no_transition(manager, cases):
    for case in cases.values():
        for name in policy.RULES:
            assert not policy.allows(name, case, manager), name
        assert list(case.get_available_user_status_transitions(manager)) == []


def test_the_admin_list_shows_each_persona_what_they_may_see(
    client, cases, operator, outsider, supervisor, specialist, manager
):
    # everything they may see (each role lands on its own queue view by default)
    everything = "?view=all"
    assert listed(client, operator, everything) == refs(cases, "own", "colleagues", "at_l2")
    assert listed(client, outsider, everything) == refs(cases, "outsiders", "at_l3")
    assert listed(client, supervisor, everything) == refs(cases, "at_l2", "at_l3")
    assert listed(client, specialist, everything) == refs(cases, "at_l3")
    assert listed(client, manager, everything) == refs(cases, *cases)


def test_the_managers_case_page_shows_no_action(client, cases, manager):
    client.force_login(manager)

    response = client.get(reverse("admin:escalations_case_change", args=[cases["own"].pk]))

    assert response.status_code == 200
    assert response.context["case_actions"] == []
    assert response.context["note_url"] == ""


def test_the_owners_case_page_shows_the_owners_actions(client, cases, operator):
    client.force_login(operator)

    response = client.get(reverse("admin:escalations_case_change", args=[cases["own"].pk]))

    actions = {action["name"] for action in response.context["case_actions"]}
    assert actions == {"escalate", "wait_for_customer", "resolve"}


def test_an_invisible_case_page_is_refused_as_if_the_case_did_not_exist(client, cases, outsider):
    """A missing case is 404 (``kit.admin.VisibleHistoryAdmin``: not Django's redirect to the
    index); an invisible case must get exactly that answer, without its data."""
    client.force_login(outsider)
    invisible = cases["own"]
    missing_pk = max(case.pk for case in cases.values()) + 1000

    response = client.get(reverse("admin:escalations_case_change", args=[invisible.pk]))
    missing = client.get(reverse("admin:escalations_case_change", args=[missing_pk]))

    assert response.status_code == missing.status_code == 404
    assert invisible.subject not in response.content.decode()


@pytest.mark.parametrize("page", ["history", "transition", "note"])
def test_the_other_pages_of_an_invisible_case_are_404(client, cases, outsider, page):
    invisible = cases["own"]
    client.force_login(outsider)
    url = {
        "history": reverse("admin:escalations_case_history", args=[invisible.pk]),
        "transition": reverse("admin:escalations_case_transition", args=[invisible.pk, "resolve"]),
        "note": reverse("admin:escalations_case_note", args=[invisible.pk]),
    }[page]

    response = client.get(url)

    assert response.status_code == 404
    assert invisible.subject not in response.content.decode()


def test_a_past_version_of_an_invisible_case_is_404(client, cases, outsider):
    invisible = cases["own"]
    version = invisible.history.earliest()
    client.force_login(outsider)

    response = client.get(
        reverse("admin:escalations_case_simple_history", args=[invisible.pk, version.history_id])
    )

    assert response.status_code == 404
    assert invisible.subject not in response.content.decode()


def test_the_owner_and_the_manager_see_the_history_of_a_case(client, cases, operator, manager):
    own = cases["own"]
    version = own.history.earliest()
    for user in (operator, manager):
        client.force_login(user)
        history = client.get(reverse("admin:escalations_case_history", args=[own.pk]))
        past = client.get(
            reverse("admin:escalations_case_simple_history", args=[own.pk, version.history_id])
        )
        assert (history.status_code, past.status_code) == (200, 200), user
        assert own.subject in past.content.decode()


def test_the_hops_of_an_invisible_case_are_404(client, cases, operator):
    hop = cases["at_l3"].escalations.get(number=1)
    client.force_login(operator)

    change = client.get(reverse("admin:escalations_escalation_change", args=[hop.pk]))
    history = client.get(reverse("admin:escalations_escalation_history", args=[hop.pk]))
    version = client.get(
        reverse(
            "admin:escalations_escalation_simple_history",
            args=[hop.pk, hop.history.earliest().history_id],
        )
    )

    assert change.status_code == 404
    assert (history.status_code, version.status_code) == (404, 404)
    for response in (history, version):
        assert hop.customer_wants not in response.content.decode()


def test_the_my_cases_filter_shows_what_i_own_or_handle(client, cases, operator, supervisor):
    services.case_acknowledge(case=cases["at_l2"], actor=supervisor)

    assert listed(client, operator, "?mine=owner") == refs(cases, "own")
    assert listed(client, operator, "?mine=handler") == refs(cases, "own")
    assert listed(client, supervisor, "?mine=owner") == set()
    assert listed(client, supervisor, "?mine=handler") == refs(cases, "at_l2")


def test_the_escalated_to_my_team_filter_shows_my_teams_open_escalations(
    client, cases, supervisor, specialist, operator
):
    assert listed(client, supervisor, "?to_my_team=open") == refs(cases, "at_l2")
    assert listed(client, supervisor, "?to_my_team=all") == refs(cases, "at_l2", "at_l3")
    assert listed(client, specialist, "?to_my_team=open") == refs(cases, "at_l3")
    assert listed(client, operator, "?to_my_team=open") == set()

    services.case_return_to_owner(case=cases["at_l2"], actor=supervisor, answer="返金します")
    assert listed(client, supervisor, "?to_my_team=open") == set()
    assert listed(client, supervisor, "?to_my_team=all") == refs(cases, "at_l2", "at_l3")


@pytest.fixture
def findable(org, operator):
    """Two of the operator's cases with distinct customers."""
    yamada = CustomerFactory(name="山田 花子", furigana="やまだ はなこ", phone="090-1111-2222")
    kimura = CustomerFactory(name="木村 拓也", furigana="きむら たくや", phone="03-9999-0000")
    return {
        "yamada": make_case(owner=operator, customer=yamada),
        "kimura": make_case(owner=operator, customer=kimura),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("山田 花子", "yamada"),
        ("木村", "kimura"),
        ("きむら", "kimura"),
        ("やまだ はなこ", "yamada"),
        ("090-1111-2222", "yamada"),
        ("9999", "kimura"),
    ],
)
def test_search_finds_cases_by_customer_name_furigana_and_phone(
    client, findable, operator, q, expected
):
    assert listed(client, operator, f"?q={q}") == {findable[expected].reference}


def test_search_finds_a_case_by_reference(client, findable, operator):
    reference = findable["kimura"].reference

    assert listed(client, operator, f"?q={reference}") == {reference}


def test_search_does_not_reach_invisible_cases(client, findable, outsider):
    assert listed(client, outsider, "?q=山田") == set()
