"""The dashboard's reusable answers (issue 20) read from the daily rollup for the finished days
(answers called reusable or not, by the answer's day) and live for the others equal the figure
computed live only; "published within 7 days" is always counted live, from the articles (it may
change for days after the answer's day was rolled up). The queries do not grow with the number
of days.

The world of ``test_repeat_escalations_and_reusable_answers_on_the_dashboard`` (billing unless
said), from Monday 2026-06-08 10:00 JST: P answered reusable on day 0, its article published on
day 3; Q escalated on day 5 (not answered); R (shipping) answered reusable on day 5, published on
day 12 (too late); S answered "not reusable" on day 6.
"""

import datetime as dt

import pytest

from reports import selectors
from reports.daily import REUSABLE_QUERIES, DailyRows
from reports.rollup import rollup_finished_days
from reports.selectors import Filters
from tests.reports.conftest import DAY, at
from tests.reports.test_repeat_escalations_and_reusable_answers_on_the_dashboard import (
    MINUTES_A_DAY,
    world,  # noqa: F401 (the fixture)
)

TODAY = DAY + dt.timedelta(days=14)


def figures(filters: Filters, *, rollups: bool = True) -> tuple[int, int, int]:
    found = selectors.reusable_answers(filters, DailyRows(filters, rollups=rollups))
    return found.reusable, found.not_reusable, found.published


def ranges(org) -> list[Filters]:
    return [
        Filters(start=DAY, end=TODAY),
        Filters(start=DAY, end=TODAY, team=org["l1"]),
        Filters(start=DAY, end=TODAY, team=org["l2"]),
        Filters(start=DAY, end=DAY),
        Filters(start=DAY + dt.timedelta(days=5), end=DAY + dt.timedelta(days=6)),
        Filters(start=TODAY, end=TODAY),
    ]


def test_rolled_up_days_give_the_live_figures(world, org):  # noqa: F811
    with at(14 * MINUTES_A_DAY + 60):
        live = {f: figures(f, rollups=False) for f in ranges(org)}
        assert len(rollup_finished_days()) >= 14
        assert {f: figures(f) for f in ranges(org)} == live
    assert live[Filters(start=DAY, end=TODAY)] == (2, 1, 1)
    assert live[Filters(start=DAY, end=DAY)] == (1, 0, 1)  # P, published on day 3


@pytest.mark.parametrize("rolled_up", [False, True])
def test_the_queries_do_not_grow_with_the_days(world, org, rolled_up, django_assert_num_queries):  # noqa: F811
    with at(14 * MINUTES_A_DAY + 60):
        if rolled_up:
            rollup_finished_days()
        for days in (1, 14, 366):
            filters = Filters(start=TODAY - dt.timedelta(days=days - 1), end=TODAY, team=org["l1"])
            # the rolled-up days and their rows, the live days' counts, the published ones
            with django_assert_num_queries(2 + REUSABLE_QUERIES + 1):
                assert REUSABLE_QUERIES == 1
                selectors.reusable_answers(filters, DailyRows(filters))
