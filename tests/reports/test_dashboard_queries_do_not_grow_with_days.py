"""The dashboard's number of queries is the same for one day or a year, with or without the
rollup: the per-day figures take two queries for the rollup and one per live source whatever
the number of days, rolled up or not."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.daily import LIVE_QUERIES
from reports.models import DailyFigure, RolledUpDay
from reports.rollup import rollup_finished_days
from reports.selectors import Filters
from tests.reports.conftest import DAY, all_figures, at

URL = "/admin/reports/dashboard/"
NEXT_DAY = 60 * 24 + 60  # 11:00 the next day


def count(client, user, days: int, **params) -> int:
    end = DAY + dt.timedelta(days=1)
    query = {"start": (end - dt.timedelta(days=days - 1)).isoformat(), "end": end.isoformat()}
    with at(NEXT_DAY), CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {**query, **params}).status_code == 200
    return len(queries)


def test_the_page_makes_as_many_queries_for_any_range_rolled_up_or_not(
    client, manager, world, l2_team
):
    client.force_login(manager)
    count(client, manager, 1)  # warm the process-wide caches (permissions, rotations)
    before = {days: count(client, manager, days) for days in (1, 30, 366)}
    with at(NEXT_DAY):
        assert rollup_finished_days()
    after = {days: count(client, manager, days) for days in (1, 30, 366)}
    with_team = {days: count(client, manager, days, team=l2_team.pk) for days in (1, 366)}
    assert len({*before.values(), *after.values()}) == 1
    assert set(with_team.values()) == {after[30] + 1}  # the filter form reads the team


def test_as_many_queries_with_one_or_three_finished_days_not_rolled_up(
    client, manager, world, l2_team
):
    """The workers down for a day or three: the days not rolled up are counted live by the
    same queries (at 1,000,000 cases, bench/README.md)."""
    client.force_login(manager)
    later = 60 * 24 * 4 + 60  # 11:00 four days later: four finished days
    end = DAY + dt.timedelta(days=4)
    query = {"start": (end - dt.timedelta(days=29)).isoformat(), "end": end.isoformat()}

    def page(**params) -> int:
        with at(later), CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {**query, **params}).status_code == 200
        return len(queries)

    with at(later):
        assert rollup_finished_days()[-4:] == [DAY + dt.timedelta(days=i) for i in range(4)]
    page()  # warm the process-wide caches (permissions, rotations)
    counts = {}
    for not_rolled_up in (0, 1, 3):
        since = end - dt.timedelta(days=not_rolled_up)
        DailyFigure.objects.filter(day__gte=since).delete()
        RolledUpDay.objects.filter(day__gte=since).delete()
        counts[not_rolled_up] = (page(), page(team=l2_team.pk))
    assert len(set(counts.values())) == 1, counts


@pytest.mark.parametrize("rolled_up", [False, True])
def test_every_date_range_figure_from_nine_queries(world, django_assert_num_queries, rolled_up):
    with at(NEXT_DAY):
        if rolled_up:
            rollup_finished_days()
        with django_assert_num_queries(2 + LIVE_QUERIES):  # rolled-up days and rows, 7 live
            assert LIVE_QUERIES == 7
            all_figures(Filters(start=DAY - dt.timedelta(days=365), end=DAY))
