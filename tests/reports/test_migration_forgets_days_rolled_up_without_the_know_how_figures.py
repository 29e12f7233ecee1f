"""Days rolled up before the repeat and reusable-answer figures existed have no rows of them:
kept, the dashboard would show 0 repeats for those days. Migration reports 0007 forgets them,
so the page counts them live (with every figure) until the nightly rollup writes them again."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reports.models import DailyFigure, RolledUpDay

BEFORE = [("reports", "0006_hesitation_rollup")]
AFTER = [("reports", "0007_repeats_rollup")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_days_rolled_up_before_are_forgotten_and_counted_live(back_to_the_latest_schema):
    apps = migrate(BEFORE)
    day = dt.date(2026, 11, 30)
    apps.get_model("reports", "RolledUpDay").objects.create(day=day)
    apps.get_model("reports", "DailyFigure").objects.create(
        day=day, figure="escalations", part=3, total=3
    )

    migrate(AFTER)

    assert not RolledUpDay.objects.exists()
    assert not DailyFigure.objects.exists()
