"""PostgreSQL: history tables refuse UPDATE and DELETE.

One trigger function, and one row trigger per history table (the many-to-many history tables
included), installed after every ``migrate`` for every history table present: tables that apps
add later get it the next time migrations run. The only way past it is the retention command
``purge_history``, which sets ``audit.allow_purge`` for its own transaction (``SET LOCAL``), and
only lets DELETE through. TRUNCATE (a table owner's statement, used by test database flushes) is
not a row operation and is not covered: the application's database role should not own the
tables in production.
"""

from __future__ import annotations

from django.db import connections

from audit.registry import history_tables

TRIGGER_NAME = "audit_history_read_only"
FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_history_read_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('audit.allow_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'history is read-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Old history is removed only by manage.py purge_history.';
END
$$ LANGUAGE plpgsql
"""
TRIGGER_SQL = (
    "CREATE OR REPLACE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION audit_history_read_only()"
)


def install(using: str = "default") -> list[str]:
    """Create or replace the function and one trigger per history table present (idempotent).
    Returns the tables protected; nothing on other databases than PostgreSQL."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    present = set(connection.introspection.table_names())
    tables = [table for table in history_tables() if table in present]
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for table in tables:
            cursor.execute(
                TRIGGER_SQL.format(
                    trigger=connection.ops.quote_name(TRIGGER_NAME),
                    table=connection.ops.quote_name(table),
                )
            )
    return tables


def protected_tables(using: str = "default") -> set[str]:
    """The tables that carry the trigger now (PostgreSQL)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND NOT t.tgisinternal",
            [TRIGGER_NAME],
        )
        return {row[0] for row in cursor.fetchall()}


def install_after_migrate(sender, using="default", plan=None, **kwargs) -> None:
    install(using)
