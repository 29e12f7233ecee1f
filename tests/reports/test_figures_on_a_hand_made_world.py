"""Each dashboard figure on the hand-made world of conftest.py, with the answers worked out by
hand. Runs on SQLite and on PostgreSQL (where percentiles come from percentile_cont)."""

import datetime as dt

from escalations.models import Case
from escalations.sla import selectors as sla_selectors
from reports import selectors
from reports.selectors import Filters
from tests.reports.conftest import DAY, START, at

MIN = dt.timedelta(minutes=1)


def test_open_cases_by_status_and_tier(world, day_filters):
    assert selectors.open_cases(day_filters) == [
        ("in_progress", 1, 1),  # F
        ("acknowledged", 2, 1),  # B
        ("returned", 1, 1),  # A
    ]


def test_open_cases_of_a_team(world, l2_team, other_l1_team):
    assert selectors.open_cases(Filters(start=DAY, end=DAY, team=l2_team)) == [
        ("acknowledged", 2, 1)
    ]
    assert selectors.open_cases(Filters(start=DAY, end=DAY, team=other_l1_team)) == []


def test_sla_compliance_for_7_and_30_days(world, day_filters):
    figures = selectors.sla_compliance(day_filters)
    # Stopped timers: first responses of A, B, C, D (met) and F (10 days ago, met);
    # resolutions of C, D (met); A's acknowledge and answer (met); B's acknowledge (missed).
    [p2] = figures["priority"]
    assert (p2.key, p2.met_7, p2.total_7, p2.met_30, p2.total_30) == (2, 8, 9, 9, 10)
    l1, l2 = figures["tier"]
    assert (l1.key, l1.met_7, l1.total_7, l1.met_30, l1.total_30) == (1, 6, 6, 7, 7)
    assert (l2.key, l2.met_7, l2.total_7, l2.met_30, l2.total_30) == (2, 2, 3, 2, 3)
    assert round(l2.rate_7, 3) == 0.667


def test_sla_compliance_window_ends_with_the_range(world):
    a_month_later = DAY + dt.timedelta(days=40)
    assert selectors.sla_compliance(Filters(start=a_month_later, end=a_month_later)) == {
        "priority": [],
        "tier": [],
    }


def test_escalations_by_reason_and_category_per_day(world, day_filters, billing):
    by_reason = selectors.escalations_over_time(day_filters, by="reason")
    assert by_reason.periods == [DAY]
    assert by_reason.keys == ["knowledge_gap", "complaint"]  # the reasons' order
    assert by_reason.counts == {(DAY, "knowledge_gap"): 1, (DAY, "complaint"): 1}
    by_category = selectors.escalations_over_time(day_filters, by="category")
    assert by_category.counts == {(DAY, billing.name): 2}


def test_escalations_per_week_start_on_monday(world):
    week = Filters(start=DAY - dt.timedelta(days=14), end=DAY + dt.timedelta(days=6), period="week")
    data = selectors.escalations_over_time(week, by="reason")
    assert data.periods == [DAY]  # 2026-06-08 is a Monday
    assert data.totals == {"knowledge_gap": 1, "complaint": 1}


def test_escalations_outside_the_range_are_not_counted(world):
    day_before = DAY - dt.timedelta(days=1)
    data = selectors.escalations_over_time(Filters(start=day_before, end=day_before), by="reason")
    assert data.counts == {}


def test_time_to_escalate_acknowledge_and_answer_per_tier(world, day_filters):
    [(tier, figures)] = selectors.durations_per_tier(day_filters).items()
    assert tier == 2
    # escalate: A 10 min, B 30 min; acknowledge: A 10, B 30; answer: A 30 only.
    assert figures["escalate"] == selectors.Durations(2, 20 * MIN, 28 * MIN)
    assert figures["acknowledge"] == selectors.Durations(2, 20 * MIN, 28 * MIN)
    assert figures["answer"] == selectors.Durations(1, 30 * MIN, 30 * MIN)


def test_share_of_cases_solved_at_l1_with_an_article(world, day_filters):
    share = selectors.solved_at_l1_with_article(day_filters)
    assert (share.part, share.total, share.rate) == (1, 2, 0.5)  # C of C and D


def test_escalations_after_an_article_was_suggested(world, day_filters):
    rows = selectors.escalated_despite_suggestion(day_filters)
    assert [(reason, s.part, s.total) for reason, s in rows] == [
        ("knowledge_gap", 0, 1),
        ("complaint", 1, 1),  # B: suggested at +8, escalated at +30
    ]


def test_per_person_figures(world, day_filters):
    assert selectors.escalations_per_operator(day_filters) == [("佐藤 一郎", 2)]
    [(name, answers)] = selectors.handling_per_handler(day_filters)
    assert (name, answers) == ("高橋 SV", selectors.Durations(1, 30 * MIN, 30 * MIN))


def test_at_risk_and_breached_now(org, operator, billing):
    """One new case, never taken: its first response (30 min) is warned by the sweep at +25 and
    breached at +40."""
    from escalations.services.sla_sweep import sla_sweep
    from tests.factories import make_case, make_sla_policy

    make_sla_policy()
    with at(0):
        make_case(owner=operator, category=billing)
    filters = Filters(start=DAY, end=DAY)
    assert selectors.sla_now(filters, now=START + 10 * MIN) == selectors.SLANow(0, 0)
    with at(25):
        sla_sweep()
    assert selectors.sla_now(filters, now=START + 25 * MIN) == selectors.SLANow(1, 0)
    assert selectors.sla_now(filters, now=START + 40 * MIN) == selectors.SLANow(0, 1)
    # the same cases as the case list's SLA filters
    for minutes, state in ((25, "at_risk"), (40, "breached")):
        now = START + minutes * MIN
        listed = getattr(sla_selectors, state)(Case.objects.all(), now=now).count()
        assert listed == getattr(selectors.sla_now(filters, now=now), state) == 1
