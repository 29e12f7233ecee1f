"""``Case.sla_next_due`` kept by one recompute per statement on PostgreSQL (issue 18: the SLA
sweep at 1,000,000 cases).

0021 kept the column with row triggers: each timer inserted, deleted or moved ran an UPDATE of
its case, whose own row trigger then read the case's timers again. A sweep batch of 500
breaches stops 500 timers and starts 1,000: 1,500 UPDATE statements of a case, each writing a
new version of the row and an entry in every index of the case table, and as many reads of the
timers; the sweep went from ~1,050 to ~570 breaches/s.

Here the timers' triggers are statement triggers with transition tables (``REFERENCING NEW
TABLE``/``OLD TABLE``): after each INSERT, UPDATE or DELETE of timers, one UPDATE recomputes the
cases whose running timers it touched, and writes only those whose value changes. The case's
own trigger (a full ``save()`` of a case read before its timers changed writes a stale value)
now fires only when an UPDATE changes the value, and leaves alone what the timers' triggers
wrote (``pg_trigger_depth() > 1``: an UPDATE run by a trigger; no other trigger updates
cases). Same guarantee as 0021: the stored value is the running timers' nearest deadline after
every statement, whatever wrote the timers, with one exception asked for by name: a unit of
work that writes a case's timers in several statements (the SLA sweep's batch of escalations:
the breached hop's timers stopped, the next hop's started) may set
``escalations.sla_next_due_later`` for its transaction (``escalations.sla.next_due.later``);
the timers' triggers then skip, and it recomputes its cases once at its end, in one UPDATE
(``escalations_sla_next_due_catch_up``), which also clears the setting. Other transactions
never see the cases between the two (the batch is one transaction).

SQLite (tests, development) keeps 0021's row triggers: it has no statement triggers."""

from django.db import migrations

RUNNING = "{t}.stopped_at IS NULL AND {t}.running_since IS NOT NULL"

# The cases of ``touched`` (a query of ``case_id``s): their running timers' nearest deadline,
# written where it changes. ``min`` over the case's timers through sla_timer_case_kind_idx.
RECOMPUTE = f"""
    UPDATE escalations_case c SET sla_next_due = d.due
    FROM (
        SELECT k.case_id, (
            SELECT min(t.due_at) FROM escalations_slatimer t
            WHERE t.case_id = k.case_id AND {RUNNING.format(t="t")}
        ) AS due
        FROM (SELECT DISTINCT case_id FROM ({{touched}}) touched) k
    ) d
    WHERE c.id = d.case_id AND c.sla_next_due IS DISTINCT FROM d.due
"""

# Only a running timer counts: one inserted or deleted stopped or paused changes nothing.
INSERTED = f"SELECT case_id FROM new_timers n WHERE {RUNNING.format(t='n')}"
DELETED = f"SELECT case_id FROM old_timers o WHERE {RUNNING.format(t='o')}"
# A moved timer (0021's condition): its old case if it ran, its new case if it runs.
MOVES = """
    FROM old_timers o JOIN new_timers n ON n.id = o.id
    WHERE (
        o.case_id IS DISTINCT FROM n.case_id
        OR o.due_at IS DISTINCT FROM n.due_at
        OR o.stopped_at IS DISTINCT FROM n.stopped_at
        OR (o.running_since IS NULL) <> (n.running_since IS NULL)
    )
"""
MOVED = (
    f"SELECT o.case_id {MOVES} AND {RUNNING.format(t='o')} "
    f"UNION ALL SELECT n.case_id {MOVES} AND {RUNNING.format(t='n')}"
)


# Set (transaction-local) by a unit of work that writes many timers and recomputes its cases
# once at its end (``escalations.sla.next_due.later``: the SLA sweep's batches).
LATER = "escalations.sla_next_due_later"
CATCH_UP = f"""
    CREATE OR REPLACE FUNCTION escalations_sla_next_due_catch_up(case_ids bigint[])
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config('{LATER}', 'writing', true);  -- the case's trigger: computed here
        {RECOMPUTE.format(touched="SELECT unnest(case_ids) AS case_id")};
        PERFORM set_config('{LATER}', '', true);
    END
    $$
"""


