"""Writes of several models in one statement on PostgreSQL: ``insert_together`` for a request's
few new rows (an ``INSERT ... RETURNING`` per model, each in a ``WITH``, with the other writes
that go with them), ``insert_all`` choosing it or ``COPY`` by the number of rows, and
``insert_select_statement`` for rows the database makes from a ``SELECT``. Moved out of
``kit.bulk`` (whose single-model writes they use)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from kit import native
from kit.bulk import (
    FEW,
    Drawn,
    bulk_history,
    bulk_insert,
    history_rows,
    insert_fields,
    insert_returning,
    mark_saved,
    model_fields,
    remember_history_rows,
    rows_to_insert,
)


@dataclasses.dataclass
class Returning:
    """A write for ``insert_together``'s ``also`` whose ``RETURNING`` (one column, a key or a
    reference: an integer) is read: ``rows``, the values it returned, once it has run."""

    sql: str
    params: Sequence[Any]
    rows: list[Any] = dataclasses.field(default_factory=list)


def insert_select_statement(
    template: models.Model,
    *,
    columns: dict[str, str],
    source: str,
    params: Sequence[Any],
    returning: str,
) -> Returning:
    """``INSERT INTO <template's table> ... SELECT ... FROM source RETURNING <returning>``
    (PostgreSQL; ``returning``: an attname), not run: one new row per row of ``source`` (an SQL
    ``FROM`` clause, with ``params``), each the row ``bulk_insert`` writes for ``template`` (a
    new object: its defaults, ``auto_now`` fields stamped, values converted alike) but for
    ``columns``, SQL expressions by attname (e.g. ``gen_random_uuid()``, a column of
    ``source``). The key is the table's default."""
    _fields, row_of = rows_to_insert([template])
    sql, taken = _select_plan(
        type(template),
        tuple(columns.items()),
        source,
        returning,
        connection.vendor,
    )
    row = row_of(template)
    return Returning(sql, [*(row[i] for i in taken), *params])


@functools.lru_cache(maxsize=64)
def _select_plan(
    model: type[models.Model],
    columns: tuple[tuple[str, str], ...],
    source: str,
    returning: str,
    vendor: str,
) -> tuple[str, tuple[int, ...]]:
    """``insert_select_statement``'s text for ``model`` writing its fields (``rows_to_insert``'s;
    ``columns``, SQL by attname; the others parameters), and the indexes in a row of the values
    it takes as parameters: built once per shape (every column's ``db_type`` on every call was
    3 % of a worker's CPU during API escalates, issue 18); keyed by the model, not its fields
    (hashing Notification's 18 fields cost 3.4 us a call, as for ``kit.bulk.insert_returning``)."""
    fields = insert_fields(model)
    meta = model._meta
    quote = connection.ops.quote_name
    expressions = dict(columns)
    written, values, taken = [], [], []
    for i, field in enumerate(fields):
        if field is meta.pk:
            continue
        written.append(quote(field.column))
        if field.attname in expressions:
            values.append(expressions[field.attname])
        else:  # typed: a parameter of a SELECT list has no column to take its type from
            values.append(f"%s::{field.db_type(connection)}")
            taken.append(i)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(written)}) "
        f"SELECT {', '.join(values)} FROM {source} "
        f"RETURNING {quote(model_fields(model)[0][returning].column)}"
    )
    return sql, tuple(taken)


def _run_also(also: Sequence[tuple[str, Sequence[Any]] | Returning]) -> None:
    """``also`` run one statement at a time, in order (what a ``Returning`` returns read)."""
    with connection.cursor() as cursor:
        for write in also:
            if isinstance(write, Returning):
                cursor.execute(write.sql, write.params)
                write.rows = [value for (value,) in cursor.fetchall()]
            else:
                cursor.execute(*write)


