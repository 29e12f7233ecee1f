"""The nightly rollup writes every finished day that has no rollup yet, once: today is left to
the live queries, a second run writes nothing, and a day is never rolled up twice."""

import datetime as dt

import pytest

from reports import tasks
from reports.models import DailyFigure, Figure, RolledUpDay
from reports.rollup import rollup_day, rollup_finished_days
from tests.reports.conftest import DAY, at

NEXT_DAY = 60 * 24  # minutes from START to the next day, 10:00


def test_it_rolls_up_the_days_that_are_over_from_the_first_case(world):
    with at(NEXT_DAY):
        written = rollup_finished_days()
    first = DAY - dt.timedelta(days=10)  # F was opened ten days before
    assert written == [first + dt.timedelta(days=i) for i in range(11)]
    assert set(RolledUpDay.objects.values_list("day", flat=True)) == set(written)
    assert not DailyFigure.objects.filter(day__gt=DAY).exists()
    # F's first response on its day; on DAY the four escalations' and cases' figures
    assert DailyFigure.objects.filter(day=first, figure=Figure.COMPLIANCE).count() == 1
    escalations = DailyFigure.objects.filter(day=DAY, figure=Figure.ESCALATIONS)
    assert sorted(escalations.values_list("reason", "total")) == [
        ("complaint", 1),
        ("knowledge_gap", 1),
    ]


def test_a_second_run_writes_nothing(world, django_assert_num_queries):
    with at(NEXT_DAY):
        rollup_finished_days()
        rows = DailyFigure.objects.count()
        # the first case's day, the days rolled up: nothing else
        with django_assert_num_queries(2):
            assert rollup_finished_days() == []
        assert tasks.rollup_finished_days() == 0
    assert DailyFigure.objects.count() == rows


def test_the_next_night_writes_only_the_new_day(world):
    with at(NEXT_DAY):
        rollup_finished_days()
    with at(2 * NEXT_DAY):
        assert rollup_finished_days() == [DAY + dt.timedelta(days=1)]


def test_a_day_already_rolled_up_is_skipped(world):
    with at(NEXT_DAY):
        assert rollup_day(day=DAY) is True
        rows = DailyFigure.objects.filter(day=DAY).count()
        assert rollup_day(day=DAY) is False
    assert DailyFigure.objects.filter(day=DAY).count() == rows > 0


def test_today_is_not_over(world):
    with at(60 * 3), pytest.raises(ValueError, match="not over"):
        rollup_day(day=DAY)
    assert not RolledUpDay.objects.exists()


def test_nothing_to_do_without_cases(db):
    with at(0):
        assert rollup_finished_days() == []


def test_the_task_runs_at_five_past_every_hour(settings):
    """At 00:05 it rolls up the day just over; the other runs make up a night the workers
    missed (they find nothing to do otherwise: test_nothing_to_do_without_cases)."""
    entry = settings.CELERY_BEAT_SCHEDULE["reports-daily-rollup"]
    assert entry["task"] == tasks.rollup_finished_days.name
    assert entry["schedule"].minute == {5}
    assert entry["schedule"].hour == set(range(24))
