"""Bulk writes with the same outcome as saving one by one.

``bulk_insert``: many new rows of one model, by ``COPY`` on PostgreSQL (``bulk_create`` elsewhere).

``new``: a new instance as ``Model(**values)`` makes it, for the thousands a sweep batch inserts.

``bulk_set``: one UPDATE for many rows with different values, on PostgreSQL and SQLite alike.

Django's ``bulk_update`` writes ``CASE WHEN id = ... THEN ...`` for every row and field: its
cost grows with rows x fields both in Python (each ``When`` is a resolved ``Q``) and in the
database. The SLA sweep moves hundreds of rows per batch, so it joins a ``VALUES`` list
instead: ``UPDATE t SET a = v.column2 FROM (VALUES (...), ...) AS v WHERE t.id = v.column1``
(both databases name a ``VALUES`` list's columns ``column1``, ``column2``, ...)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import json
import operator
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.functional import Promise
from simple_history.signals import pre_create_historical_record
from simple_history.utils import get_history_model_for_model

from kit.history import live_receivers

BATCH = 1000
# Up to this many new rows (all without a key) are written by one INSERT ... RETURNING.
FEW = 20

# Fields whose Python value psycopg writes as it is: no conversion by Django is needed (text
# and choices only pass through ``_plain``: an enum member or a lazy translation).
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.DateField,  # DateTimeField too: the instances hold aware datetimes already
    models.DurationField,
    models.IntegerField,
    models.UUIDField,
)
_TEXT = (models.CharField, models.TextField)


M = TypeVar("M", bound=models.Model)


@functools.cache
def model_fields(
    model: type[models.Model],
) -> tuple[dict[str, models.Field], dict[str, models.Field]]:
    """The model's concrete fields by attname, and its relations by name."""
    fields = model._meta.concrete_fields
    return {f.attname: f for f in fields}, {f.name: f for f in fields if f.is_relation}


@functools.cache
def _defaults(model: type[models.Model]) -> tuple[dict[str, Any], tuple[models.Field, ...]]:
    """The model's defaults: the constant ones by attname (``None``, ``""``, a literal: the
    object ``get_default`` would return, shared as it is there), and the fields whose default
    is computed per instance (a callable)."""
    constant, computed = {}, []
    for field in model._meta.concrete_fields:
        if field.has_db_default() or (field.has_default() and callable(field.default)):
            computed.append(field)
        else:
            constant[field.attname] = field.get_default()
    return constant, tuple(computed)


def new(model: type[M], **values: Any) -> M:
    """``model(**values)``: the same new, unsaved instance (values by attname, or a related
    object by field name; defaults for the rest), its attributes set directly. Django's
    ``__init__`` looks up every field's keyword, runs the related-object descriptors and sends
    two signals per instance: most of the Python cost of a sweep batch that inserts thousands
    of rows. Models with their own ``__init__`` are built by it."""
    if model.__init__ is not models.Model.__init__:
        return model(**values)
    by_attname, relations = model_fields(model)
    constant, computed = _defaults(model)
    instance = model.__new__(model)
    state = instance._state = ModelState()
    attributes = instance.__dict__
    attributes.update(constant)  # the defaults first; the values given replace them
    for key, value in values.items():
        if key in by_attname:
            attributes[key] = value
        elif key in relations:
            attributes[relations[key].attname] = None if value is None else value.pk
            state.fields_cache[key] = value
        else:
            raise TypeError(f"{model.__name__}() got an unexpected field {key!r}")
    for field in computed:  # e.g. ``default=dict``: a new one per instance, unless given
        if field.attname not in values and field.name not in values:
            attributes[field.attname] = field.get_default()
    return instance


def _values_of(attnames: Sequence[str]):
    """A function giving the list of an instance's values of ``attnames``: read from its
    ``__dict__`` (where Django keeps them; no descriptor per field), else through the
    attributes (a deferred field is loaded as ``getattr`` would)."""
    from_dict = operator.itemgetter(*attnames)
    from_attributes = operator.attrgetter(*attnames)
    single = len(attnames) == 1

    def values_of(obj: models.Model) -> list[Any]:
        try:
            values = from_dict(obj.__dict__)
        except KeyError:
            values = from_attributes(obj)
        return [values] if single else list(values)

    return values_of


_PLAIN_VALUE, _JSON, _PREPARED = range(1, 4)


