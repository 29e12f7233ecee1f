"""``kit.native.fetch_all`` runs a statement with PostgreSQL's own placeholders (psycopg's
``RawCursor`` in Django's wrapper) and gets what Django's cursor gets: the same rows, the
statement seen by execute wrappers, database errors translated; while queries are logged, and
for other statements and databases, it goes through Django's cursor."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from kit import native
from kit.native import _numbered

pytestmark = pytest.mark.postgres  # elsewhere ``fetch_all`` is Django's cursor itself


def _plain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


SQL = "SELECT %s::int + 1, %s::text || 'x', %s::int IS NULL UNION ALL SELECT 0, %s, %s::int IS NULL"
PARAMS = [41, "a", None, "b", 7]


def test_the_rows_are_django_cursors_rows(db):
    assert native.fetch_all(SQL, PARAMS) == _plain(SQL, PARAMS)


def test_the_statement_is_seen_by_execute_wrappers_and_counted(db):
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert native.fetch_all(SQL, PARAMS) == _plain(SQL, PARAMS)
    assert len(seen) == 2
    assert seen[0] == _numbered(SQL)  # the native way
    with CaptureQueriesContext(connection) as captured:  # logged: Django's cursor
        assert native.fetch_all(SQL, PARAMS) == _plain(SQL, PARAMS)
    assert len(captured) == 2


def test_placeholders_are_numbered_in_order():
    assert _numbered("SELECT %s, %s FROM t WHERE a = %s") == "SELECT $1, $2 FROM t WHERE a = $3"


def test_database_errors_are_djangos(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        native.fetch_all(
            "INSERT INTO auth_group (name) VALUES (%s), (%s) RETURNING id", ["same", "same"]
        )


def test_other_percent_signs_go_through_djangos_cursor(db):
    sql = "SELECT 'a%%b', %s::int"
    assert native.fetch_all(sql, [3]) == _plain(sql, [3]) == [("a%b", 3)]
