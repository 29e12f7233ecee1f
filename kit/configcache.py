"""Configuration every request reads (SLA policies and their calendars, webhook subscriptions),
kept per process and read again when it changes, in any process.

A ``ConfigCache`` holds what its ``load`` returned with the version it was loaded under. The
version lives in the shared ``live`` cache (Redis, or files on one machine), so a change saved
by one process is seen by all: saving or deleting one of the watched models deletes the version
at once and again when the transaction commits; the next reader draws a new one and loads
again. A reader loads after reading the version, so what it keeps is never older than the
version says. While the current transaction has changed a watched model and not yet committed,
``get`` loads once for that transaction alone (the change may still roll back) and shares
nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

ALIAS = "live"
TIMEOUT = 24 * 3600  # an expired version is drawn anew: one load more

T = TypeVar("T")

_all: list[ConfigCache] = []


def _shared() -> BaseCache:
    return caches[ALIAS if ALIAS in settings.CACHES else "default"]


class ConfigCache(Generic[T]):
    def __init__(self, name: str, load: Callable[[], T]) -> None:
        self.key = f"config-version:{name}"
        self.load = load
        self._version: str | None = None
        self._value: T | None = None
        self._changed_in: object | None = None  # the transaction that changed it, until commit
        self._uncommitted: T | None = None  # what that transaction reads meanwhile
        _all.append(self)

    def watch(self, *senders: type[models.Model]) -> None:
        """Read again after any save or delete of these models (or change of these m2m
        ``through`` models)."""
        for sender in senders:
            post_save.connect(self.changed, sender=sender, weak=False)
            post_delete.connect(self.changed, sender=sender, weak=False)
            m2m_changed.connect(self.changed, sender=sender, weak=False)

    def get(self) -> T:
        if self._changed_here():  # this transaction's own copy, never kept beyond it
            if self._uncommitted is None:
                self._uncommitted = self.load()
            return self._uncommitted
        shared = _shared()
        version = shared.get(self.key)
        if version is None:
            shared.add(self.key, uuid.uuid4().hex, TIMEOUT)
            version = shared.get(self.key)
        if version is None or version != self._version:
            self._value = self.load()
            self._version = version
        return self._value  # type: ignore[return-value]

    def changed(self, *args, **kwargs) -> None:
        self.forget()
        self._uncommitted = None
        if connection.in_atomic_block:
            self._changed_in = connection.atomic_blocks[0]
        transaction.on_commit(self._committed)

    def forget(self) -> None:
        self._version = self._value = None
        _shared().delete(self.key)

    def _committed(self) -> None:
        self._changed_in = self._uncommitted = None
        self.forget()

    def _changed_here(self) -> bool:
        """Whether the transaction under way changed a watched model (not yet committed)."""
        return (
            self._changed_in is not None
            and connection.in_atomic_block
            and connection.atomic_blocks[0] is self._changed_in
        )


def forget_all(caches_: Iterable[ConfigCache] | None = None) -> None:
    """Drop every process copy and shared version (tests: between two tests)."""
    for cache in _all if caches_ is None else caches_:
        cache._committed()