def _conversions(fields: Sequence[models.Field]) -> list[tuple[int, models.Field, int]]:
    """How each value that psycopg cannot take as it is gets written on PostgreSQL: through
    ``_plain``, as JSON text, or prepared by Django; ``(index, field, how)``."""
    found = []
    for i, field in enumerate(fields):
        if isinstance(field, models.ForeignKey) or (
            isinstance(field, _PLAIN) and not field.choices
        ):
            continue
        if isinstance(field, _TEXT + _PLAIN):
            found.append((i, field, _PLAIN_VALUE))
        elif isinstance(field, models.JSONField):
            found.append((i, field, _JSON))
        else:
            found.append((i, field, _PREPARED))
    return found


@functools.cache
def _insert_plan(model: type[models.Model]):
    """What ``bulk_insert`` needs to know of ``model``, worked out once: its written fields,
    the ``auto_now`` ones, how values are converted, the values' getter, the relations."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    relations = [f for f in fields if isinstance(f, models.ForeignKey)]
    return (
        fields,
        stamped,
        _conversions(fields),
        _values_of([f.attname for f in fields]),
        [(f.attname, f.cache_name) for f in relations],
    )


def insert_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a new row of ``model`` writes: ``rows_to_insert``'s, the same list on every
    call (a statement kept per shape can be keyed by the model rather than by them)."""
    return _insert_plan(model)[0]


# A column whose value the database computes in the INSERT itself (``bulk_insert``'s
# ``drawn``): an SQL expression, e.g. a scalar subquery, and its parameters for an object.
Drawn = tuple[str, Callable[[models.Model], Sequence[Any]]]


def can_draw(count: int) -> bool:
    """Whether ``bulk_insert`` can draw columns in the INSERT for ``count`` new rows: on
    PostgreSQL, up to ``FEW`` (one ``INSERT ... RETURNING``)."""
    return connection.vendor == "postgresql" and 0 < count <= FEW


def bulk_insert(
    objs: Sequence[models.Model], *, drawn: dict[str, Drawn] | None = None
) -> list[models.Model]:
    """Insert new objects of one model as ``bulk_create`` does (primary keys set on them,
    foreign keys taken from related objects saved since they were assigned, ``auto_now``
    fields stamped, no signals), on PostgreSQL by ``COPY`` (up to ``FEW`` new rows: one
    ``INSERT ... RETURNING``, one round trip instead of two): the keys are drawn from the
    table's sequence first, then the rows are streamed. ``bulk_create`` sends every value as
    a client-side quoted array literal, which for a sweep batch's thousands of rows cost
    more than the rest of the batch; ``COPY`` costs a fraction of it (bench/README.md).

    ``drawn``: columns (by attname) whose values the database computes in the INSERT (e.g. the
    next number of a sequence per parent row: one round trip fewer than reading it first),
    read back into the objects. Only for new rows (no key yet) where :func:`can_draw` says so
    (``ValueError`` else)."""
    if not objs:
        return list(objs)
    if drawn and (not can_draw(len(objs)) or any(obj.pk is not None for obj in objs)):
        raise ValueError("bulk_insert draws columns only for a few new rows on PostgreSQL")
    if connection.vendor != "postgresql":
        return type(objs[0])._default_manager.bulk_create(objs)
    meta = type(objs[0])._meta
    pk = meta.pk
    fields, row_of = rows_to_insert(objs)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        missing = [obj for obj in objs if obj.pk is None]
        if len(missing) == len(objs) <= FEW:
            # A request's few rows: one INSERT returning the keys is one round trip, where
            # drawing the keys and then a COPY are two.
            sql, params, returned = insert_returning(objs, fields, row_of, drawn=drawn)
            cursor.execute(sql, params)
            for obj, values in zip(objs, cursor.fetchall(), strict=True):
                for field, value in zip(returned, values, strict=True):
                    setattr(obj, field.attname, value)
        else:
            if missing:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, pk.column, len(missing)],
                )
                for obj, (key,) in zip(missing, cursor.fetchall(), strict=True):
                    setattr(obj, pk.attname, key)
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row(row_of(obj))
    mark_saved(objs)
    return list(objs)


