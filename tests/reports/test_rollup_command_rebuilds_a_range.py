"""``manage.py rollup_days``: without dates it rolls up the finished days that have none (like
the nightly task); with ``--start``/``--end`` it rebuilds those days, counting the cases as
they are now, and leaves the other days alone."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from escalations import services
from reports.models import DailyFigure, Figure, RolledUpDay
from tests.factories import CategoryFactory
from tests.reports.conftest import DAY, at

NEXT_DAY = 60 * 24


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"  # commands speak the site's language: read English here


def run(*args) -> str:
    out = StringIO()
    call_command("rollup_days", *args, stdout=out)
    return out.getvalue()


def categories_on(day) -> list[tuple[str, int]]:
    """The rolled-up escalations of ``day`` per category."""
    counts: dict[str, int] = {}
    rows = DailyFigure.objects.filter(day=day, figure=Figure.ESCALATIONS)
    for name, total in rows.values_list("category__name", "total"):
        counts[name] = counts.get(name, 0) + total
    return sorted(counts.items())


def test_without_dates_it_rolls_up_what_is_missing(world):
    with at(NEXT_DAY):
        assert "Rolled up 11 days" in run()
        assert "Rolled up 0 days" in run()
    assert RolledUpDay.objects.count() == 11


def test_it_rebuilds_a_range_with_the_cases_as_they_are_now(world, operator):
    with at(NEXT_DAY):
        run()
    earlier = RolledUpDay.objects.get(day=DAY - dt.timedelta(days=1)).rolled_up_at
    assert categories_on(DAY) == [("請求・料金", 2)]
    with at(NEXT_DAY + 10):
        shipping = CategoryFactory(name="配送")
        services.case_update(case=world["A"], actor=operator, category=shipping)
    assert categories_on(DAY) == [("請求・料金", 2)]  # frozen
    with at(NEXT_DAY + 20):
        output = run("--start", DAY.isoformat(), "--end", DAY.isoformat())
    assert f"Rebuilt {DAY.isoformat()} to {DAY.isoformat()}" in output
    assert categories_on(DAY) == [("請求・料金", 1), ("配送", 1)]
    # the day before was left as it was; the rebuilt one is one rollup still
    assert RolledUpDay.objects.get(day=DAY - dt.timedelta(days=1)).rolled_up_at == earlier
    assert RolledUpDay.objects.filter(day=DAY).count() == 1


def test_the_end_defaults_to_yesterday_and_the_start_to_the_end(world):
    with at(NEXT_DAY):
        output = run("--start", (DAY - dt.timedelta(days=2)).isoformat())
        assert RolledUpDay.objects.filter(day__gte=DAY - dt.timedelta(days=2)).count() == 3
        run("--end", DAY.isoformat())
    assert f"Rebuilt {(DAY - dt.timedelta(days=2)).isoformat()} to {DAY}" in output


@pytest.mark.parametrize(
    "args",
    [
        ["--start", "2026-06-09", "--end", "2026-06-09"],  # today: not over
        ["--start", "2026-06-08", "--end", "2026-06-01"],  # backwards
        ["--start", "2026-13-01"],
    ],
)
def test_it_refuses_days_that_are_not_over_and_bad_dates(world, args):
    with at(NEXT_DAY), pytest.raises(CommandError):
        run(*args)
    assert not RolledUpDay.objects.exists()
