"""The dashboard's repeat escalations (issue 20) read from the daily rollup for the finished
days and live for the others equal the figure computed live only, the same numbers its label
gives: per category, the escalations from L1 of the range, those repeating a question answered
within the 30 days before, and those not checked yet, with the same pairs listed. The rollup
checks a day's escalations the every-minute check has not seen before writing the day. The
queries do not grow with the number of days, rolled up or not.

The world, from Monday 2026-06-08 10:00 JST (day 0), billing unless said; the operator and the
colleague are in L1, the outsider in the other L1 team:
- day 0: P (operator) "解約したのに…返金", answered; S (outsider) shipping "届かない", answered.
- day 1: Q (colleague) the same as P in other words: a repeat; T (outsider) the same as S: a
  repeat; U (operator) another billing question, answered.
- day 2: R (outsider) the same as P again: a repeat (of P); V (operator) a question like U's:
  a repeat of U.
- day 3 ("today", 11:00): W (operator) the same as P: a repeat, and X (outsider) a new shipping
  question, both not checked yet.
The every-minute check runs on day 1 only (day 2's hops are left to the rollup).
"""

import datetime as dt

import pytest

from escalations import services
from knowledge.models import RepeatCheck
from knowledge.repeats import check_repeats
from reports import selectors
from reports.daily import REPEAT_QUERIES, DailyRows
from reports.models import DailyFigure, Figure, RolledUpDay
from reports.rollup import rollup_finished_days
from reports.selectors import Filters
from tests.factories import CategoryFactory, make_case
from tests.reports.conftest import DAY, at

MINUTES_A_DAY = 60 * 24
TODAY = DAY + dt.timedelta(days=3)
NOW = 3 * MINUTES_A_DAY + 60  # 11:00 on day 3

CANCEL = "解約したのに今月も月額料金が引き落とされたので返金してほしい"
CANCEL_AGAIN = "先月解約したはずなのに月額料金が引き落としされている。返金を希望"
LATE = "注文した商品が予定日を過ぎても届かない"
LATE_AGAIN = "注文した商品が予定日を過ぎたのにまだ届かない"
INVOICE = "請求書の宛名を会社名に変更して再発行してほしい"
INVOICE_AGAIN = "請求書の宛名を会社名にして再発行してほしい"


def escalate(owner, wants: str, minute: float, category=None):
    with at(minute):
        case = make_case(owner=owner, **({"category": category} if category else {}))
        services.case_start_work(case=case, actor=owner)
        services.case_escalate(
            case=case,
            actor=owner,
            reason="knowledge_gap",
            handoff=services.Handoff(customer_wants=wants, tried="規約を案内", mood="angry"),
        )
    return case


def answer(case, supervisor, minute: float) -> None:
    with at(minute):
        services.case_return_to_owner(
            case=case,
            actor=supervisor,
            answer="規約第8条",
            reusable=False,
            not_reusable_reason="個別対応",
        )


@pytest.fixture
def world(org, operator, colleague, outsider, supervisor):
    shipping = CategoryFactory(name="配送")
    cases = {}
    cases["P"] = escalate(operator, CANCEL, 0)
    answer(cases["P"], supervisor, 30)
    cases["S"] = escalate(outsider, LATE, 10, category=shipping)
    answer(cases["S"], supervisor, 40)
    day_1 = MINUTES_A_DAY
    cases["Q"] = escalate(colleague, CANCEL_AGAIN, day_1)
    cases["T"] = escalate(outsider, LATE_AGAIN, day_1 + 5, category=shipping)
    cases["U"] = escalate(operator, INVOICE, day_1 + 10)
    answer(cases["U"], supervisor, day_1 + 60)
    with at(day_1 + 120):
        assert check_repeats() == 5  # day 0's and day 1's
    day_2 = 2 * MINUTES_A_DAY
    cases["R"] = escalate(outsider, CANCEL_AGAIN, day_2)
    cases["V"] = escalate(operator, INVOICE_AGAIN, day_2 + 10)
    cases["W"] = escalate(operator, CANCEL, NOW - 30)
    cases["X"] = escalate(outsider, "配送先を実家に変更したい", NOW - 20, category=shipping)
    return cases


