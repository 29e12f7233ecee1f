"""``Case.sla_next_due``: the nearest deadline of the case's running SLA timers, stored so that
the work queue sorts by it with an index (bench/README.md, case list).

Kept in step by the database, in the statement that changes a timer: a row trigger on
``escalations_slatimer`` (insert, delete, and an update that moves a deadline, stops, pauses
or resumes a timer, or moves it to another case) recomputes the column of the case(s)
concerned; a trigger on the column itself recomputes it whatever an UPDATE of the case writes
into it (a full ``save()`` of a case read before its timers changed writes a stale value).
Every path that writes timers (the services, the sweep's bulk writes, the policy and calendar
recomputes, ``COPY``, raw SQL) is covered without a query of its own. "Running" is what
``escalations.sla.selectors.with_sla`` reads: not stopped, and not paused."""

from django.conf import settings
from django.db import migrations, models

RUNNING = "stopped_at IS NULL AND running_since IS NOT NULL"
# the columns whose change can move the nearest running deadline of a case
# ("IS NOT" is SQLite's "IS DISTINCT FROM")
MOVES = (
    "OLD.case_id {ne} NEW.case_id"
    " OR OLD.due_at {ne} NEW.due_at"
    " OR OLD.stopped_at {ne} NEW.stopped_at"
    " OR (OLD.running_since IS NULL) <> (NEW.running_since IS NULL)"
)

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION escalations_case_sla_next_due(case_pk bigint)
    RETURNS timestamptz LANGUAGE sql STABLE AS $$
        SELECT min(due_at) FROM escalations_slatimer WHERE case_id = case_pk AND {RUNNING}
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION escalations_case_sla_next_due_keep() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.sla_next_due := escalations_case_sla_next_due(NEW.id);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION escalations_slatimer_sla_next_due() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- the case's own trigger computes the value (escalations_case_sla_next_due_keep)
        IF TG_OP <> 'INSERT' THEN
            UPDATE escalations_case SET sla_next_due = NULL WHERE id = OLD.case_id;
        END IF;
        IF TG_OP = 'INSERT' OR NEW.case_id IS DISTINCT FROM OLD.case_id THEN
            UPDATE escalations_case SET sla_next_due = NULL WHERE id = NEW.case_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER escalations_case_sla_next_due BEFORE UPDATE OF sla_next_due
    ON escalations_case FOR EACH ROW EXECUTE FUNCTION escalations_case_sla_next_due_keep()
    """,
    """
    CREATE TRIGGER escalations_slatimer_sla_next_due_write AFTER INSERT OR DELETE
    ON escalations_slatimer FOR EACH ROW EXECUTE FUNCTION escalations_slatimer_sla_next_due()
    """,
    f"""
    CREATE TRIGGER escalations_slatimer_sla_next_due_move
    AFTER UPDATE OF case_id, due_at, stopped_at, running_since ON escalations_slatimer
    FOR EACH ROW WHEN ({MOVES.format(ne="IS DISTINCT FROM")}) EXECUTE FUNCTION escalations_slatimer_sla_next_due()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_move ON escalations_slatimer",
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_write ON escalations_slatimer",
    "DROP TRIGGER IF EXISTS escalations_case_sla_next_due ON escalations_case",
    "DROP FUNCTION IF EXISTS escalations_slatimer_sla_next_due()",
    "DROP FUNCTION IF EXISTS escalations_case_sla_next_due_keep()",
    "DROP FUNCTION IF EXISTS escalations_case_sla_next_due(bigint)",
]

# SQLite: no function of our own, and a BEFORE trigger cannot change the row: AFTER triggers
# that write the column again (recursive triggers are off, so the case's trigger does not
# fire itself).
NEXT_DUE = (
    "(SELECT min(t.due_at) FROM escalations_slatimer t "
    f"WHERE t.case_id = escalations_case.id AND t.{RUNNING.replace(' AND ', ' AND t.')})"
)
SQLITE = [
    f"""
    CREATE TRIGGER escalations_case_sla_next_due AFTER UPDATE OF sla_next_due
    ON escalations_case FOR EACH ROW BEGIN
        UPDATE escalations_case SET sla_next_due = {NEXT_DUE} WHERE id = NEW.id;
    END
    """,
    f"""
    CREATE TRIGGER escalations_slatimer_sla_next_due_insert AFTER INSERT
    ON escalations_slatimer FOR EACH ROW BEGIN
        UPDATE escalations_case SET sla_next_due = {NEXT_DUE} WHERE id = NEW.case_id;
    END
    """,
    f"""
    CREATE TRIGGER escalations_slatimer_sla_next_due_delete AFTER DELETE
    ON escalations_slatimer FOR EACH ROW BEGIN
        UPDATE escalations_case SET sla_next_due = {NEXT_DUE} WHERE id = OLD.case_id;
    END
    """,
    f"""
    CREATE TRIGGER escalations_slatimer_sla_next_due_move
    AFTER UPDATE OF case_id, due_at, stopped_at, running_since ON escalations_slatimer
    FOR EACH ROW WHEN {MOVES.format(ne="IS NOT")} BEGIN
        UPDATE escalations_case SET sla_next_due = {NEXT_DUE}
        WHERE id IN (OLD.case_id, NEW.case_id);
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_move",
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_delete",
    "DROP TRIGGER IF EXISTS escalations_slatimer_sla_next_due_insert",
    "DROP TRIGGER IF EXISTS escalations_case_sla_next_due",
]

# the cases with a running timer (the others stay empty)
FILL = (
    f"UPDATE escalations_case SET sla_next_due = {NEXT_DUE} WHERE id IN "
    f"(SELECT case_id FROM escalations_slatimer WHERE {RUNNING})"
)


def _run(schema_editor, statements) -> None:
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE)
    else:
        raise NotImplementedError(f"Case.sla_next_due has no triggers for {vendor}")
    _run(schema_editor, [FILL])


def uninstall(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_DROP)
    elif schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_absence_flags_to_periods"),
        ("escalations", "0020_sweep_drop_redundant_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="sla_next_due",
            field=models.DateTimeField(editable=False, null=True, verbose_name="next SLA deadline"),
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status__in", ["resolved", "closed"]), _negated=True),
                fields=["assigned_team", "sla_next_due"],
                name="case_team_sla_open_idx",
            ),
        ),
    ]
