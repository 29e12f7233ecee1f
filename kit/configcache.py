"""Configuration every request reads (SLA policies and their calendars, webhook subscriptions),
kept per process and read again when it changes, in any process.

A ``ConfigCache`` holds what its ``load`` returned with the version it was loaded under. The
version lives in the shared ``live`` cache (Redis, or files on one machine), so a change saved
by one process is seen by all: saving or deleting one of the watched models deletes the version
at once and again when the transaction commits; the next reader draws a new one and loads
again. A reader loads after reading the version, so what it keeps is never older than the
version says. While the current transaction has changed a watched model and not yet committed,
``get`` loads once for that transaction alone (the change may still roll back) and shares
nothing. Writes that send no signals (``QuerySet.update``, ``bulk_create``, SQL) are not seen:
call ``changed()`` after them (no code of the project writes these models that way).

Within a request the versions of every cache are read together, once, at the first ``get``
(one round trip to the shared cache instead of one per cache and per call): a change another
process commits during the request is seen from the next request on, as if the request had
read the database at its start; a change this process makes is seen at once (its own copy).
With Redis, an API request reads them even earlier, in the same round trip as its throttle's
history and its address's failed-token count, once its token is read (``read_ahead``,
``integrations.authentication``; ``get_with_versions`` for the throttle of a session): the view
then reads none.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import request_finished, request_started
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from kit.redis_cache import RedisCache

ALIAS = "live"
TIMEOUT = 24 * 3600  # an expired version is drawn anew: one load more

T = TypeVar("T")

_all: list[ConfigCache] = []
# the versions read for the request under way (None outside a request: read at each ``get``)
_request_versions: ContextVar[dict[str, str | None] | None] = ContextVar(
    "configcache_request_versions", default=None
)


# values of the shared cache read ahead in the request under way (``read_ahead``), each kept for
# the next read of its key (None outside a request)
_request_ahead: ContextVar[dict[str, Any] | None] = ContextVar(
    "configcache_request_ahead", default=None
)
_ABSENT = object()


def _begin_request(**kwargs) -> None:
    _request_versions.set({})
    _request_ahead.set({})


def _end_request(**kwargs) -> None:
    _request_versions.set(None)
    _request_ahead.set(None)


request_started.connect(_begin_request, dispatch_uid="kit.configcache.begin")
request_finished.connect(_end_request, dispatch_uid="kit.configcache.end")


@contextlib.contextmanager
def read_once() -> Iterator[None]:
    """Inside, the versions are read once, as within a request: for a unit of work outside a
    request (e.g. one batch of the SLA sweep, whose every event asks for the webhook
    subscriptions), one round trip to the shared cache instead of one per ``get``. Inside a
    request it changes nothing."""
    if _request_versions.get() is not None:
        yield
        return
    token = _request_versions.set({})
    try:
        yield
    finally:
        _request_versions.reset(token)


def _shared() -> BaseCache:
    return caches[ALIAS if ALIAS in settings.CACHES else "default"]


def shared_is_redis() -> bool:
    """Whether the shared cache is Redis: one round trip for ``get_with_versions``."""
    return isinstance(_shared(), RedisCache)


def shared() -> BaseCache:
    """The shared cache (``live``), where the API throttle's history is kept with Redis."""
    return _shared()


def read_ahead(keys: list[str], *, with_versions: bool) -> dict[str, Any]:
    """The values of ``keys`` in the shared cache (absent keys left out) in one round trip
    (``get_many``), with the versions of every cache when ``with_versions`` and the request under
    way has not read them yet. Within a request each value is also kept for the next
    ``get_shared`` or ``get_with_versions`` of its key, once (e.g. the API throttle's history,
    read with the token's failure count: ``integrations.authentication``)."""
    versions = _request_versions.get()
    also = [cache.key for cache in _all] if with_versions and versions == {} else []
    found = _shared().get_many([*keys, *also])
    if also:
        for cache in _all:
            versions[cache.key] = found.get(cache.key)  # type: ignore[index]  # {} here
    ahead = _request_ahead.get()
    if ahead is not None:
        for key in keys:
            ahead[key] = found.get(key, _ABSENT)
    return {key: found[key] for key in keys if key in found}


def _read_before(key: str) -> Any:
    """``key``'s value read ahead in this request (``_ABSENT``: read ahead and absent), once;
    ``None`` when it was not."""
    ahead = _request_ahead.get()
    return None if not ahead else ahead.pop(key, None)


def get_with_versions(key: str, default: Any = None) -> Any:
    """``key``'s value in the shared cache (``default`` when absent), with, in the same round
    trip (one ``get_many``), the versions of every cache here when the request under way has
    not read them yet: e.g. the API throttle's history, read at the start of each API request
    (``integrations.throttles``), so that the versions the view then needs cost no round
    trip of their own. Otherwise (outside a request, or read already) a plain ``get``."""
    before = _read_before(key)
    if before is not None:
        return default if before is _ABSENT else before
    shared = _shared()
    versions = _request_versions.get()
    if versions is None or versions:
        return shared.get(key, default)
    found = shared.get_many([key, *(cache.key for cache in _all)])
    for cache in _all:
        versions[cache.key] = found.get(cache.key)
    return found.get(key, default)


def get_shared(key: str, default: Any = None) -> Any:
    """``key``'s value in the shared cache (``default`` when absent; read ahead in this request
    by ``read_ahead``: that value, with no round trip)."""
    before = _read_before(key)
    if before is not None:
        return default if before is _ABSENT else before
    return _shared().get(key, default)


def set_shared(key: str, value: Any, timeout: int | None) -> None:
    """``key``'s value in the shared cache (the counterpart of ``get_with_versions``)."""
    ahead = _request_ahead.get()
    if ahead:
        ahead.pop(key, None)  # read ahead before this write: no longer its value
    _shared().set(key, value, timeout)


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
        version = self._shared_version()
        if version is None or version != self._version:
            self._value = self.load()
            self._version = version
        return self._value  # type: ignore[return-value]

    def _shared_version(self) -> str | None:
        versions = _request_versions.get()
        if versions is not None and self.key not in versions:
            versions.update(_shared().get_many([cache.key for cache in _all]))
            for cache in _all:
                versions.setdefault(cache.key, None)
        version = None if versions is None else versions[self.key]
        if version is None:
            shared = _shared()
            version = shared.get(self.key)
            if version is None:
                shared.add(self.key, uuid.uuid4().hex, TIMEOUT)
                version = shared.get(self.key)
            if versions is not None:
                versions[self.key] = version
        return version

    def changed(self, *args, **kwargs) -> None:
        self.forget()
        self._uncommitted = None
        if connection.in_atomic_block:
            self._changed_in = connection.atomic_blocks[0]
        transaction.on_commit(self._committed)

    def forget(self) -> None:
        self._version = self._value = None
        _shared().delete(self.key)
        versions = _request_versions.get()
        if versions is not None:
            versions.pop(self.key, None)  # read again at the next ``get``

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
