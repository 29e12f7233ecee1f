"""No hesitation on the dashboard (issue 20): median and 90th percentile of the time from the
start of work, and from the start of a hold, to escalation, per team and reason; how many
nudges were followed (escalated after the nudge, before resolution). The queries do not grow
with the number of days."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations import services
from escalations.models import EscalationRule, NudgeKind, Reason
from escalations.services.nudges import nudge_sweep
from reports import hesitation
from reports.selectors import Filters
from tests.factories import HANDOFF, make_case

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)


def at(minutes):
    return time_machine.travel(START + minutes * MIN, tick=False)


def escalate(case, actor, reason, **kwargs):
    services.case_escalate(case=case, actor=actor, reason=reason, handoff=HANDOFF, **kwargs)


@pytest.fixture
def world(org, l2_team, operator, supervisor):
    EscalationRule.objects.filter(target_team=l2_team).update(escalate_within_work=10)
    with at(0):
        quick, followed, resolved, held = (
            services.case_start_work(case=make_case(owner=operator), actor=operator)
            for _ in range(4)
        )
    with at(2):
        escalate(held, operator, Reason.BEYOND_AUTHORITY, on_hold=True)
    with at(3):
        services.case_acknowledge(case=held, actor=supervisor)
    with at(4):
        escalate(quick, operator, Reason.KNOWLEDGE_GAP)  # before its nudge: nothing sent
    with at(5):
        escalate(held, supervisor, Reason.TECHNICAL_FAULT)  # 3 min after the hold started
    with at(10):
        assert nudge_sweep().sent == 2  # followed and resolved
    with at(12):
        escalate(followed, operator, Reason.COMPLAINT)
    with at(15):
        services.case_resolve(case=resolved, actor=operator, resolution="説明で解決")


def figures(days=1, team=None):
    end = START.date()
    return Filters(start=end - dt.timedelta(days=days - 1), end=end, team=team)


def test_time_from_start_of_work_and_of_hold_per_team_and_reason(world):
    rows = {(r.team, r.reason): r for r in hesitation.time_to_escalate(figures())}

    assert rows[("SVチーム", Reason.KNOWLEDGE_GAP)].work.median == 4 * MIN
    assert rows[("SVチーム", Reason.COMPLAINT)].work.median == 12 * MIN
    assert rows[("SVチーム", Reason.BEYOND_AUTHORITY)].work.median == 2 * MIN
    further = rows[("技術チーム", Reason.TECHNICAL_FAULT)]
    assert (further.work.count, further.hold.count) == (0, 1)
    assert further.hold.median == further.hold.p90 == 3 * MIN


def test_nudges_sent_and_followed(world):
    [work] = hesitation.nudges_followed(figures())
    assert (work.kind, work.sent, work.followed, work.rate) == (NudgeKind.WORK, 2, 1, 0.5)


def test_nothing_in_another_period(world):
    later = Filters(
        start=START.date() + dt.timedelta(days=1), end=START.date() + dt.timedelta(days=2)
    )
    assert hesitation.time_to_escalate(later) == []
    assert hesitation.nudges_followed(later) == []


@pytest.mark.parametrize("days", [1, 366])
def test_the_queries_do_not_grow_with_the_days(world, l2_team, days, django_assert_num_queries):
    with django_assert_num_queries(3):  # first hops, hops further from a hold, nudges
        hesitation.time_to_escalate(figures(days, team=l2_team))
        hesitation.nudges_followed(figures(days, team=l2_team))


def test_the_dashboard_shows_both_reports(client, manager, world):
    client.force_login(manager)
    with at(60):
        html = client.get(
            "/admin/reports/dashboard/", {"start": "2026-06-08", "end": "2026-06-08"}
        ).content.decode()
    assert 'id="report-time_to_escalate"' in html
    assert 'id="report-nudges_followed"' in html
    assert "50.0%" in html
