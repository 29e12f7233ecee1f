"""The audit log's filters go through indexes on every history table, those of models added
later included: the date (pages, date range), the user, the object id, and the case a row
belongs to (a case reference finds the case's notes and hops)."""

from django.db import connection

from audit.registry import history_models


def indexed_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {c["columns"][0] for c in constraints.values() if c["index"] and c["columns"]}


def test_every_history_table_has_the_indexes_the_audit_log_filters_on(db):
    for model in history_models():
        table = model._meta.db_table
        tracked = model.instance_type
        wanted = {"history_date", "history_user_id", tracked._meta.pk.column}
        case_fields = [f for f in tracked._meta.concrete_fields if f.name == "case"]
        wanted |= {f.column for f in case_fields}
        assert wanted <= indexed_columns(table), table
