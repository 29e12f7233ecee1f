"""A small hand-made world for the dashboard's figures, built through the real services on a
24/7 SLA policy (P2: first response 30 min, resolution 8 h; hops: acknowledge 15 min, answer
1 h at L2). Every case is billing, P2, on Monday 2026-06-08 from 10:00 JST (START) unless said.

- A (operator): taken +5, escalated to L2 +10 (knowledge gap), acknowledged +20 by the
  supervisor, answered +40. Status returned, tier L1.
- B (operator): taken +5, an article suggested on the escalate form +8, escalated +30
  (complaint), acknowledged +60 (15 min target: missed). Status acknowledged, tier L2.
- C (colleague): taken +5, solved with the article at L1 +15.
- D (colleague): taken +5, resolved +20 without an article.
- F (colleague): opened 10 days before START, taken +5 min: in progress (its first response
  counts for the 30 days, not the 7).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations import services
from knowledge import services as knowledge
from knowledge.search import Hit
from reports.selectors import Filters
from tests.factories import HANDOFF, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
DAY = START.date()


def at(minutes: float, base: dt.datetime = START):
    return time_machine.travel(base + dt.timedelta(minutes=minutes), tick=False)


@pytest.fixture
def article(operator, supervisor, org):
    with at(-60 * 24):
        draft = knowledge.article_create(
            actor=operator, title="請求額の確認方法", body="請求明細の見方。"
        )
        knowledge.article_submit(article=draft, actor=operator)
        return knowledge.article_approve(article=draft, actor=supervisor)


def escalated_case(
    *,
    owner,
    supervisor,
    billing,
    reason,
    escalate_at,
    ack_at=None,
    answer_at=None,
    suggest_at=None,
    article=None,
    base=START,
):
    with at(0, base):
        case = make_case(owner=owner, category=billing)
    with at(5, base):
        services.case_start_work(case=case, actor=owner)
    if suggest_at is not None:
        with at(suggest_at, base):
            hit = Hit("article", article.pk, article.title, "", 1.0, 2)
            knowledge.deflection_record(case=case, actor=owner, query="請求", hits=[hit])
    with at(escalate_at, base):
        services.case_escalate(case=case, actor=owner, reason=reason, handoff=HANDOFF)
    if ack_at is not None:
        with at(ack_at, base):
            services.case_acknowledge(case=case, actor=supervisor)
    if answer_at is not None:
        with at(answer_at, base):
            services.case_return_to_owner(case=case, actor=supervisor, answer="明細の見方を案内")
    return case


@pytest.fixture
def world(org, operator, colleague, supervisor, billing, article):
    make_sla_policy()
    cases = {}
    cases["A"] = escalated_case(
        owner=operator,
        supervisor=supervisor,
        billing=billing,
        reason="knowledge_gap",
        escalate_at=10,
        ack_at=20,
        answer_at=40,
    )
    cases["B"] = escalated_case(
        owner=operator,
        supervisor=supervisor,
        billing=billing,
        reason="complaint",
        escalate_at=30,
        ack_at=60,
        suggest_at=8,
        article=article,
    )
    with at(0):
        c = make_case(owner=colleague, category=billing)
        d = make_case(owner=colleague, category=billing)
    with at(5):
        services.case_start_work(case=c, actor=colleague)
        services.case_start_work(case=d, actor=colleague)
    with at(15):
        knowledge.case_solved_with(case=c, article=article, actor=colleague)
    with at(20):
        services.case_resolve(case=d, actor=colleague, resolution="再送した")
    ten_days_before = START - dt.timedelta(days=10)
    with at(0, ten_days_before):
        f = make_case(owner=colleague, category=billing)
    with at(5, ten_days_before):
        services.case_start_work(case=f, actor=colleague)
    cases.update(C=c, D=d, F=f)
    return cases


@pytest.fixture
def day_filters():
    return Filters(start=DAY, end=DAY)


def all_figures(filters: Filters, *, rollups: bool = True) -> dict:
    """Every date-range figure of the dashboard, from the rollup where there is one
    (``rollups``) or all computed live."""
    from reports import selectors
    from reports.daily import DailyRows

    rows = DailyRows(filters, rollups=rollups)
    return {
        "compliance": selectors.sla_compliance(filters, rows),
        "escalations": sorted(selectors.escalation_counts(filters, rows)),
        "durations": selectors.durations_per_tier(filters, rows),
        "solved_at_l1": selectors.solved_at_l1_with_article(filters, rows),
        "suggested": selectors.escalated_despite_suggestion(filters, rows),
        "per_operator": selectors.escalations_per_operator(filters, rows),
        "per_handler": selectors.handling_per_handler(filters, rows),
    }
