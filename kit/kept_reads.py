"""One-row reads whose compiled SQL is kept per process (``StateMachine.read_locked``'s ``key``).

Django compiles a queryset's SQL anew on every evaluation: for the API's locked read of a case
(six joined relations and the visibility rule's ``EXISTS``) that took about two thirds of the
read's time, more than PostgreSQL's answer (bench/README.md, issue 18's fourth pass). Here the
SQL, its parameters and how a row becomes the model instance with its ``select_related``
relations are kept under a key the caller gives; the next read with that key only puts the
lookup's values into the parameters, runs the SQL and builds the instance as Django does.

This module is the one place that uses Django's compiler internals (``SQLCompiler.select``,
``klass_info``, ``get_converters``, ``apply_converters`` and
``django.db.models.query.get_related_populators``): ``tests/kit/test_kept_reads.py`` checks
that what it reads equals what the ORM reads.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models.query import get_related_populators

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


_kept: dict[Hashable, _Kept] = {}


def read_one(key: Hashable, build: Callable[[], models.QuerySet], **lookup: Any) -> models.Model:
    """``build().get(**lookup)``, with the compiled SQL kept under ``key`` (``key`` must name
    everything ``build()``'s SQL and parameters depend on, the lookup's values aside).
    ``DoesNotExist`` / ``MultipleObjectsReturned`` as ``get`` raises them."""
    kept = _kept.get((connection.alias, key, tuple(lookup)))
    if kept is None:
        queryset = build().filter(**lookup).order_by()
        kept = _keep(queryset, lookup)
        if kept is None:  # the lookup's values are not found alone in the parameters
            return queryset.get()
        if len(_kept) >= MOST:
            _kept.clear()
        _kept[(connection.alias, key, tuple(lookup))] = kept
    params = list(kept.params)
    for name, value in lookup.items():
        params[kept.slots[name]] = value
    with connection.cursor() as cursor:
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
    obj = kept.model.from_db(connection.alias, kept.init_list, row[kept.start : kept.end])
    for populator in kept.populators:
        populator.populate(row, obj)
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
    if compiler.annotation_col_map:
        return None  # not needed by the reads kept so far
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
    )


def forget() -> None:
    """Forget every kept read (tests)."""
    _kept.clear()
