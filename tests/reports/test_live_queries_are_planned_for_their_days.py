"""On PostgreSQL a statement run a few times on one connection is prepared, and PostgreSQL may
then keep one generic plan for it, made without its parameters. The dashboard's live queries
(the days not rolled up) are never prepared, however often they run on a connection: each run
is planned for its own days (at 1,000,000 cases a generic plan kept after the first runs took a
minute for two days live, bench/README.md). Everything else keeps being prepared."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection

from reports.daily import DailyRows, live_escalations, live_rows
from reports.rows import intervals_of, planned_for_their_days
from reports.selectors import Filters

pytestmark = pytest.mark.postgres

DAY = dt.date(2026, 4, 1)


def prepared_suggestions() -> int:
    """Prepared statements of the hops that followed a suggestion (``live_escalations``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "knowledge_deflection"%'],
        )
        (count,) = cursor.fetchone()
    return count


def test_the_live_queries_are_not_prepared_however_often_they_run(db):
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    intervals = intervals_of([DAY, DAY + dt.timedelta(days=1)])
    for _ in range(threshold + 2):
        live_rows("escalations", intervals)
        DailyRows(Filters(start=DAY, end=DAY)).rows("escalations")
    assert prepared_suggestions() == 0
    assert connection.connection.prepare_threshold == threshold  # put back

    # the same statement outside the block is prepared (what the block prevents)
    for _ in range(threshold + 1):
        live_escalations(intervals)
    assert prepared_suggestions() == 1
    # and run unprepared again inside it, the prepared one left as it is
    with planned_for_their_days():
        assert connection.connection.prepare_threshold is None
        live_escalations(intervals)
    assert connection.connection.prepare_threshold == threshold


def test_the_threshold_is_put_back_when_the_block_fails(db):
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    assert threshold == settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    with pytest.raises(ZeroDivisionError), planned_for_their_days():
        1 / 0  # noqa: B018
    assert connection.connection.prepare_threshold == threshold
