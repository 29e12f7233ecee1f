"""``Case.sla_next_due`` for bulk loads (the benchmarks' raw SQL): the database keeps the
column with a row trigger per timer written (escalations/migrations/0021_case_sla_next_due.py),
one UPDATE of its case each; a load of a million timers writes them without the triggers and
fills the column once, in one statement. PostgreSQL."""

from __future__ import annotations

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
    """The triggers on again, and the cases' nearest deadlines filled in one UPDATE."""
    cursor.execute("ALTER TABLE escalations_slatimer ENABLE TRIGGER USER")
    cursor.execute(FILL)