def insert_together(
    objs: Sequence[models.Model],
    *,
    history: Sequence[models.Model] = (),
    date: dt.datetime | None = None,
    also: Sequence[tuple[str, Sequence[Any]] | Returning] = (),
) -> list[models.Model]:
    """Insert a few new objects of several models (``FEW`` at most of each; the objects of one
    model next to one another) as ``bulk_insert`` does, with the history rows of those in
    ``history`` (as ``bulk_history`` writes them, after the objects' ``auto_now`` fields are
    stamped): on PostgreSQL in ONE statement, an ``INSERT ... RETURNING`` per model, each in a
    ``WITH``, one round trip for all. The objects that others refer to must have their keys
    already (``draw_keys_sql``), or else a unique field (besides the key) with its value set
    (e.g. an outbox row's event id, referred to by its webhook delivery): the reference is then
    found by that field in what the earlier INSERT of the statement returns (a subquery: the
    order of the returned rows is not relied on) and set on the object afterwards. Django's
    foreign keys are checked at commit on PostgreSQL, so the order of the rows does not matter
    there. Elsewhere, one ``bulk_insert`` per model, in the order given (the keys of a model's
    rows known before the next model's are written), then ``bulk_history`` per model.

    ``also``: other writes (statements with their parameters, written for this database, e.g.
    ``set_statement``'s UPDATE) that go with the rows: on PostgreSQL each in a ``WITH`` of the
    same statement (run once, to completion, whether read or not; a row they change must not be
    changed by another part of the statement), elsewhere run first, in the order given. No
    ``RETURNING``, but in a ``Returning``: what it returns (one integer column) is read into its
    ``rows`` (e.g. the recipients of the rows an ``insert_select_statement`` made)."""
    groups = _grouped(objs)
    db = connections[DEFAULT_DB_ALIAS]  # ``connection``, looked up once (kit.bulk.mark_saved)
    if db.vendor != "postgresql" or not (objs or history):  # nothing to return: one by one
        _run_also(also)
        for group in groups:
            bulk_insert(group)
        for group in _grouped(history):
            bulk_history(group, date=date)
        return list(objs)
    parts: list[str] = []
    params: list[Any] = []
    quote = db.ops.quote_name
    keyless: dict[int, tuple[int, models.Field | None]] = {}  # id(object): its part, unique field
    handles: dict[int, models.Field] = {}  # part: the unique field its INSERT returns too
    linked: list[tuple[list[models.Model], list[models.Field]]] = []
    writes: list[str] = []
    read: list[tuple[int, Returning]] = []  # what the Returning writes return, tagged below 0
    for write in also:
        sql, values = (write.sql, write.params) if isinstance(write, Returning) else write
        if isinstance(write, Returning):
            read.append((-1 - len(writes), write))
        writes.append(f"w{len(writes)} AS ({sql})")
        params.extend(values)

    def add(group: list[models.Model]) -> None:
        if len(group) > FEW or len({obj.pk is None for obj in group}) > 1:
            raise ValueError("insert_together: a few rows per model, all with keys or none")
        drawn = _links(group, keyless, handles)
        sql, values, _returned = insert_returning(group, *rows_to_insert(group), drawn=drawn)
        parts.append(sql)
        params.extend(values)
        if drawn:
            fields = model_fields(type(group[0]))[0]
            linked.append((group, [fields[attname] for attname in drawn]))
        if group[0].pk is None:
            handle = _handle(type(group[0]))
            keyless.update((id(obj), (len(parts) - 1, handle)) for obj in group)

    for group in groups:
        add(group)
    history_groups = [(group, history_rows(group, date=date)) for group in _grouped(history)]
    for _group, rows in history_groups:
        add(rows)
    everything = groups + [rows for _group, rows in history_groups]
    for part, handle in handles.items():  # what the later rows find these by is returned too
        parts[part] += f", {quote(handle.column)}"
    ctes = ", ".join(writes + [f"g{i} AS ({sql})" for i, sql in enumerate(parts)])
    keys = " UNION ALL ".join(
        [
            *(
                f"SELECT {i}, {quote(type(group[0])._meta.pk.column)} FROM g{i}"
                for i, group in enumerate(everything)
            ),
            *(f"SELECT {tag}, r.* FROM w{-1 - tag} AS r" for tag, _write in read),
        ]
    )
    # long and with many parameters: numbered once per process, not parsed by psycopg each time
    returned: dict[int, list[Any]] = {}  # by part (or tag), in the order returned
    for number, value in native.fetch_all(f"WITH {ctes} {keys}", params):
        returned.setdefault(number, []).append(value)
    for tag, write in read:
        write.rows = returned.get(tag, [])
    for i, group in enumerate(everything):
        pk = type(group[0])._meta.pk
        for obj, key in zip(group, returned.get(i, []), strict=True):
            setattr(obj, pk.attname, key)
        mark_saved(group)
    for group, relations in linked:  # the references found in the statement, known here now
        for obj in group:
            for field in relations:
                setattr(obj, field.attname, obj._state.fields_cache[field.name].pk)
    for group, rows in history_groups:
        remember_history_rows(group, rows)
    return list(objs)


