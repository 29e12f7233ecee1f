"""``row_unchanged_since_read(boolean)``: the check of a write that read its row without a lock
(``kit.statemachine.StateMachine.read_versioned``, issue 18: the API escalate on PostgreSQL).

The API escalate read its case ``FOR NO KEY UPDATE`` inside a transaction: BEGIN, the locked
read, the one statement that writes, COMMIT. It now reads the case without a lock, with its
version (its ``xmin`` and ``ctid``, which every new version of the row changes), and the
statement that writes updates the case ``WHERE`` its key matches
``AND row_unchanged_since_read(<version> = <read>)``:
the UPDATE takes the row's lock itself (waiting for a writer that holds it, then looking at
the row as that writer left it), and when the row is no longer the version read, this function
raises ``ES409`` and the whole statement fails: no hop, note, timer, history or outbox row is
written. The view answers 409, as a stale lock-read did. Outside a transaction the statement is
its own: two round trips fewer, and no lock held while Python works.

PostgreSQL only (SQLite keeps the locked read)."""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION row_unchanged_since_read(unchanged boolean) RETURNS boolean
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        IF unchanged THEN
            RETURN true;
        END IF;
        RAISE EXCEPTION 'the row changed since it was read'
            USING ERRCODE = 'ES409',
                  HINT = 'Read it again and decide again (kit.statemachine.read_versioned).';
    END
    $$
    """,
]
POSTGRESQL_BACK = ["DROP FUNCTION row_unchanged_since_read(boolean)"]


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
        ("escalations", "0023_sla_next_due_checked_after"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