def _function(name: str, touched: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('{LATER}', true) = 'on' THEN
            RETURN NULL;  -- the statement's transaction catches up (escalations.sla.next_due)
        END IF;
        {RECOMPUTE.format(touched=touched)};
        RETURN NULL;
    END
    $$
    """


POSTGRESQL = [
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_move ON escalations_slatimer",
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_write ON escalations_slatimer",
    "DROP FUNCTION IF EXISTS escalations_slatimer_sla_next_due()",
    _function("escalations_slatimer_sla_next_due_inserted", INSERTED),
    _function("escalations_slatimer_sla_next_due_deleted", DELETED),
    _function("escalations_slatimer_sla_next_due_updated", MOVED),
    CATCH_UP,
    """
    CREATE TRIGGER escalations_slatimer_sla_next_due_insert AFTER INSERT ON escalations_slatimer
    REFERENCING NEW TABLE AS new_timers
    FOR EACH STATEMENT EXECUTE FUNCTION escalations_slatimer_sla_next_due_inserted()
    """,
    """
    CREATE TRIGGER escalations_slatimer_sla_next_due_delete AFTER DELETE ON escalations_slatimer
    REFERENCING OLD TABLE AS old_timers
    FOR EACH STATEMENT EXECUTE FUNCTION escalations_slatimer_sla_next_due_deleted()
    """,
    # (a trigger with transition tables cannot name the columns of an UPDATE: MOVED filters)
    """
    CREATE TRIGGER escalations_slatimer_sla_next_due_update AFTER UPDATE ON escalations_slatimer
    REFERENCING OLD TABLE AS old_timers NEW TABLE AS new_timers
    FOR EACH STATEMENT EXECUTE FUNCTION escalations_slatimer_sla_next_due_updated()
    """,
    f"""
    CREATE OR REPLACE FUNCTION escalations_case_sla_next_due_keep() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_trigger_depth() > 1 OR current_setting('{LATER}', true) = 'writing' THEN
            RETURN NEW;  -- written by the timers' triggers or the catch-up: computed already
        END IF;
        NEW.sla_next_due := escalations_case_sla_next_due(NEW.id);
        RETURN NEW;
    END
    $$
    """,
    # an UPDATE that writes the value the case has (a save of a case read after its timers'
    # last change, most saves) has nothing to correct: the stored value is right already
    "DROP TRIGGER escalations_case_sla_next_due ON escalations_case",
    """
    CREATE TRIGGER escalations_case_sla_next_due BEFORE UPDATE OF sla_next_due
    ON escalations_case FOR EACH ROW
    WHEN (NEW.sla_next_due IS DISTINCT FROM OLD.sla_next_due)
    EXECUTE FUNCTION escalations_case_sla_next_due_keep()
    """,
]

# Back to 0021's row triggers (the same statements as its own).
POSTGRESQL_BACK = [
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_update ON escalations_slatimer",
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_delete ON escalations_slatimer",
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_insert ON escalations_slatimer",
    "DROP FUNCTION IF EXISTS escalations_slatimer_sla_next_due_updated()",
    "DROP FUNCTION IF EXISTS escalations_slatimer_sla_next_due_deleted()",
    "DROP FUNCTION IF EXISTS escalations_slatimer_sla_next_due_inserted()",
    "DROP FUNCTION IF EXISTS escalations_sla_next_due_catch_up(bigint[])",
    "DROP TRIGGER IF EXISTS escalations_case_sla_next_due ON escalations_case",
]


def _0021():
    import importlib

    return importlib.import_module("escalations.migrations.0021_case_sla_next_due")


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
        _run(schema_editor, _0021().POSTGRESQL)


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0021_case_sla_next_due"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
