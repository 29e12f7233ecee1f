"""The state-machine runner: the one way a service runs a django-fsm transition on a row.

Lock the row and read it fresh, refuse a stale caller (``expected_status``, or the row moved
since it was loaded), check that the transition applies and that the actor may run it, run it
in memory, and save once with the actor and the reason (one history row). Every way of losing a
race ends as one :class:`TransitionConflict` (HTTP 409, or "changed by someone else" in the
admin); a refused permission is :class:`TransitionForbidden` (HTTP 403). The caller holds the
transaction. Nothing else reads django-fsm's metadata.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from kit import compiled
from kit.audit import audit, audited_save


class TransitionForbidden(PermissionDenied):
    """The user may not run this transition on this row (HTTP 403)."""


class TransitionConflict(Exception):
    """The row changed underneath, or the transition does not apply to its current status
    (HTTP 409). ``obj`` is the row as it is now; ``status`` its current status."""

    def __init__(
        self, obj: models.Model, message: str, *, field: str = "status", status: Any = None
    ) -> None:
        super().__init__(message)
        self.obj = obj
        self.message = str(message)
        self.status = status if status is not None else getattr(obj, field, None)


class MovedSinceRead(TransitionConflict):
    """A row read without a lock (:meth:`StateMachine.read_versioned`) moved before the write
    that checks its version took it: nothing was written. A caller may decide again on the row
    as it is now (the API's escalate does, with the locked read); else it is a conflict (409)
    like any other."""


# ``StateMachine.lock_fresh``'s row for an object read locked in a block still open (by
# ``read_locked``): its own fields are the row as it is now.
AS_READ: Mapping[str, Any] = MappingProxyType({})

# ``StateMachine.version_check``'s failure (escalations' migration 0024 raises it).
MOVED_SQLSTATE = "ES409"
_VERSION = "statemachine_read_version"


@dataclass(frozen=True)
class StateMachine:
    """How the transitions of ``model`` (its FSM field ``field``) are run.

    ``version``: the fields that tell a row moved since it was loaded (the status alone does
    not always tell: escalating a case further keeps it ``escalated`` but moves its tier).
    The messages are the machine's own words (lazy texts; ``%(status)s`` is the status label).
    """

    model: type[models.Model]
    changed: str
    not_possible: str
    stale: str
    forbidden: str
    field: str = "status"
    version: tuple[str, ...] = ("status",)

    # --- reading the graph ----------------------------------------------------------------

    def label(self, name: str) -> str:
        """The label declared on transition ``name`` (``custom={"label": ...}``)."""
        fsm_field = self.model._meta.get_field(self.field)
        for transition in fsm_field.get_all_transitions(self.model):
            if transition.name == name:
                return str(transition.custom.get("label", name))
        raise KeyError(name)

    def names(self) -> list[str]:
        fsm_field = self.model._meta.get_field(self.field)
        return sorted({t.name for t in fsm_field.get_all_transitions(self.model)})

    def applies(self, obj: models.Model, name: str) -> bool:
        """Whether ``name`` applies to ``obj``'s status (and conditions) as loaded."""
        return can_proceed(getattr(obj, name))

    # --- running --------------------------------------------------------------------------

    def status_label(self, obj: models.Model) -> str:
        return str(getattr(obj, f"get_{self.field}_display")())

    def expect(self, obj: models.Model, expected_status: str | None) -> None:
        """Refuse when the caller acted on a status ``obj`` no longer has (a stale page)."""
        if expected_status is not None and getattr(obj, self.field) != expected_status:
            raise TransitionConflict(
                obj, self.stale % {"status": self.status_label(obj)}, field=self.field
            )

    def read_locked(
        self,
        queryset: models.QuerySet | Callable[[], models.QuerySet],
        *,
        kept_as: Hashable | None = None,
        draw: Mapping[str, models.Expression] | None = None,
        **lookup: Any,
    ) -> models.Model:
        """The one row of ``queryset`` that ``lookup`` names, read and locked in one query
        (``DoesNotExist`` when there is none: e.g. the reader may not see it), for a transition
        to run on inside the caller's ``transaction.atomic()`` block. The services' own lock
        (:meth:`lock_fresh`, :meth:`lock_unchanged`) is then not taken and read again: the row
        is as fresh as it gets until that block ends. Only the row itself is locked, not the
        rows ``select_related`` joins.

        ``kept_as``: the read's compiled SQL is kept per process under this key
        (``kit.compiled.read_one``); it must name everything the queryset depends on but the
        lookup's values (e.g. the reader's visibility). ``queryset`` may then be a function
        that builds it, called only when the SQL is compiled.

        ``draw``: expressions computed in the same query for the transition that follows (e.g.
        the keys of the rows it will write, drawn from their sequences: one round trip fewer
        than drawing them apart), taken with :meth:`take_drawn`. A subquery among them reads the
        statement's snapshot, taken before the lock was waited for: under READ COMMITTED it
        may miss what the holder of the lock wrote (only the locked row itself is read again),
        so whoever relies on it must catch that (e.g. a unique constraint)."""
        db = connections[DEFAULT_DB_ALIAS]  # ``connection``, looked up once (kit.bulk.mark_saved)
        if not db.in_atomic_block:
            raise RuntimeError("read_locked() holds its lock until the transaction ends: open one")

        def locked() -> models.QuerySet:
            built = queryset() if callable(queryset) else queryset
            return built.select_for_update(no_key=True, of=("self",))

        if kept_as is None:
            obj = (locked().annotate(**draw) if draw else locked()).get(**lookup)
        else:
            obj = compiled.read_one(("read_locked", kept_as), locked, draw=draw, **lookup)
        obj._locked_by = db.atomic_blocks[-1]
        obj._drawn = {name: obj.__dict__.pop(name) for name in draw or ()}
        return obj

    def read_versioned(
        self,
        queryset: Callable[[], models.QuerySet],
        *,
        kept_as: Hashable,
        draw: Mapping[str, models.Expression] | None = None,
        **lookup: Any,
    ) -> models.Model:
        """:meth:`read_locked` without the lock, inside a transaction or not (PostgreSQL): the
        row with its version (``_version_sql``: every new version of the row changes it), for a
        write that takes its own lock and checks the version in the same statement
        (:meth:`version_check`): a row that moved meanwhile fails the whole statement, nothing
        written (:meth:`moved_since_read`). Two round trips fewer than :meth:`read_locked`
        outside a transaction (no BEGIN, no COMMIT apart from the write). Its ``draw`` is taken
        with :meth:`take_drawn` as a locked read's is, by the write that checks the version."""
        version = RawSQL(self._version_sql(), (), output_field=CharField())
        drawn = {**(draw or {}), _VERSION: version}
        obj = compiled.read_one(("read_versioned", kept_as), queryset, draw=drawn, **lookup)
        obj._drawn = {name: obj.__dict__.pop(name) for name in draw or ()}
        obj._read_version = obj.__dict__.pop(_VERSION)
        return obj

    @staticmethod
    def read_version(obj: models.Model) -> str | None:
        """The version :meth:`read_versioned` read ``obj`` at, if it did."""
        return obj.__dict__.get("_read_version")

    def version_check(self, version: str) -> tuple[str, list[Any]]:
        """A condition (SQL and parameters) to ``AND`` into an UPDATE of this machine's table
        by its key: true when the row is at ``version``; else the statement fails
        (:meth:`moved_since_read`), whatever else it writes. Installed by escalations'
        migration 0024 (PostgreSQL)."""
        return f"row_unchanged_since_read({self._version_sql()} = %s)", [version]

    def _version_sql(self) -> str:
        """The row's version: the transaction that wrote it (``xmin``) and where (``ctid``: a
        new version of the row written by the same transaction, which keeps ``xmin``, is a
        new tuple elsewhere; the old one cannot be reused before that transaction ends)."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        return f"({table}.xmin::text || '/' || {table}.ctid::text)"

    def lock_at_version(self, obj: models.Model, version: str) -> None:
        """Lock ``obj``'s row (FOR NO KEY UPDATE) if it is still at ``version``, else fail
        (:meth:`moved_since_read`; a row gone: a conflict): for a write of several statements
        of which an earlier one changes the row (a new version) before the one that would
        check it. The caller holds the transaction."""
        meta = self.model._meta
        quote = connection.ops.quote_name
        check, params = self.version_check(version)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s "
                f"AND {check} FOR NO KEY UPDATE",
                [obj.pk, *params],
            )
            if cursor.fetchone() is None:
                raise MovedSinceRead(obj, self.changed, field=self.field)

    @staticmethod
    def moved_since_read(exc: Exception) -> bool:
        """Whether ``exc`` is :meth:`version_check`'s failure (the row moved since it was
        read: a conflict, HTTP 409)."""
        return getattr(exc.__cause__, "sqlstate", None) == MOVED_SQLSTATE

    def take_drawn(self, obj: models.Model) -> dict[str, Any]:
        """What :meth:`read_locked`'s ``draw`` computed with ``obj``, once (drawn keys serve
        one write), and only while the block it was read in is still open (the row still
        locked, so still as read), or for a read whose write checks its version
        (:meth:`read_versioned`); else nothing."""
        drawn = obj.__dict__.pop("_drawn", {})
        return drawn if self._locked_here(obj) or self.read_version(obj) else {}

    def atomic(self, obj: models.Model, *, several: bool = False) -> AbstractContextManager:
        """The block a service runs a transition on ``obj`` in: a transaction (a savepoint
        inside the caller's) of its own; or, when ``obj`` was read by :meth:`read_locked` in a
        block still open, that block itself, without a savepoint (two round trips fewer). An
        error then ends the caller's block as well: whoever reads with :meth:`read_locked`
        lets the service's errors leave that block, never catching them inside it.

        ``obj`` read by :meth:`read_versioned`: no block outside a transaction, where the one
        statement that writes (and checks the version) is a transaction of its own; a
        transaction (a savepoint inside the caller's) when the write is ``several``
        statements, or inside a transaction (a failed statement must not end the caller's)."""
        if self.read_version(obj) is not None:
            several = several or connection.in_atomic_block
            return transaction.atomic() if several else contextlib.nullcontext()
        return transaction.atomic(savepoint=not self._locked_here(obj))

    @staticmethod
    def _locked_here(obj: models.Model) -> bool:
        """Whether ``obj`` was read by :meth:`read_locked` inside an atomic block still open:
        its row is locked and it is as the database has it (or as this transaction wrote it)."""
        block = obj.__dict__.get("_locked_by")
        return block is not None and any(b is block for b in connection.atomic_blocks)

    def lock_fresh(self, objs: Sequence[models.Model]) -> dict[Any, Mapping[str, Any]]:
        """Lock the rows and read them as they are now, in one query. FOR NO KEY UPDATE: rows
        that only point at them (notes, events, outbox rows written meanwhile) check their
        foreign key without waiting for this lock. Rows read by :meth:`read_locked` in a block
        still open are neither locked nor read again: theirs is ``AS_READ`` (the object is as
        fresh as it gets; :meth:`take_fresh` leaves it as it is, rather than copying its ~40
        fields out and back)."""
        fresh: dict[Any, Mapping[str, Any]] = {
            obj.pk: AS_READ for obj in objs if self._locked_here(obj)
        }
        to_read = [obj.pk for obj in objs if obj.pk not in fresh]
        if to_read:
            attnames = [f.attname for f in self.model._meta.concrete_fields if not f.primary_key]
            rows = (
                self.model._default_manager.select_for_update(no_key=True)
                .filter(pk__in=to_read)
                .values("pk", *attnames)
            )
            fresh.update({row.pop("pk"): row for row in rows})
        return fresh

    def take_fresh(self, obj: models.Model, row: Mapping[str, Any] | None) -> None:
        """Refuse when ``obj`` moved since it was loaded; otherwise take its other fields as
        they are now, so that an edit committed meanwhile is not overwritten by the save.
        ``AS_READ`` (:meth:`lock_fresh`): ``obj`` was read locked in this block, nothing to do."""
        if row is AS_READ:
            return
        self._refuse_if_moved(obj, row)
        for attname, value in row.items():
            if attname != self.field:
                setattr(obj, attname, value)

    def lock_unchanged(self, obj: models.Model) -> None:
        """Lock ``obj``'s row and refuse when it moved since it was loaded, keeping ``obj`` as
        it is (for a plain edit: a full save of a stale row would undo a transition)."""
        if self._locked_here(obj):
            return
        version = self._version_attnames()
        row = (
            self.model._default_manager.select_for_update(no_key=True)
            .filter(pk=obj.pk)
            .values(*version)
            .first()
        )
        self._refuse_if_moved(obj, row)

    def state(self, obj: models.Model) -> tuple[Any, ...]:
        """``obj``'s values of the ``version`` fields: what tells that it moved."""
        return tuple(getattr(obj, attname) for attname in self._version_attnames())

    def refuse_if_moved_from(self, obj: models.Model, state: tuple[Any, ...]) -> None:
        """Refuse ``obj`` (read again) when its ``version`` fields are no longer ``state`` (read
        before): after a :class:`MovedSinceRead`, a transition decided again on the row as it
        is now runs only if what it was asked on is still so (e.g. escalating further twice at
        once: the second finds another tier, a conflict, not a second hop up)."""
        if self.state(obj) != state:
            raise TransitionConflict(obj, self.changed, field=self.field)

    def _refuse_if_moved(self, obj: models.Model, row: dict[str, Any] | None) -> None:
        if row is None or any(row[f] != getattr(obj, f) for f in self._version_attnames()):
            now = row.get(self.field) if row is not None else None
            raise TransitionConflict(obj, self.changed, field=self.field, status=now)

    def apply(self, obj: models.Model, *, actor: Any, name: str, reason: str, **kwargs) -> None:
        """Check and run transition ``name`` in memory, and label the history row it will
        write; the caller saves (alone, or in bulk)."""
        method = getattr(obj, name)
        if not can_proceed(method):
            raise TransitionConflict(
                obj, self.not_possible % {"status": self.status_label(obj)}, field=self.field
            )
        if not has_transition_perm(method, actor):
            raise TransitionForbidden(self.forbidden)
        method(**kwargs)
        audit(obj, actor=actor, reason=f"{name}: {reason}" if reason else name)

    def run(
        self,
        obj: models.Model,
        *,
        actor: Any,
        name: str,
        reason: str = "",
        expected_status: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Lock, check, run and save one transition (the caller holds the transaction)."""
        self.expect(obj, expected_status)
        self.take_fresh(obj, self.lock_fresh([obj]).get(obj.pk))
        self.apply(obj, actor=actor, name=name, reason=reason, **kwargs)
        self.save(obj, actor=actor, reason=obj._change_reason)

    def save(
        self, obj: models.Model, *, actor: Any, reason: str, update_fields: list[str] | None = None
    ) -> None:
        """Save ``obj`` with one history row; a concurrent transition is a conflict."""
        try:
            audited_save(obj, actor=actor, reason=reason, update_fields=update_fields)
        except ConcurrentTransition as exc:
            raise TransitionConflict(obj, self.changed, field=self.field) from exc

    def _version_attnames(self) -> list[str]:
        return [self.model._meta.get_field(f).attname for f in self.version]