def insert_all(
    objs: Sequence[models.Model],
    *,
    history: Sequence[models.Model] = (),
    date: dt.datetime | None = None,
    also: Sequence[tuple[str, Sequence[Any]] | Returning] = (),
) -> list[models.Model]:
    """New objects of several models (the objects of one model next to one another, those
    referred to before those referring to them) with the history rows of those in ``history``
    and the other writes in ``also``: as :func:`insert_together` (one statement on PostgreSQL)
    when no model has more than ``FEW`` of them, else ``also`` first (as ``insert_together``
    runs it elsewhere), then one :func:`bulk_insert` per model (``COPY``, the keys drawn first)
    in the order given, then :func:`bulk_history` per model."""
    if not objs and not history and not also:
        return []
    groups = _grouped(objs)
    history_groups = _grouped(history)
    if connection.vendor != "postgresql" or all(
        len(group) <= FEW and len({obj.pk is None for obj in group}) == 1
        for group in groups + history_groups
    ):
        return insert_together(objs, history=history, date=date, also=also)
    _run_also(also)
    for group in groups:
        bulk_insert(group)
    for group in history_groups:
        bulk_history(group, date=date)
    return list(objs)


def _links(
    group: list[models.Model],
    keyless: dict[int, tuple[int, models.Field | None]],
    handles: dict[int, models.Field],
) -> dict[str, Drawn]:
    """``insert_together``: the group's references to new objects of an earlier part of the
    statement (no key yet), as subqueries finding them by their unique field in what that part
    returns (noted in ``handles``); for all the group's objects or none, per relation."""
    drawn: dict[str, Drawn] = {}
    if not keyless:
        return drawn
    db = connections[DEFAULT_DB_ALIAS]  # ``connection``, looked up once (kit.bulk.mark_saved)
    quote = db.ops.quote_name
    for field in model_fields(type(group[0]))[1].values():
        targets = [obj._state.fields_cache.get(field.name) for obj in group]
        found = [target is not None and id(target) in keyless for target in targets]
        if not any(found):
            continue
        parts = {keyless[id(target)] for target in targets if id(target) in keyless}
        if not all(found) or len(parts) > 1:
            raise ValueError("insert_together: a relation to the new rows of one model, for all")
        ((part, handle),) = parts
        if handle is None:
            raise ValueError(
                f"insert_together: new {field.related_model.__name__} rows referred to in the "
                "statement need a unique field"
            )
        handles[part] = handle
        sql = (
            f"(SELECT {quote(handle.model._meta.pk.column)} FROM g{part} "
            f"WHERE {quote(handle.column)} = %s)"
        )

        def params(obj: models.Model, name: str = field.name, handle=handle) -> list[Any]:
            value = getattr(obj._state.fields_cache[name], handle.attname)
            return [handle.get_db_prep_save(value, db)]

        drawn[field.attname] = (sql, params)
    return drawn


@functools.cache
def _handle(model: type[models.Model]) -> models.Field | None:
    """The unique field (besides the key) by which ``insert_together`` finds a new row of
    ``model`` that later rows of the same statement refer to; ``None`` when it has none."""
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key and not field.null:
            return field
    return None


def _grouped(objs: Sequence[models.Model]) -> list[list[models.Model]]:
    groups: list[list[models.Model]] = []
    for obj in objs:
        if groups and type(groups[-1][0]) is type(obj):
            groups[-1].append(obj)
        else:
            groups.append([obj])
    return groups
