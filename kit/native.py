"""Long statements sent with PostgreSQL's own placeholders, numbered once per process.

psycopg turns a statement's ``%s`` placeholders into PostgreSQL's ``$1 … $n`` on every
execute, and remembers the result only for statements under 4,096 characters and 50
parameters. The statement that writes a new case with its timers, call log, history rows and
outbox rows (``kit.together.insert_together``: about 150 parameters and 10,000 characters) was
parsed again on every create: more Python time than building its rows (bench/README.md, issue
18's fifth pass). ``fetch_all`` numbers such a statement once per process (per text) and runs
it through psycopg's ``RawCursor`` (its public cursor for ``$n`` placeholders), inside
Django's own cursor wrapper (``make_cursor``): database errors translated as usual, execute
wrappers see it. While Django logs queries (``DEBUG``, the tests' query counts) the statement
goes through Django's cursor as it is: the log writes it with its values by psycopg's
``%s`` parsing.

The one place that uses ``RawCursor`` and Django's ``make_cursor`` (the wrapper Django puts
around every cursor): on PostgreSQL with server-side binding (``DB_SERVER_SIDE_BINDING``, the
default) only; elsewhere, or with client-side binding (behind a pooler), the statement goes
through Django's cursor as it is.
``tests/kit/test_native_statements.py`` holds both ways equal."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

_PLACEHOLDER = re.compile(r"%s")


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Run ``sql`` (``%s`` placeholders, no other ``%``) with ``params`` and return its rows
    (plain values: no time zone conversion is set up for them)."""
    db = connections[DEFAULT_DB_ALIAS]  # ``connection``, looked up once (kit.bulk.mark_saved)
    numbered = None if db.queries_logged or not _native(db) else _numbered(sql)
    if numbered is None:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    db.ensure_connection()
    with db.make_cursor(psycopg.RawCursor(db.connection)) as cursor:
        cursor.execute(numbered, params)
        return cursor.fetchall()


def _native(db: BaseDatabaseWrapper) -> bool:
    return (
        db.vendor == "postgresql" and db.settings_dict["OPTIONS"].get("server_side_binding") is True
    )


@functools.lru_cache(maxsize=128)
def _numbered(sql: str) -> str | None:
    """``sql`` with its ``%s`` numbered ``$1``, ``$2``, … in order; ``None`` when it holds
    another ``%`` (it then goes through Django's cursor as it is). Checked once per text too:
    counting the signs of an escalate's 10,000-character statement took 17 us per call."""
    if sql.count("%") != sql.count("%s"):
        return None
    count = iter(range(1, 1_000_000))
    return _PLACEHOLDER.sub(lambda _match: f"${next(count)}", sql)
