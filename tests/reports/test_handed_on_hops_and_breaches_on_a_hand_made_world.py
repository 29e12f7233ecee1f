"""A hop handed on to the next tier before its deadline neither meets nor misses its target,
and a breach that escalated a case is still a breach in the period: on a hand-made world, on
SQLite and on PostgreSQL, live and rolled up, the dashboard agrees with the case list's
filters and with the breach events.

24/7 policy (P2: first response 30 min; hops: acknowledge 15 min, answer 1 h at L2), billing,
Monday 2026-06-08 from 10:00 JST:

- G (operator): taken +5, escalated to L2 +10, never acknowledged. The sweep at +25 records
  the acknowledgement's breach (one email to the managers and the lead) and escalates G to
  L3 (the org's L2 -> L3 rule): L2's acknowledgement missed, its answer (due +70) superseded.
- H (operator): taken +5, escalated to L2 +10, acknowledged +20 (met), escalated further to
  L3 by the supervisor at +30: L2's answer (due +70) superseded.
"""

import datetime as dt

import pytest

from escalations import services
from escalations.models import Case, Level, SLAEvent, SLATimer, TimerKind, TimerOutcome
from escalations.services.sla_sweep import sla_sweep
from escalations.sla import selectors as sla_selectors
from reports import selectors
from reports.rollup import rollup_finished_days
from reports.selectors import Filters
from tests.factories import HANDOFF, make_case, make_sla_policy
from tests.reports.conftest import DAY, START, all_figures, at

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def handed_on(org, operator, supervisor, billing):
    make_sla_policy()
    with at(0):
        g = make_case(owner=operator, category=billing)
        h = make_case(owner=operator, category=billing)
    with at(5):
        for case in (g, h):
            services.case_start_work(case=case, actor=operator)
    with at(10):
        for case in (g, h):
            services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)
    with at(20):
        services.case_acknowledge(case=h, actor=supervisor)
    with at(25):
        assert sla_sweep().escalated == 1  # G
    with at(30):
        services.case_escalate(case=h, actor=supervisor, reason="technical_fault", handoff=HANDOFF)
    g.refresh_from_db()
    h.refresh_from_db()
    assert (g.tier, h.tier) == (3, 3)
    return {"G": g, "H": h}


def l2_timer(case, kind) -> SLATimer:
    return SLATimer.objects.get(case=case, kind=kind, escalation__to_tier=2)


def test_the_handed_on_hops_timers(handed_on):
    g, h = handed_on["G"], handed_on["H"]
    assert (l2_timer(g, TimerKind.ACKNOWLEDGE).outcome, l2_timer(g, TimerKind.ANSWER).outcome) == (
        TimerOutcome.MISSED,
        TimerOutcome.SUPERSEDED,
    )
    assert (l2_timer(h, TimerKind.ACKNOWLEDGE).outcome, l2_timer(h, TimerKind.ANSWER).outcome) == (
        TimerOutcome.MET,
        TimerOutcome.SUPERSEDED,
    )
    assert l2_timer(g, TimerKind.ANSWER).met is None  # out of every compliance figure


def test_compliance_leaves_superseded_timers_out(handed_on):
    figures = selectors.sla_compliance(Filters(start=DAY, end=DAY))
    # L1: the two first responses (met). L2: G's acknowledgement (missed), H's (met); the two
    # answers were superseded. L3's timers still run.
    l1, l2 = figures["tier"]
    assert (l1.key, l1.met_7, l1.total_7) == (1, 2, 2)
    assert (l2.key, l2.met_7, l2.total_7) == (2, 1, 2)
    [p2] = figures["priority"]
    assert (p2.met_7, p2.total_7) == (3, 4)


def test_rolled_up_compliance_equals_the_live_one(handed_on):
    filters = Filters(start=DAY, end=DAY)
    with at(60 * 24 * 2):
        live = all_figures(filters, rollups=False)
        assert rollup_finished_days()
        assert all_figures(filters) == live
    assert live["compliance"]["tier"][1].total_7 == 2


def test_breached_in_the_period_and_breached_now_agree_with_the_breach_events(handed_on):
    day = Filters(start=DAY, end=DAY)
    now = START + 31 * MIN  # G's and H's L3 hops run, none past its deadline
    assert SLAEvent.objects.filter(level=Level.BREACH).count() == 1  # G's acknowledgement

    assert selectors.sla_breached_in_period(day) == selectors.BreachesInPeriod(1, 1)
    listed = sla_selectors.breached_between(Case.objects.all(), since=day.since, until=day.until)
    assert list(listed) == [handed_on["G"]]
    assert selectors.sla_now(day, now=now).breached == 0
    assert sla_selectors.breached(Case.objects.all(), now=now).count() == 0

    next_day = DAY + dt.timedelta(days=1)
    assert selectors.sla_breached_in_period(
        Filters(start=next_day, end=next_day)
    ) == selectors.BreachesInPeriod(0, 0)


def test_breached_in_the_period_of_a_team(handed_on, l1_team, other_l1_team):
    assert selectors.sla_breached_in_period(
        Filters(start=DAY, end=DAY, team=l1_team)
    ) == selectors.BreachesInPeriod(1, 1)
    assert selectors.sla_breached_in_period(
        Filters(start=DAY, end=DAY, team=other_l1_team)
    ) == selectors.BreachesInPeriod(0, 0)
