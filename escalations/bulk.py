"""Bulk writes with the same outcome as saving one by one.

``bulk_set``: one UPDATE for many rows with different values, on PostgreSQL and SQLite alike.

Django's ``bulk_update`` writes ``CASE WHEN id = ... THEN ...`` for every row and field: its
cost grows with rows x fields both in Python (each ``When`` is a resolved ``Q``) and in the
database. The SLA sweep moves hundreds of rows per batch, so it joins a ``VALUES`` list
instead: ``UPDATE t SET a = v.column2 FROM (VALUES (...), ...) AS v WHERE t.id = v.column1``
(both databases name a ``VALUES`` list's columns ``column1``, ``column2``, ...)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

BATCH = 1000


def bulk_set(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of every object (already changed in memory) by primary key, one
    statement per 1,000 objects. Writes no history and sends no signals: the callers write
    their history rows themselves."""
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        placeholder = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    else:
        placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{i}" for i, field in enumerate(columns[1:], start=2)
    )
    table = quote(meta.db_table)
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            chunk = objs[start : start + BATCH]
            params = [
                field.get_db_prep_save(getattr(obj, field.attname), connection)
                for obj in chunk
                for field in columns
            ]
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM (VALUES {', '.join([placeholder] * len(chunk))}) AS v "
                f"WHERE {table}.{quote(meta.pk.column)} = v.column1",
                params,
            )
            updated += cursor.rowcount
    return updated


def bulk_history(
    objs: Sequence[models.Model], *, update: bool = False, date: dt.datetime | None = None
) -> None:
    """The history rows of objects written in bulk, in one INSERT, each with the object's
    ``_history_user`` and ``_change_reason``. ``pre_create_historical_record`` is sent for
    each row as for a single save, so whatever completes history rows (the audit app's user
    and reason, the demo's clock) sees bulk writes too."""
    if not objs:
        return
    history_model = type(objs[0]).history.model
    date = date or timezone.now()
    rows = []
    for obj in objs:
        user = getattr(obj, "_history_user", None)
        reason = getattr(obj, "_change_reason", "") or ""
        row = history_model(
            history_date=date,
            history_user=user,
            history_change_reason=reason,
            history_type="~" if update else "+",
            **{
                field.attname: getattr(obj, field.attname) for field in history_model.tracked_fields
            },
        )
        pre_create_historical_record.send(
            sender=history_model,
            instance=obj,
            history_date=date,
            history_user=user,
            history_change_reason=reason,
            history_instance=row,
            using=None,
        )
        rows.append(row)
    history_model.objects.bulk_create(rows)