def draw_keys_sql(model: type[models.Model]) -> tuple[str, list[Any]]:
    """An expression drawing the next key of ``model`` from its table's sequence (PostgreSQL),
    with its parameters: for a statement that draws several at once."""
    meta = model._meta
    return "nextval(pg_get_serial_sequence(%s, %s))", [meta.db_table, meta.pk.column]


def mark_saved(objs: Sequence[models.Model]) -> None:
    """The objects as Django marks saved ones (written to this database: ``connection``'s,
    whose alias is ``DEFAULT_DB_ALIAS``; each attribute read through the ``connection`` proxy
    is a thread-local lookup, ~2 us)."""
    for obj in objs:
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


def insert_returning(
    objs: Sequence[models.Model], fields, row_of, *, drawn: dict[str, Drawn] | None = None
) -> tuple[str, list[Any], list[models.Field]]:
    """``INSERT ... VALUES ... RETURNING`` the key (and the ``drawn`` columns), for rows all
    with their key (written) or all without (drawn by the table's default); the statement,
    its parameters and the fields it returns. The text is built once per shape
    (``_returning_plan``); only the parameters are worked out per call."""
    drawn = drawn or {}
    if fields is not _insert_plan(type(objs[0]))[0]:  # the plan is kept per model, not fields
        raise ValueError("insert_returning: the fields rows_to_insert gives for the objects")
    sql, keyed, drawn_at, returned = _returning_plan(
        type(objs[0]),
        objs[0].pk is not None,
        tuple((attname, expression) for attname, (expression, _params) in drawn.items()),
        len(objs),
        connection.vendor,
    )
    params: list[Any] = []
    for obj in objs:
        row = row_of(obj)
        if keyed is not None:
            del row[keyed]
        for i, attname in drawn_at:  # right to left: the indexes still to replace stay right
            row[i : i + 1] = drawn[attname][1](obj)  # the expression's parameters instead
        params.extend(row)
    return sql, params, list(returned)


@functools.lru_cache(maxsize=512)
def _returning_plan(
    model: type[models.Model],
    keys_given: bool,
    drawn: tuple[tuple[str, str], ...],
    count: int,
    vendor: str,
) -> tuple[str, int | None, tuple[tuple[int, str], ...], tuple[models.Field, ...]]:
    """``insert_returning``'s statement for ``count`` rows of ``model`` writing its fields
    (``rows_to_insert``'s: their keys too when ``keys_given``; keyed by the model, as hashing
    the fields cost 4-5 us a call), the ``drawn`` columns (attname, SQL) computed by
    the database: its text, the index of the key to take out of a row (keys not given), where
    the drawn columns' parameters go in a row (right to left) and the fields it returns. The
    text depends on nothing else; building it (quoting, joins) on every call took a third of its
    time (17 -> 12 us for two rows, bench/README.md). Bounded: the drawn SQL names parts of an
    ``insert_together`` statement, an open set."""
    meta = model._meta
    pk = meta.pk
    quote = connection.ops.quote_name
    fields = tuple(_insert_plan(model)[0])
    expressions = dict(drawn)
    written = fields if keys_given else tuple(f for f in fields if f is not pk)
    keyed = None if keys_given else fields.index(pk)
    placeholders = "(" + ", ".join(expressions.get(f.attname, "%s") for f in written) + ")"
    returned = (pk, *(f for f in written if f.attname in expressions))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(f.column) for f in written)}) "
        f"VALUES {', '.join([placeholders] * count)} "
        f"RETURNING {', '.join(quote(f.column) for f in returned)}"
    )
    drawn_at = tuple(
        (i, field.attname)
        for i, field in reversed(list(enumerate(written)))
        if field.attname in expressions
    )
    return sql, keyed, drawn_at, returned


def rows_to_insert(objs: Sequence[models.Model]):
    """The fields a new row of the objects' model writes, and a function giving an object's
    row as PostgreSQL takes it (foreign keys from related objects saved since they were
    assigned, ``auto_now`` fields stamped once for all the objects)."""
    fields, stamped, converted, values_of, unsaved = _insert_plan(type(objs[0]))
    encoded: dict[int, str] = {}
    # ``auto_now`` and ``auto_now_add`` fields: stamped once for the whole statement
    stamps = [(f.attname, f.pre_save(objs[0], add=True)) for f in stamped]

    def row_of(obj: models.Model) -> list[Any]:
        attributes = obj.__dict__
        for attname, cache_name in unsaved:  # assigned before the related object was saved
            if attributes.get(attname) is None:
                related = obj._state.fields_cache.get(cache_name)
                if related is not None:
                    attributes[attname] = related.pk
        for attname, stamp in stamps:
            attributes[attname] = stamp
        row = values_of(obj)
        for i, field, how in converted:
            value = row[i]
            if how == _PLAIN_VALUE:
                if value is not None and value.__class__ is not str:
                    row[i] = _plain(value)
            elif how == _JSON:
                if value is not None:
                    if id(value) not in encoded:
                        encoded[id(value)] = json.dumps(value, cls=field.encoder)
                    row[i] = encoded[id(value)]
            else:
                row[i] = field.get_db_prep_save(value, connection)
        return row

    return fields, row_of


