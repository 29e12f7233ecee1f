"""The dashboard admin page: who sees it and which figures, its filters (bad input gives a
message, never an error page), SVG charts with their tables, and a constant query count."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.offline import loads_from_elsewhere
from tests.reports.conftest import DAY, START, at, escalated_case

URL = "/admin/reports/dashboard/"
DAY_QUERY = {"start": DAY.isoformat(), "end": DAY.isoformat()}


def get(client, user, params=None):
    client.force_login(user)
    with at(60 * 3):  # 13:00 on DAY
        return client.get(URL, params or DAY_QUERY, HTTP_ACCEPT_LANGUAGE="en")


def test_the_url_is_the_admin_one():
    assert reverse("admin:reports_dashboard") == URL


def test_the_manager_sees_every_figure_and_per_person_ones(client, manager, world):
    response = get(client, manager)
    assert response.status_code == 200
    html = response.content.decode()
    for key in (
        "escalations_by_reason",
        "escalations_by_category",
        "escalated_with_suggestion",
        "solved_at_l1",
        "open_cases",
        "sla_now",
        "sla_compliance_priority",
        "sla_compliance_tier",
        "durations",
        "escalations_per_operator",
        "answers_per_handler",
    ):
        assert f'id="report-{key}"' in html
    assert "<svg" in html and not loads_from_elsewhere(html)
    # Reasons come before everything else (blameless by default), per person last.
    assert html.index("report-escalations_by_reason") < html.index("report-open_cases")
    assert html.index("report-durations") < html.index("report-escalations_per_operator")
    assert "佐藤 一郎" in html  # the operator's escalations


def test_without_filters_the_last_30_days_of_every_team(client, manager, world):
    client.force_login(manager)
    with at(60 * 3):
        response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    filters = response.context["filters"]
    assert (filters.start, filters.end, filters.team) == (DAY - dt.timedelta(days=29), DAY, None)
    reports = {r.key: r for r in response.context["reports"]}
    assert reports["escalations_by_reason"].rows == [["2026-06-08", 1, 1, 2]]


def test_the_supervisor_sees_the_dashboard_without_per_person_figures(client, supervisor, world):
    html = get(client, supervisor).content.decode()
    assert 'id="report-escalations_by_reason"' in html
    assert "report-escalations_per_operator" not in html
    assert "report-answers_per_handler" not in html
    assert "佐藤 一郎" not in html


@pytest.mark.parametrize("persona", ["operator", "specialist"])
def test_operators_and_specialists_may_not_see_it(client, persona, request, world):
    response = get(client, request.getfixturevalue(persona))
    assert response.status_code == 403


def test_the_index_links_the_dashboard_for_managers_only(client, manager, operator):
    client.force_login(manager)
    assert URL in client.get("/admin/").content.decode()
    client.force_login(operator)
    assert URL not in client.get("/admin/").content.decode()


def test_at_risk_and_breached_link_to_the_case_list_filters(client, manager, world):
    html = get(client, manager).content.decode()
    changelist = reverse("admin:escalations_case_changelist")
    assert f'href="{changelist}?sla=at_risk"' in html
    assert f'href="{changelist}?sla=breached"' in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2026-13-40"}, "Enter a valid date."),
        ({"start": "2026-06-09", "end": "2026-06-01"}, "must not be after"),
        ({"start": "2020-01-01", "end": "2026-06-01"}, "at most 366 days"),
        ({"team": "abc"}, "Select a valid choice"),
        ({"team": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_filters_give_a_message_and_the_defaults(client, manager, params, message):
    response = get(client, manager, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["filters"].start == DAY - dt.timedelta(days=29)


def test_the_team_filter_narrows_the_figures(client, manager, world, other_l1_team):
    response = get(client, manager, {**DAY_QUERY, "team": other_l1_team.pk})
    reports = {r.key: r for r in response.context["reports"]}
    assert reports["open_cases"].rows == []
    assert reports["escalations_by_reason"].rows == []


def test_japanese_page(client, manager, world):
    client.force_login(manager)
    with at(60 * 3):
        html = client.get(URL, DAY_QUERY, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "マネージャーダッシュボード" in html
    assert "知識不足" in html  # the reason knowledge_gap


def _count(client, user) -> int:
    client.force_login(user)
    with at(60 * 3), CaptureQueriesContext(connection) as queries:
        assert client.get(URL, DAY_QUERY).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_data(
    client, manager, world, operator, supervisor, billing, article
):
    _count(client, manager)  # warm the process-wide caches (permissions, rotations)
    small = _count(client, manager)
    for minutes in (100, 200, 300, 400):
        escalated_case(
            owner=operator,
            supervisor=supervisor,
            billing=billing,
            reason="other",
            escalate_at=minutes + 10,
            ack_at=minutes + 20,
            answer_at=minutes + 30,
            suggest_at=minutes + 8,
            article=article,
            base=START + dt.timedelta(minutes=0),
        )
    assert _count(client, manager) == small
