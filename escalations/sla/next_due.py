"""``Case.sla_next_due`` for bulk loads (the benchmarks' raw SQL): the database keeps the
column with a trigger per statement that writes timers (escalations migrations 0021 and 0022),
one UPDATE of the cases it touched; a load of a million timers writes them without the
triggers and fills the column once, in one statement. PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection

# the cases with a running timer: their nearest deadline (the others keep theirs: empty)
FILL = """
    UPDATE escalations_case c SET sla_next_due = t.due FROM (
        SELECT case_id, min(due_at) AS due FROM escalations_slatimer
        WHERE stopped_at IS NULL AND running_since IS NOT NULL GROUP BY case_id
    ) t WHERE c.id = t.case_id
"""


def without_triggers(cursor) -> None:
    """The timers' triggers off (for this table, every session: a load's own database)."""
    cursor.execute("ALTER TABLE escalations_slatimer DISABLE TRIGGER USER")


def fill(cursor) -> None:
    """The triggers on again, and the cases' nearest deadlines filled in one UPDATE (without
    the case's own trigger, which would read each case's timers again: a minute at 1,000,000
    cases)."""
    cursor.execute("ALTER TABLE escalations_slatimer ENABLE TRIGGER USER")
    cursor.execute("ALTER TABLE escalations_case DISABLE TRIGGER escalations_case_sla_next_due")
    cursor.execute(FILL)
    cursor.execute("ALTER TABLE escalations_case ENABLE TRIGGER escalations_case_sla_next_due")


@contextmanager
def later(case_ids: Iterable[int]) -> Iterator[None]:
    """Timers written in this block do not recompute their cases statement by statement: the
    cases ``case_ids`` (every case whose timers the block writes) are recomputed once at its
    end, in one UPDATE (PostgreSQL; elsewhere the row triggers work as always). For a unit of
    work that writes a case's timers in several statements (the SLA sweep's batch: the
    breached hop's timers stopped, the next hop's started, the warned timers' next rungs):
    each case row is written once instead of once per statement. Inside a transaction; if
    the block raises, its transaction (or savepoint) is rolled back, the setting with it."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('escalations.sla_next_due_later', 'on', true)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT escalations_sla_next_due_catch_up(%s)", [sorted(set(case_ids))])