def _plain(value):
    """A choice's value rather than the enum member (psycopg writes enums by name), and a lazy
    translation as the text it stands for."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Promise):
        return str(value)
    return value


@functools.cache
def _set_plan(model: type[models.Model], fields: tuple[str, ...], vendor: str):
    """``bulk_set``'s statement for ``fields`` of ``model``, worked out once (the column types
    alone built a field per foreign key on every call)."""
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    if vendor == "postgresql":
        placeholder = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    else:
        placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{i}" for i, field in enumerate(columns[1:], start=2)
    )
    table = quote(meta.db_table)
    values_of = _values_of([f.attname for f in columns])
    if vendor == "postgresql":
        converted = _conversions(columns)
    else:  # e.g. SQLite stores datetimes as Django formats them
        converted = [(i, f, _PREPARED) for i, f in enumerate(columns)]
    # On PostgreSQL the rows go as one JSON array of arrays (one parameter): a short statement
    # that psycopg converts once, where a VALUES list of thousands of placeholders is split
    # and quoted value by value on every call (most of the cost of a sweep batch's UPDATE).
    as_json = vendor == "postgresql" and all(isinstance(f, _JSON_COLUMNS) for f in columns)
    source = None
    if as_json:
        picked = ", ".join(
            f"(e->>{i})::{f.db_type(connection)} AS column{i + 1}" for i, f in enumerate(columns)
        )
        source = f"(SELECT {picked} FROM json_array_elements(%s::json) AS e)"
    key = f"{table}.{quote(meta.pk.column)}"
    return table, key, assignments, placeholder, source, values_of, converted, as_json


def bulk_set(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of every object (already changed in memory) by primary key, one
    statement per 1,000 objects. Writes no history and sends no signals: the callers write
    their history rows themselves."""
    if not objs:
        return 0
    table, key, assignments, placeholder, source, values_of, converted, as_json = _set_plan(
        type(objs[0]), tuple(fields), connection.vendor
    )
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            cursor.execute(*set_statement(objs[start : start + BATCH], fields))
            updated += cursor.rowcount
    return updated


def set_statement(objs: Sequence[models.Model], fields: Sequence[str]) -> tuple[str, list[Any]]:
    """``bulk_set``'s UPDATE of up to ``BATCH`` objects, not run: the statement and its
    parameters, for a caller that runs it together with other writes
    (``kit.together.insert_together``'s ``also``)."""
    if not 0 < len(objs) <= BATCH:
        raise ValueError(f"set_statement: 1 to {BATCH} objects")
    db = connections[DEFAULT_DB_ALIAS]  # ``connection``, looked up once (see ``mark_saved``)
    table, key, assignments, placeholder, source, values_of, converted, as_json = _set_plan(
        type(objs[0]), tuple(fields), db.vendor
    )
    rows = []
    for obj in objs:
        row = values_of(obj)
        for i, field, how in converted:
            value = row[i]
            if how == _PLAIN_VALUE:
                if value is not None and value.__class__ is not str:
                    row[i] = _plain(value)
            else:
                row[i] = field.get_db_prep_save(value, db)
        rows.append(row)
    if len(rows) == 1:  # by key alone: the planner reads one row through the key's index
        (row,) = rows
        return _set_one_plan(type(objs[0]), tuple(fields), db.vendor), [*row[1:], row[0]]
    if as_json:
        params = [json.dumps(rows, default=_json_value)]
    else:
        params = [value for row in rows for value in row]
        source = f"(VALUES {', '.join([placeholder] * len(objs))})"
    return f"UPDATE {table} SET {assignments} FROM {source} AS v WHERE {key} = v.column1", params


