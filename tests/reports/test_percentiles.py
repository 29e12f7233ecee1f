"""Percentiles as PostgreSQL's percentile_cont computes them (linear interpolation), used on
SQLite; and the database's own on PostgreSQL agrees."""

import datetime as dt

import pytest
from django.db.models import F

from escalations.models import Escalation
from reports.selectors import Percentile, percentile


def test_percentile_interpolates_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([10.0, 30.0], 0.5) == 20.0
    assert percentile([10.0, 30.0], 0.9) == 28.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.9) == pytest.approx(4.6)


@pytest.mark.postgres
def test_postgres_percentile_cont_gives_the_same(world):
    figures = Escalation.objects.aggregate(
        median=Percentile(F("requested_at") - F("case__created_at"), 0.5),
        p90=Percentile(F("requested_at") - F("case__created_at"), 0.9),
    )
    assert figures == {"median": dt.timedelta(minutes=20), "p90": dt.timedelta(minutes=28)}
