"""No hesitation on the dashboard (issue 20): median and 90th percentile of the time from the
start of work, and from the start of a hold, to escalation, per team and reason; how many
nudges were followed (escalated after the nudge, before resolution). The queries do not grow
with the number of days, rolled up or live; a rolled-up day gives the same figures as the
live ones."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations import services
from escalations.models import EscalationRule, NudgeKind, Reason
from escalations.services.nudges import nudge_sweep
from reports import hesitation
from reports.daily import HESITATION_QUERIES, DailyRows
from reports.models import RolledUpDay
from reports.rollup import rollup_finished_days
from reports.selectors import Filters
from tests.factories import HANDOFF, change_rules, make_case

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)
DAY_MIN = 24 * 60


def at(minutes):
    return time_machine.travel(START + minutes * MIN, tick=False)


def escalate(case, actor, reason, **kwargs):
    services.case_escalate(case=case, actor=actor, reason=reason, handoff=HANDOFF, **kwargs)


@pytest.fixture
def world(org, l2_team, operator, supervisor):
    change_rules(EscalationRule.objects.filter(target_team=l2_team), escalate_within_work=10)
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


@pytest.mark.parametrize("rolled_up", [False, True])
@pytest.mark.parametrize("days", [1, 366])
def test_the_queries_do_not_grow_with_the_days(
    world, l2_team, days, rolled_up, django_assert_num_queries
):
    with at(DAY_MIN + 60):
        if rolled_up:
            assert rollup_finished_days() == [START.date()]
        filters = figures(days, team=l2_team)
        rows = DailyRows(filters)
        # rolled-up days and rows; live: first hops, hops further from a hold, nudges sent,
        # nudges followed; rolled-up nudges followed (by the day sent)
        with django_assert_num_queries(2 + HESITATION_QUERIES):
            assert HESITATION_QUERIES == 5
            hesitation.time_to_escalate(filters, rows)
            hesitation.nudges_followed(filters, rows)


def test_the_dashboard_shows_both_reports(client, manager, world):
    client.force_login(manager)
    with at(60):
        html = client.get(
            "/admin/reports/dashboard/", {"start": "2026-06-08", "end": "2026-06-08"}
        ).content.decode()
    assert 'id="report-time_to_escalate"' in html
    assert 'id="report-nudges_followed"' in html
    assert "50.0%" in html


@pytest.fixture
def followed_next_day(world, operator):
    """One more nudge, sent on the first day and followed on the next."""
    with at(1):
        late = services.case_start_work(case=make_case(owner=operator), actor=operator)
    with at(20):
        assert nudge_sweep().sent == 1
    with at(DAY_MIN + 30):
        escalate(late, operator, Reason.KNOWLEDGE_GAP)


def both(filters, *, rollups=True):
    rows = DailyRows(filters, rollups=rollups)
    return hesitation.time_to_escalate(filters, rows), hesitation.nudges_followed(filters, rows)


def test_rolled_up_days_give_the_figures_of_the_live_ones(followed_next_day, l2_team):
    day_1, day_2 = START.date(), START.date() + dt.timedelta(days=1)
    ranges = [
        Filters(start=day_1, end=day_1),
        Filters(start=day_2, end=day_2),
        Filters(start=day_1, end=day_2),
        Filters(start=day_1 - dt.timedelta(days=30), end=day_2, team=l2_team),
    ]
    with at(DAY_MIN + 60):  # the first day rolled up, the nudge it sent followed today (live)
        live = [both(f, rollups=False) for f in ranges]
        assert rollup_finished_days() == [day_1]
        assert [both(f) for f in ranges] == live
        [work] = both(ranges[0])[1]
        assert (work.sent, work.followed) == (3, 2)
    with at(2 * DAY_MIN + 60):  # both days rolled up
        live = [both(f, rollups=False) for f in ranges]
        assert rollup_finished_days() == [day_2]
        assert RolledUpDay.objects.count() == 2
        assert [both(f) for f in ranges] == live
    rows = {(r.team, r.reason): r for r in both(ranges[2])[0]}
    assert rows[("SVチーム", Reason.KNOWLEDGE_GAP)].work.count == 2
    assert rows[("SVチーム", Reason.KNOWLEDGE_GAP)].work.p90 == (
        4 * MIN + 0.9 * (DAY_MIN + 29 - 4) * MIN
    )