@functools.cache
def _set_one_plan(model: type[models.Model], fields: tuple[str, ...], vendor: str) -> str:
    """``set_statement``'s UPDATE of one object: ``SET`` each field to a parameter ``WHERE`` the
    key is the last one (the values typed as ``_set_plan``'s ``VALUES`` types them). The
    many-row form's list (``json_array_elements`` or ``VALUES``) is estimated at 100 rows
    whatever their number: with up to some thousands of cases the planner then hashed the
    whole case table to update one case (bench/README.md, 2026-12-03); by its key it reads
    that row alone."""
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name

    def typed(field: models.Field) -> str:
        return f"%s::{field.db_type(connection)}" if vendor == "postgresql" else "%s"

    assignments = ", ".join(f"{quote(f.column)} = {typed(f)}" for f in columns[1:])
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "
        f"WHERE {quote(meta.pk.column)} = {typed(meta.pk)}"
    )
    return sql


# Columns whose values ``bulk_set`` can send as JSON (with ``_json_value``) for PostgreSQL to
# cast back from text: exactly the value psycopg would have sent.
_JSON_COLUMNS = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,  # DateTimeField too
    models.DurationField,
    models.ForeignKey,
    models.IntegerField,
    models.TextField,
    models.TimeField,
    models.UUIDField,
)


def _json_value(value: Any) -> Any:
    """A value JSON has no type for, as text PostgreSQL reads back exactly."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    raise TypeError(f"bulk_set cannot send {type(value).__name__} as JSON")


@functools.cache
def _history_model(model: type[models.Model]) -> type[models.Model]:
    """The history model of ``model``, looked up once: simple-history's ``Model.history``
    builds a new manager class on every access (a tenth of a millisecond per history row)."""
    return get_history_model_for_model(model)


@functools.cache
def _tracked(history_model: type[models.Model]) -> tuple[tuple[str, ...], Callable]:
    """The attnames a history row copies from its object, and the getter of their values."""
    tracked = tuple(field.attname for field in history_model.tracked_fields)
    return tracked, _values_of(tracked)


def bulk_history(
    objs: Sequence[models.Model], *, update: bool = False, date: dt.datetime | None = None
) -> None:
    """The history rows of objects written in bulk, in one INSERT, each with the object's
    ``_history_user`` and ``_change_reason``. ``pre_create_historical_record`` is sent for
    each row as for a single save, so whatever completes history rows (the audit app's user
    and reason, the demo's clock) sees bulk writes too."""
    if not objs:
        return
    rows = history_rows(objs, update=update, date=date)
    bulk_insert(rows)
    remember_history_rows(objs, rows)


def remember_history_rows(objs: Sequence[models.Model], rows: Sequence[models.Model]) -> None:
    """After ``rows`` (``history_rows(objs)``) are inserted: each object knows its row's key, as
    a single save would (kit.audit.history_row_id)."""
    for obj, row in zip(objs, rows, strict=True):
        obj._history_row_id = row.pk


def history_rows(
    objs: Sequence[models.Model], *, update: bool = False, date: dt.datetime | None = None
) -> list[models.Model]:
    """The history rows (unsaved) of objects written in bulk, as ``bulk_history`` writes them
    (the objects must have their keys): for ``kit.together.insert_together`` with the objects."""
    history_model = _history_model(type(objs[0]))
    date = date or timezone.now()
    history_type = "~" if update else "+"
    tracked, values_of = _tracked(history_model)
    # The receivers are looked up once for the whole batch, not once per row as ``send`` does.
    receivers, async_receivers = live_receivers(pre_create_historical_record, history_model)
    if async_receivers:
        raise NotImplementedError("pre_create_historical_record has asynchronous receivers")
    rows = []
    for obj in objs:
        user = getattr(obj, "_history_user", None)
        row = new(
            history_model,
            history_date=date,
            history_change_reason=getattr(obj, "_change_reason", "") or "",
            history_type=history_type,
            history_user=user,
        )
        row.__dict__.update(zip(tracked, values_of(obj), strict=True))
        for receiver in receivers:
            receiver(
                signal=pre_create_historical_record,
                sender=history_model,
                instance=obj,
                history_date=date,
                history_user=user,
                history_change_reason=row.history_change_reason,
                history_instance=row,
                using=None,
            )
        rows.append(row)
    return rows
