"""A read the API repeats request after request, compiled to SQL once per process.

Django compiles a queryset to SQL on every evaluation: for the case list, six joins, 36 values
and the visibility rule's ``OR ... EXISTS``, a sixth of a page's time while the SQL and its
parameters come out the same for the same caller and query. ``KeptQuery`` wraps a ``values()``
queryset built from everything its SQL depends on (the ``key``: the caller tells) and keeps,
per key, ordering and slice, the SQL, its parameters, the names of the values and the
converters Django would apply to them; a filter (e.g. a cursor's position, whose value changes
from page to page) gives the plain queryset back, compiled as usual.

The one place that leans on Django's compiler: ``get_compiler().as_sql()`` and the compiler's
``select``, ``col_count`` and ``get_converters`` as ``ValuesIterable`` uses them (no private
name). ``tests/kit/test_kept_queries_read_what_the_orm_reads.py`` holds the rows equal to the
queryset's own on every run of the suite.

``read_one``: a one-row read (the API's locked read of a case: ``StateMachine.read_locked``'s
``kept_as``; the bearer token every API request reads with its account:
``integrations.tokens.token_authenticate``) whose SQL, parameters and the way a row becomes the
model instance with its ``select_related`` relations are kept under a key the caller gives; the
next read with that key only puts the lookup's values into the parameters, runs the SQL and
builds the instance as Django does (about two thirds of the read's time was compiling:
bench/README.md, issue 18's fourth pass). ``draw``: values the database computes in the same
read (e.g. keys drawn from sequences for the rows a transition is about to write), set on the
instance as annotations are.

This module is the one place that leans on Django's compiler: ``get_compiler().as_sql()``, the
compiler's ``select``, ``col_count``, ``klass_info``, ``annotation_col_map``,
``get_converters``, ``apply_converters`` and ``django.db.models.query.get_related_populators``.
``tests/kit/test_kept_queries_read_what_the_orm_reads.py`` and
``tests/api/test_the_locked_read_is_compiled_once_per_visibility.py`` hold what it reads equal
to what the ORM reads on every run of the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

KEPT_MAX = 2000
_kept: dict[tuple, _Compiled | None] = {}


class _Compiled:
    __slots__ = ("alias", "converters", "names", "params", "sql")

    def __init__(self, queryset: QuerySet) -> None:
        query = queryset.query
        self.alias = queryset.db
        compiler = query.get_compiler(using=self.alias)
        self.sql, self.params = compiler.as_sql()
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(selected).items())
        self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        if len(self.names) != compiler.col_count:
            raise ValueError("KeptQuery: the values and the selected columns differ")

    def rows(self) -> list[dict[str, Any]]:
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            fetched = cursor.fetchall()
        names = self.names
        if not self.converters:
            return [dict(zip(names, row, strict=True)) for row in fetched]
        rows = []
        for row in fetched:
            row = list(row)
            for position, (converters, expression) in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            rows.append(dict(zip(names, row, strict=True)))
        return rows


class KeptQuery:
    """What a paginator asks of a queryset (``order_by``, ``filter``, a slice), for a
    ``values()`` queryset whose SQL depends on nothing but ``key``: the slices of its
    orderings are compiled once per process."""

    def __init__(self, queryset: QuerySet, key: tuple) -> None:
        self.queryset = queryset
        self.key = key

    def order_by(self, *fields: str) -> KeptQuery:
        return KeptQuery(self.queryset.order_by(*fields), (*self.key, "order_by", fields))

    def filter(self, *args: Any, **kwargs: Any) -> QuerySet:
        return self.queryset.filter(*args, **kwargs)

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("KeptQuery: a slice without a step")
        key = (*self.key, item.start, item.stop)
        try:
            compiled = _kept[key]
        except KeyError:
            try:
                compiled = _Compiled(self.queryset[item])
            except EmptyResultSet:  # a rule that matches nothing: no query at all
                compiled = None
            if len(_kept) >= KEPT_MAX:
                _kept.clear()
            _kept[key] = compiled
        return [] if compiled is None else compiled.rows()

    def __iter__(self):
        return iter(self.queryset)


def forget_all() -> None:
    _kept.clear()


# Kept reads per process at most (one per key: e.g. per user of the API); beyond, all are
# forgotten and compiled again as they come.
MOST = 1000


@dataclass(frozen=True)
class _Kept:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, int]  # the lookup's name -> the index of its value in ``params``
    model: type[models.Model]
    init_list: list[str]
    start: int
    end: int
    populators: list
    converters: dict
    compiler: Any
    annotations: dict[str, int]  # a drawn value's name -> its column


_kept_reads: dict[Hashable, _Kept] = {}


def read_one(
    key: Hashable,
    build: Callable[[], models.QuerySet],
    *,
    draw: Mapping[str, models.Expression] | None = None,
    **lookup: Any,
) -> models.Model:
    """``build().get(**lookup)``, with the compiled SQL kept under ``key`` (``key`` must name
    everything ``build()``'s SQL and parameters depend on, the lookup's values aside).
    ``DoesNotExist`` / ``MultipleObjectsReturned`` as ``get`` raises them. ``draw``: expressions
    read in the same query (``annotate``), their values set on the instance under their names;
    kept apart by their names (the same name must always mean the same expression)."""
    drawn = tuple(draw or ())
    db = connections[DEFAULT_DB_ALIAS]  # ``connection``, looked up once (kit.bulk.mark_saved)
    kept_key = (db.alias, key, tuple(lookup), drawn)
    kept = _kept_reads.get(kept_key)
    if kept is None:
        queryset = build().filter(**lookup).order_by()
        if draw:
            queryset = queryset.annotate(**draw)
        kept = _keep(queryset, lookup)
        if kept is None:  # the lookup's values are not found alone in the parameters
            return queryset.get()
        if len(_kept_reads) >= MOST:
            _kept_reads.clear()
        _kept_reads[kept_key] = kept
    params = list(kept.params)
    for name, value in lookup.items():
        params[kept.slots[name]] = value
    with db.cursor() as cursor:
        cursor.execute(kept.sql, params)
        rows = cursor.fetchmany(2)
    name = kept.model._meta.object_name
    if not rows:
        raise kept.model.DoesNotExist(f"{name} matching query does not exist.")
    if len(rows) > 1:
        raise kept.model.MultipleObjectsReturned(f"get() returned more than one {name}")
    row = rows[0]
    if kept.converters:
        row = next(iter(kept.compiler.apply_converters([row], kept.converters)))
    obj = kept.model.from_db(db.alias, kept.init_list, row[kept.start : kept.end])
    for populator in kept.populators:
        populator.populate(row, obj)
    for name, position in kept.annotations.items():
        setattr(obj, name, row[position])
    return obj


def _keep(queryset: models.QuerySet, lookup: dict[str, Any]) -> _Kept | None:
    compiler = queryset.query.get_compiler(using=connection.alias)
    sql, params = compiler.as_sql()
    slots = {}
    for name, value in lookup.items():
        found = [i for i, param in enumerate(params) if param is value]
        if len(found) != 1:
            return None
        slots[name] = found[0]
    klass_info, select = compiler.klass_info, compiler.select
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    fields = [column for column, _sql, _alias in select[: compiler.col_count]]
    return _Kept(
        sql=sql,
        params=tuple(params),
        slots=slots,
        model=klass_info["model"],
        init_list=[column.target.attname for column, _sql, _alias in select[start:end]],
        start=start,
        end=end,
        populators=get_related_populators(klass_info, select, connection.alias),
        converters=compiler.get_converters(fields),
        compiler=compiler,
        annotations=dict(compiler.annotation_col_map),
    )


def forget_reads() -> None:
    """Forget every kept one-row read (tests)."""
    _kept_reads.clear()
