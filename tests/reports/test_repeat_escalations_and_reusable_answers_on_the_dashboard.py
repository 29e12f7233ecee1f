"""The dashboard's know-how figures (issue 20): repeat escalations per category with links to
the cases, and the share of reusable answers published as articles within 7 days; in Japanese,
in the CSV export, each from a number of queries that does not grow with the range's days.

The world (billing unless said), from Monday 2026-06-08 10:00 JST (``START``):
- P: "解約したのに…返金してほしい", answered reusable on day 0; its article published on day 3.
- Q: the same question in other words on day 5: a repeat of P.
- R: a shipping question on day 5, answered reusable; its article published on day 12 (late).
- S: another billing question on day 6, answered "not reusable".

Whether an escalation repeats is decided by the every-minute check (``check_repeats``), run
here once the world is built.
"""

import datetime as dt

import pytest
from django.urls import reverse

from escalations import services
from knowledge import repeats
from knowledge import services as knowledge
from knowledge.models import Article
from reports import selectors
from reports.selectors import Filters
from tests.factories import CategoryFactory, make_case
from tests.reports.conftest import DAY, at

URL = "/admin/reports/dashboard/"
MINUTES_A_DAY = 60 * 24


def escalate(operator, wants: str, day: int, category=None):
    with at(day * MINUTES_A_DAY):
        case = make_case(owner=operator, **({"category": category} if category else {}))
        services.case_start_work(case=case, actor=operator)
        services.case_escalate(
            case=case,
            actor=operator,
            reason="knowledge_gap",
            handoff=services.Handoff(customer_wants=wants, tried="規約を案内", mood="angry"),
        )
    return case


def answer(case, supervisor, day: int, **kwargs) -> None:
    with at(day * MINUTES_A_DAY + 60):
        services.case_return_to_owner(case=case, actor=supervisor, answer="規約第8条", **kwargs)


def publish(case, supervisor, day: int) -> None:
    with at(day * MINUTES_A_DAY + 120):
        knowledge.article_approve(article=Article.objects.get(source_case=case), actor=supervisor)


@pytest.fixture
def world(org, operator, supervisor, billing):
    shipping = CategoryFactory(name="配送")
    cases = {
        "P": escalate(operator, "解約したのに今月も月額料金が引き落とされたので返金してほしい", 0)
    }
    answer(cases["P"], supervisor, 0, reusable=True)
    publish(cases["P"], supervisor, 3)
    cases["Q"] = escalate(
        operator, "先月解約したはずなのに月額料金が引き落としされている。返金を希望", 5
    )
    cases["R"] = escalate(operator, "注文した商品が予定日を過ぎても届かない", 5, category=shipping)
    answer(cases["R"], supervisor, 5, reusable=True)
    publish(cases["R"], supervisor, 12)
    cases["S"] = escalate(operator, "請求書の宛名を会社名に変更して再発行してほしい", 6)
    answer(cases["S"], supervisor, 6, reusable=False, not_reusable_reason="法人契約の個別対応")
    repeats.check_repeats()
    return cases


def test_the_figures(world):
    filters = Filters(start=DAY, end=DAY + dt.timedelta(days=13))

    per_category = {c.category: c for c in selectors.repeat_escalations(filters)}
    reusable = selectors.reusable_answers(filters)

    billing = per_category["請求・料金"]
    assert (billing.escalations, billing.repeat_count, billing.undecided) == (3, 1, 0)
    [repeat] = billing.repeats
    assert (repeat.escalation.case_id, repeat.earlier.case_id) == (world["Q"].pk, world["P"].pk)
    assert (per_category["配送"].escalations, per_category["配送"].repeats) == (1, [])
    assert billing.share.part == 1
    assert (reusable.reusable, reusable.not_reusable, reusable.published) == (2, 1, 1)
    assert reusable.share.rate == 0.5


def test_a_range_that_starts_after_the_answer_still_sees_the_repeat(world):
    _days_5_to_6 = Filters(start=DAY + dt.timedelta(days=5), end=DAY + dt.timedelta(days=6))

    [billing, _shipping] = selectors.repeat_escalations(_days_5_to_6)

    assert [r.escalation.case_id for r in billing.repeats] == [world["Q"].pk]


@pytest.mark.parametrize("days", [1, 30])
def test_the_queries_do_not_grow_with_the_days(world, django_assert_num_queries, days):
    filters = Filters(
        start=DAY + dt.timedelta(days=6) - dt.timedelta(days=days - 1),
        end=DAY + dt.timedelta(days=6),
    )

    # the rolled-up days and their rows (shared with the other figures), the live days'
    # counts per category, the latest pairs
    with django_assert_num_queries(4):
        selectors.repeat_escalations(filters)
    # the rolled-up days and their rows, the live days' counts, the published ones
    with django_assert_num_queries(4):
        selectors.reusable_answers(filters)


def test_the_dashboard_shows_them_in_japanese_with_links_to_the_cases(client, world, manager):
    client.force_login(manager)
    query = {"start": DAY.isoformat(), "end": (DAY + dt.timedelta(days=13)).isoformat()}

    with at(14 * MINUTES_A_DAY):
        html = client.get(URL, query, HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert "繰り返しのエスカレーション" in html
    assert f"{world['Q'].reference} ← {world['P'].reference}" in html
    assert "7日以内に記事として公開" in html
    assert "50.0%" in html
    link = f"?id__in={world['Q'].pk}"
    assert link in html
    listed = client.get(f"/admin/escalations/case/{link}").content.decode()
    assert world["Q"].reference in listed and world["P"].reference not in listed

    csv_url = reverse("admin:reports_dashboard_csv", args=["repeat_escalations"])
    csv = client.get(csv_url, query).content.decode()
    assert world["Q"].reference in csv
