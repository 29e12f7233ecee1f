"""``Case.sla_next_due`` written by the statement that writes the case and its timers, and
checked by the database after it (issue 18: the create and the escalate on PostgreSQL).

Until now (0022) the case's own trigger was a ``BEFORE UPDATE`` trigger that replaced any value
an UPDATE wrote into the column with the one computed from the timers. A statement that writes
a case and its new timers together (the API create's one INSERT, the escalate's one statement)
cannot see those timers before it ends, so the case was written without them, and the timers'
statement trigger then wrote the case a second time: a second version of the row, an entry in
each of the case table's 17 indexes, and four foreign keys of the row checked again (the row
was written by this transaction: 25 checks per escalate, 21 now).

Here the case's trigger is an ``AFTER UPDATE`` row trigger: it lets the statement write the
value it computed (``escalations.sla.timers.nearest_due``), and at the end of the statement,
when the statement's timers are visible, compares it with the running timers' nearest deadline
and writes that one only where they differ (a full ``save()`` of a case read before its timers
changed: the stale value is corrected, as before, by a second UPDATE). The timers' statement
triggers (0022) then find the value right and write nothing. Same guarantee as 0021 and 0022:
after every statement the stored value is the running timers' nearest deadline, whatever a
statement writes into the column. Skipped, as before, inside the timers' triggers and the
``later`` catch-up (``pg_trigger_depth() > 1``, ``'writing'``), which compute the value.

SQLite keeps 0021's triggers (an ``AFTER UPDATE`` trigger already)."""

from django.db import migrations

LATER = "escalations.sla_next_due_later"

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION escalations_case_sla_next_due_check() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        due timestamptz;
    BEGIN
        IF pg_trigger_depth() > 1 OR current_setting('{LATER}', true) = 'writing' THEN
            RETURN NULL;  -- written by the timers' triggers or the catch-up: computed already
        END IF;
        -- in the function itself (not escalations_case_sla_next_due()): its plan kept
        SELECT min(t.due_at) INTO due FROM escalations_slatimer t
        WHERE t.case_id = NEW.id AND t.stopped_at IS NULL AND t.running_since IS NOT NULL;
        IF due IS DISTINCT FROM NEW.sla_next_due THEN
            UPDATE escalations_case SET sla_next_due = due WHERE id = NEW.id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER escalations_case_sla_next_due ON escalations_case",
    # an UPDATE that writes the value the case has (most saves) has nothing to check
    """
    CREATE TRIGGER escalations_case_sla_next_due AFTER UPDATE OF sla_next_due
    ON escalations_case FOR EACH ROW
    WHEN (NEW.sla_next_due IS DISTINCT FROM OLD.sla_next_due)
    EXECUTE FUNCTION escalations_case_sla_next_due_check()
    """,
]

# Back to 0022's trigger (its function is still there).
POSTGRESQL_BACK = [
    "DROP TRIGGER escalations_case_sla_next_due ON escalations_case",
    """
    CREATE TRIGGER escalations_case_sla_next_due BEFORE UPDATE OF sla_next_due
    ON escalations_case FOR EACH ROW
    WHEN (NEW.sla_next_due IS DISTINCT FROM OLD.sla_next_due)
    EXECUTE FUNCTION escalations_case_sla_next_due_keep()
    """,
    "DROP FUNCTION escalations_case_sla_next_due_check()",
]


def _run(schema_editor, statements) -> None:
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, POSTGRESQL)


def uninstall(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_BACK)


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0022_sla_next_due_statement_triggers"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
