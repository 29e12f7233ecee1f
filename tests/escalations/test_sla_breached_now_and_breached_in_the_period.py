"""Two different questions, each labelled with what it counts: "breached now" (a running timer
is past its deadline) and "SLA breach recorded in the period" (a breach event, notified once,
whatever happened to the case since). A breach that escalated the case automatically is gone
from the first and stays in the second; the case list, the case page and the dashboard agree
with the breach events.

24/7 policy: the L2 hop must be acknowledged within 15 min. G is escalated to L2 at +10 and
never acknowledged; the sweep at +25 records the breach and escalates G to L3. K is never
taken: at +31 its first response (30 min) is past its deadline, not yet swept."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from escalations import services
from escalations.models import Level, SLAEvent
from escalations.services.sla_sweep import sla_sweep
from tests.escalations.test_admin_case_list_queries import CHANGELIST_QUERIES
from tests.factories import HANDOFF, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
DAY = "2026-06-08"
LIST = reverse("admin:escalations_case_changelist")


def at(minutes: int):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


@pytest.fixture
def breached_and_escalated(org, operator, billing):
    make_sla_policy()
    with at(0):
        g = make_case(owner=operator, category=billing, subject="G 返金の可否")
        make_case(owner=operator, category=billing, subject="K 住所変更")
    with at(5):
        services.case_start_work(case=g, actor=operator)
    with at(10):
        services.case_escalate(case=g, actor=operator, reason="other", handoff=HANDOFF)
    with at(25):
        assert sla_sweep().escalated == 1
    return g


def listed(client, query: dict) -> list[str]:
    with at(31):
        response = client.get(LIST, query)
    assert response.status_code == 200, response
    return [case.subject for case in response.context["cl"].result_list]


def test_the_case_list_filters_both_and_says_what_each_counts(
    client, manager, breached_and_escalated
):
    client.force_login(manager)
    assert SLAEvent.objects.filter(level=Level.BREACH).count() == 1

    # G's L3 hop runs, not past its deadline; K, never taken, is past its first response
    # deadline (+30) and the sweep has not recorded that breach yet
    assert listed(client, {"sla": "breached"}) == ["K 住所変更"]
    assert listed(client, {"sla_breached_from": DAY, "sla_breached_to": DAY}) == ["G 返金の可否"]
    assert listed(client, {"sla_breached_from": "2026-06-09"}) == []
    assert listed(client, {"sla_breached_to": "2026-06-07"}) == []

    with at(31):
        page = client.get(LIST).content.decode()
    assert "現在SLA超過中（計測中のタイマーが期限切れ）" in page
    assert "期間内にSLA超過が記録された案件" in page
    assert "sla_breached_from=2026-06-02&amp;sla_breached_to=2026-06-08" in page  # last 7 days


def test_the_filtered_case_list_makes_the_usual_number_of_queries(
    client, manager, breached_and_escalated, django_assert_num_queries
):
    client.force_login(manager)
    query = {"sla_breached_from": DAY, "sla_breached_to": DAY}
    listed(client, query)  # warm the process-wide caches
    # the usual ones, plus the calendar, its hours and its days for the rows' SLA badges, and
    # the SLA clock banner a manager sees (ops)
    with django_assert_num_queries(CHANGELIST_QUERIES + 3 + 1):
        assert listed(client, query) == ["G 返金の可否"]


@pytest.mark.parametrize(
    "query",
    [
        {"sla_breached_from": "2026-13-01"},
        {"sla_breached_to": "yesterday"},
        {"sla_breached_from": "2026-06-09", "sla_breached_to": "2026-06-08"},
    ],
)
def test_a_bad_date_is_the_admins_invalid_filter_page_not_an_error(
    client, manager, breached_and_escalated, query
):
    client.force_login(manager)
    response = client.get(LIST, query)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_case_page_shows_the_answer_timer_superseded(client, manager, breached_and_escalated):
    client.force_login(manager)
    with at(31):
        page = client.get(
            reverse("admin:escalations_case_change", args=[breached_and_escalated.pk])
        ).content.decode()
    # L2: acknowledgement missed (breached), answer superseded; the first response met
    assert page.count("引き継ぎにより終了（期限前に次の階層へ）") == 1
    assert page.count('class="sla-outcome sla-outcome-missed"') == 1
    assert page.count('class="sla-outcome sla-outcome-met"') == 1


def test_the_dashboard_shows_both_and_links_to_the_same_cases(
    client, manager, breached_and_escalated
):
    client.force_login(manager)
    query = f"?start={DAY}&end={DAY}"
    with at(31):
        page = client.get(f"/admin/reports/dashboard/{query}").content.decode()
        export = client.get(
            f"/admin/reports/dashboard/csv/sla_breached_in_period/{query}",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "期間内のSLA超過（2026-06-08 – 2026-06-08）" in page
    assert f"{LIST}?sla_breached_from={DAY}&amp;sla_breached_to={DAY}" in page
    assert f"{LIST}?sla=breached" in page
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8")[1:])))
    assert rows == [
        ["SLA", "Count"],
        ["Cases with an SLA breach recorded in the period", "1"],
        ["SLA breaches recorded in the period (each notified once)", "1"],
    ]
