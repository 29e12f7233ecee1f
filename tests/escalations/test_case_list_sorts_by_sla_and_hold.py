"""The case list sorts by the nearest running SLA deadline and by how long the customer has
waited on hold (cases without either last, whichever the direction), and makes the same few
queries for 1 and 50 rows whatever the sort."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from escalations import services
from escalations.models import SLATimer
from escalations.priority import Priority
from tests.factories import HANDOFF, CustomerFactory, make_case, make_sla_policy

LIST = "admin:escalations_case_changelist"
# columns: case, customer, status, priority, people, SLA, hold
SLA_COLUMN, HOLD_COLUMN = 5, 6
# (the session comes from the cache; permissions and my teams are kept per process) user,
# teams (filter), categories (filter), count, the page's ids (sorted and paged), those cases
# (customer, owner, handler; SLA due and hold annotated), the SLA calendars with their opening
# hours and days (3); no date hierarchy
QUERIES = 9
MAX_QUERIES = 15


def working(owner, **kwargs):
    return services.case_start_work(case=make_case(owner=owner, **kwargs), actor=owner)


def listed(client, query: str) -> list:
    response = client.get(reverse(LIST) + query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.fixture
def timed(org, operator):
    """Three of the operator's cases with different deadlines, and one with none (closed)."""
    make_sla_policy()
    cases = {}
    for name, impact, urgency in [("low", 3, 3), ("p1", 1, 1), ("p2", 1, 2)]:
        cases[name] = working(operator, impact=impact, urgency=urgency)
    done = working(operator)
    services.case_resolve(case=done, actor=operator, resolution="説明して納得いただいた")
    cases["none"] = done
    # deadlines follow priorities: P1 nearest
    assert [cases[n].priority for n in ("p1", "p2", "low")] == [Priority.P1, Priority.P2, 4]
    assert not SLATimer.objects.filter(case=done, stopped_at__isnull=True).exists()
    return cases


def test_sort_by_sla_puts_the_nearest_deadline_first_and_cases_without_one_last(
    client, operator, timed
):
    client.force_login(operator)

    ascending = listed(client, f"?view=all&o={SLA_COLUMN}")
    descending = listed(client, f"?view=all&o=-{SLA_COLUMN}")

    names = {case.pk: name for name, case in timed.items()}
    assert [names[c.pk] for c in ascending] == ["p1", "p2", "low", "none"]
    assert [names[c.pk] for c in descending] == ["low", "p2", "p1", "none"]


def test_the_operator_lands_on_the_nearest_deadline_first(client, operator, timed):
    client.force_login(operator)

    rows = listed(client, "")

    names = {case.pk: name for name, case in timed.items()}
    assert [names[c.pk] for c in rows] == ["p1", "p2", "low"]  # open work only


def test_the_headers_mark_the_lists_own_sort(client, org, supervisor):
    client.force_login(supervisor)

    def sorted_columns(query):
        return client.get(reverse(LIST) + query).context["cl"].get_ordering_field_columns()

    assert sorted_columns("") == {SLA_COLUMN: "asc"}  # the team's queue, nearest deadline first
    assert sorted_columns("?on_hold=mine") == {HOLD_COLUMN: "asc"}  # the longest wait first
    assert sorted_columns(f"?o=-{SLA_COLUMN}") == {SLA_COLUMN: "desc"}
    assert sorted_columns("?view=all") == {0: "desc"}  # the newest first


def test_sort_by_hold_puts_the_longest_wait_first_and_cases_not_on_hold_last(
    client, org, operator, supervisor
):
    start = timezone.now()
    cases = [working(operator) for _ in range(3)]
    for minutes, case in zip([0, 5], cases[:2], strict=True):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            services.case_escalate(
                case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF, on_hold=True
            )
    client.force_login(supervisor)

    longest_first = listed(client, f"?view=all&o={HOLD_COLUMN}")
    shortest_first = listed(client, f"?view=all&o=-{HOLD_COLUMN}")

    assert [c.pk for c in longest_first] == [cases[0].pk, cases[1].pk]  # the team's cases
    assert [c.pk for c in shortest_first] == [cases[1].pk, cases[0].pk]
    client.force_login(operator)
    assert [c.pk for c in listed(client, f"?view=all&o={HOLD_COLUMN}")] == [
        cases[0].pk,
        cases[1].pk,
        cases[2].pk,
    ]


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("query", ["", f"?o={SLA_COLUMN}", f"?o=-{HOLD_COLUMN}", "?view=all"])
def test_the_list_makes_the_same_queries_for_1_and_50_rows_whatever_the_sort(
    rows, query, client, org, operator, django_assert_num_queries
):
    make_sla_policy()
    for _ in range(rows):
        case = working(operator, customer=CustomerFactory())
        services.case_escalate(
            case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF, on_hold=True
        )
    client.force_login(operator)
    url = reverse(LIST) + query
    client.get(url)  # warm the process-wide caches (content types), as in production

    with django_assert_num_queries(QUERIES):
        response = client.get(url)

    assert QUERIES <= MAX_QUERIES
    assert len(response.context["cl"].result_list) == rows
    assert b"sla-badge" in response.content and b"hold-badge" in response.content
