"""The admin's case pages make a fixed number of queries, however many rows they show."""

import pytest
from django.urls import reverse

from escalations import services
from tests.factories import HANDOFF, CustomerFactory, make_case

# The session comes from the cache (cached_db sessions, for the bell's poll): no query; the
# user's permissions and teams from the process's copy (accounts.backends, accounts.memberships;
# issue 18: 3 queries fewer on every page). user, teams (filter), categories (filter),
# count, the page's ids (sorted, paged), those cases with their customer/owner/handler (no date
# hierarchy: its min/max scanned most of the table at 1,000,000 cases, bench/case_list.py)
CHANGELIST_QUERIES = 6
# user, the case (for the actions), its SLA timers,
# the case (the form), its customer and category (autocomplete widgets), its SLA events, its
# hops, its notes, its history rows (the timeline's transitions)
# + the case's callbacks (issue 8) + the case's open nudge (the header, issue 20); the escalation
# rules (the header's escalate panel, issue 17) are the process's copy since issue 18's third
# pass (escalations.selectors.ROUTING): 13 -> 12
CHANGE_PAGE_QUERIES = 12


def open_cases(count, *, owners):
    for i in range(count):
        make_case(owner=owners[i % len(owners)], customer=CustomerFactory())


def changelist_queries(client, user, django_assert_num_queries, expected_rows, extra=0):
    client.force_login(user)
    # every case the user may see (an operator lands on their own open work by default)
    url = reverse("admin:escalations_case_changelist") + "?view=all"
    client.get(url)  # warm the process-wide caches (content types), as in production

    with django_assert_num_queries(CHANGELIST_QUERIES + extra):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == expected_rows


@pytest.mark.parametrize("count", [5, 100])
def test_the_manager_case_list_makes_the_same_queries_for_5_and_100_cases(
    count, client, org, operator, colleague, outsider, manager, django_assert_num_queries
):
    open_cases(count, owners=[operator, colleague, outsider])

    # + the SLA clock banner's status (ops: one query, for managers and administrators)
    changelist_queries(client, manager, django_assert_num_queries, expected_rows=count, extra=1)


@pytest.mark.parametrize("count", [5, 100])
def test_the_operator_case_list_makes_the_same_queries_for_5_and_100_cases(
    count, client, org, operator, colleague, outsider, django_assert_num_queries
):
    open_cases(count, owners=[operator, colleague])
    open_cases(3, owners=[outsider])

    changelist_queries(client, operator, django_assert_num_queries, expected_rows=count)


@pytest.mark.parametrize("hops", [1, 10])
def test_the_case_page_makes_the_same_queries_for_1_and_10_notes_and_hops(
    hops, client, case, operator, supervisor, django_assert_num_queries
):
    for i in range(hops):
        services.case_add_note(case=case, actor=operator, kind="call_log", body=f"{i}回目の電話")
        services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
        services.case_acknowledge(case=case, actor=supervisor)
        services.case_return_to_owner(case=case, actor=supervisor, answer=f"{i}回目の回答")
    assert case.escalations.count() == hops
    client.force_login(operator)
    url = reverse("admin:escalations_case_change", args=[case.pk])
    client.get(url)  # warm the process-wide caches (content types), as in production

    with django_assert_num_queries(CHANGE_PAGE_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["hops"]) == hops
    # opened, started; then per hop: call log, escalation (with its handoff and hop), acknowledged,
    # answered (with the answer)
    assert len(response.context["timeline"]) == 2 + 4 * hops
