"""A case whose day was rolled up and that changes today is counted with today's figures (live),
by the day each event happened; what the rollup froze (the team the case had on its day) stays
as it was."""

import datetime as dt

from escalations import services
from reports.rollup import rollup_finished_days
from reports.selectors import Durations, Filters
from tests.reports.conftest import DAY, all_figures, at

MIN = dt.timedelta(minutes=1)
TOMORROW = DAY + dt.timedelta(days=1)
NEXT_DAY = 60 * 24  # minutes from START (10:00 on DAY) to 10:00 the next day


def test_an_answer_today_to_yesterdays_escalation(world, supervisor, operator):
    with at(NEXT_DAY):
        rollup_finished_days()  # DAY is rolled up: B escalated and acknowledged, not answered
    with at(NEXT_DAY + 60):  # 11:00 the next day
        services.case_return_to_owner(case=world["B"], actor=supervisor, answer="返金を案内")
    with at(NEXT_DAY + 90):
        services.case_resolve(case=world["B"], actor=operator, resolution="返金した")
    both = Filters(start=DAY, end=TOMORROW)
    with at(NEXT_DAY + 120):
        rolled_up_and_live = all_figures(both)
        assert rolled_up_and_live == all_figures(both, rollups=False)
        yesterday = all_figures(Filters(start=DAY, end=DAY))
        today = all_figures(Filters(start=TOMORROW, end=TOMORROW))
    # B's answer counts today (requested at +30 min on DAY, answered 24 h 30 min later)
    answered_b = 24 * 60 * MIN + 30 * MIN
    assert yesterday["durations"][2]["answer"] == Durations(1, 30 * MIN, 30 * MIN)  # A's
    assert today["durations"][2]["answer"] == Durations(1, answered_b, answered_b)
    assert rolled_up_and_live["durations"][2]["answer"] == Durations(
        2, (30 * MIN + answered_b) / 2, 30 * MIN + (answered_b - 30 * MIN) * 0.9
    )
    # its escalation stays on DAY; its resolution (escalated: not solved at L1) is today's
    assert [row[0] for row in rolled_up_and_live["escalations"]] == [DAY, DAY]
    assert (today["solved_at_l1"].part, today["solved_at_l1"].total) == (0, 1)
    # its answer (1 h target) and resolution (P2, 8 h) timers stopped today, both missed: the
    # 7 days up to today add them to DAY's 6 of 6 at L1 and 2 of 3 at L2
    [l1, l2] = today["compliance"]["tier"]
    assert (l1.key, l1.met_7, l1.total_7) == (1, 6, 7)
    assert (l2.key, l2.met_7, l2.total_7) == (2, 2, 4)
    assert today["per_handler"] == [("高橋 SV", Durations(1, answered_b, answered_b))]


def test_the_rollup_keeps_the_team_a_case_had_on_its_day(world, supervisor, l2_team):
    with at(NEXT_DAY):
        rollup_finished_days()
    with at(NEXT_DAY + 60):  # B goes back to its owner's team: no longer L2's
        services.case_return_to_owner(case=world["B"], actor=supervisor, answer="返金を案内")
    l2_on_day = Filters(start=DAY, end=DAY, team=l2_team)
    with at(NEXT_DAY + 120):
        frozen = all_figures(l2_on_day)
        now = all_figures(l2_on_day, rollups=False)
    # when DAY was rolled up B was with L2 (A had gone back to its owner's team already)
    assert [(reason, n) for _day, reason, _category, n in frozen["escalations"]] == [
        ("complaint", 1)
    ]
    assert now["escalations"] == []  # counted live, B belongs to L1 now