def ranges(org, other_l1_team) -> list[Filters]:
    return [
        Filters(start=DAY, end=TODAY),
        Filters(start=DAY, end=TODAY, team=org["l1"]),
        Filters(start=DAY, end=TODAY, team=other_l1_team),
        Filters(start=DAY + dt.timedelta(days=1), end=DAY + dt.timedelta(days=2)),
        Filters(start=DAY + dt.timedelta(days=2), end=TODAY, team=org["l1"]),
        Filters(start=TODAY, end=TODAY),
        Filters(start=DAY - dt.timedelta(days=60), end=DAY - dt.timedelta(days=1)),
    ]


def repeats(filters: Filters, *, rollups: bool = True) -> list[tuple]:
    found = selectors.repeat_escalations(filters, DailyRows(filters, rollups=rollups))
    return [
        (
            c.category,
            c.escalations,
            c.repeat_count,
            c.undecided,
            [(r.escalation.case_id, r.earlier.case_id) for r in c.repeats],
        )
        for c in found
    ]


def test_the_figure_on_the_hand_made_world(world):
    with at(NOW):
        whole = repeats(Filters(start=DAY, end=TODAY), rollups=False)

    p, q, s, t = (world[k].pk for k in "PQST")
    assert whole == [
        # checked: day 0's and day 1's; R, V (day 2) and W, X (today) not yet
        ("請求・料金", 6, 1, 3, [(q, p)]),
        ("配送", 3, 1, 1, [(t, s)]),
    ]


def test_rolled_up_days_give_the_live_figures(world, org, other_l1_team):
    filters = ranges(org, other_l1_team)
    with at(NOW):
        live = {f: repeats(f, rollups=False) for f in filters}
        assert rollup_finished_days() == [DAY + dt.timedelta(days=i) for i in range(3)]
        rolled_up = {f: repeats(f) for f in filters}
        # the rollup checked day 2's hops first (R and V: the same decisions the
        # every-minute check would have made, hence the same figures), not today's
        assert set(RepeatCheck.objects.values_list("escalation__case", flat=True)) == {
            world[k].pk for k in "PSQTURV"
        }
        live_after = {f: repeats(f, rollups=False) for f in filters}

    assert rolled_up == live_after
    # what changed: day 2's "not checked yet", now checked (both repeats, the latest first)
    p, r, s, t, u, v = (world[k].pk for k in "PRSTUV")
    whole = Filters(start=DAY, end=TODAY)
    assert live[whole][0][:4] == ("請求・料金", 6, 1, 3)
    assert rolled_up[whole] == [
        ("請求・料金", 6, 3, 1, [(v, u), (r, p), (world["Q"].pk, p)]),
        ("配送", 3, 1, 1, [(t, s)]),
    ]
    assert [row[:4] for row in rolled_up[whole]] != [row[:4] for row in live[whole]]
    assert not DailyFigure.objects.filter(figure=Figure.REPEATS_UNDECIDED).exists()
    assert not RolledUpDay.objects.filter(day=TODAY).exists()


def test_the_rolled_up_rows_count_per_day_category_and_team(world, org, other_l1_team):
    with at(NOW):
        rollup_finished_days()
    per_day: dict[tuple, list[int]] = {}
    for row in DailyFigure.objects.filter(figure=Figure.REPEATS).select_related("category"):
        key = ((row.day - DAY).days, row.category.name, row.owner_team_id)
        counts = per_day.setdefault(key, [0, 0])
        counts[0] += row.part
        counts[1] += row.total
    l1, other = org["l1"].pk, other_l1_team.pk
    assert per_day == {
        (0, "請求・料金", l1): [0, 1],  # P
        (0, "配送", other): [0, 1],  # S
        (1, "請求・料金", l1): [1, 2],  # Q repeats P, U is new
        (1, "配送", other): [1, 1],  # T repeats S
        (2, "請求・料金", other): [1, 1],  # R repeats P
        (2, "請求・料金", l1): [1, 1],  # V repeats U
    }


@pytest.mark.parametrize("rolled_up", [False, True])
def test_the_queries_do_not_grow_with_the_days(world, org, rolled_up, django_assert_num_queries):
    with at(NOW):
        if rolled_up:
            rollup_finished_days()
        for days in (1, 4, 366):
            filters = Filters(start=TODAY - dt.timedelta(days=days - 1), end=TODAY, team=org["l1"])
            # the rolled-up days and their rows, the live days' counts, the latest pairs
            with django_assert_num_queries(2 + REPEAT_QUERIES + 1):
                assert REPEAT_QUERIES == 1
                selectors.repeat_escalations(filters, DailyRows(filters))
