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
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

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
