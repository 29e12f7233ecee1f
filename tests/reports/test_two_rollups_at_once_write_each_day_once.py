"""Two rollups at the same moment (a slow nightly run overlapping a manual one) write each day
once: the second waits on the day's unique ``RolledUpDay`` and skips it. PostgreSQL only
(SQLite serialises writers)."""

import datetime as dt

import pytest

from escalations import services
from knowledge.repeats import check_repeats
from reports.daily import rows_of_days
from reports.models import DailyFigure, RolledUpDay
from reports.rollup import rollup_finished_days
from tests.factories import HANDOFF, CustomerFactory, make_case, make_sla_policy
from tests.reports.conftest import DAY, at
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAYS = 4


def test_each_day_is_written_once(org, operator):
    make_sla_policy()
    for day in range(DAYS):
        with at(day * 60 * 24):
            case = make_case(owner=operator, customer=CustomerFactory())
            services.case_start_work(case=case, actor=operator)
            services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    days = [DAY + dt.timedelta(days=i) for i in range(DAYS)]
    with at(DAYS * 60 * 24):
        check_repeats()  # as the rollup does for each day first (no "not checked yet" rows)
        expected = {day: len(rows_of_days([day])) for day in days}
        results, errors = run_together(rollup_finished_days)
    assert errors == []
    written = sorted(day for result in results for day in result)
    assert written == days  # each day by one of the two
    assert sorted(RolledUpDay.objects.values_list("day", flat=True)) == days
    for day in days:
        assert DailyFigure.objects.filter(day=day).count() == expected[day] > 0
