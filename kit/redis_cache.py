"""Django's Redis cache with one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on every cache call, and
redis-py fills some thousand response callbacks into a new dict for each: about a tenth of a
millisecond per call, as much as the round trip to Redis on this machine. An API request makes
two to six cache calls (the throttle, the configuration versions, the live versions, the
delivery flag). A ``redis.Redis`` is safe to share between threads (each command takes a
connection from the pool), so one per pool is kept.

:func:`add_and_set_many` makes a flag's ``add`` and a ``set_many`` one round trip (a pipeline),
where Django's cache API makes them two: what a write does when it commits
(``notifications.oncommit``).

The one place that uses the Django Redis backend's private names (``RedisCache._class``,
``RedisCache._cache``, ``RedisCacheClient._get_connection_pool``, ``_client`` and
``_serializer``); ``tests/kit/test_redis_cache.py`` checks that the client is kept, that the
pipeline writes what ``add`` and ``set_many`` write, and that the cache still works.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import BaseCache


class _Client(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._kept: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._kept.get(id(pool))
        if client is None:
            client = self._kept[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _Client


def add_and_set_many(
    cache: BaseCache,
    *,
    add: tuple[str, Any, int] | None = None,
    values: dict[str, Any] | None = None,
    timeout: int | None = None,
) -> bool | None:
    """``cache.add(*add)`` and ``cache.set_many(values, timeout)`` in ONE round trip to Redis
    (a pipeline: ``SET NX EX`` for the flag, then ``SET EX`` for each value), e.g. the delivery
    flag and the live versions a write bumps when it commits. Returns what ``add`` returned
    (``None`` without ``add``). Any other cache (files, memory) makes the two calls as usual.
    Redis errors are raised as they are (``redis.RedisError``), like Django's cache does."""
    add_expires = None if add is None else cache.get_backend_timeout(add[2])
    expires = cache.get_backend_timeout(timeout)
    if not isinstance(cache, RedisCache) or 0 in (add_expires, expires):
        # (a timeout of 0 deletes: Django's own calls handle it)
        added = None if add is None else cache.add(*add)
        if values:
            cache.set_many(values, timeout)
        return added
    if add is None and not values:
        return None
    client = cache._cache.get_client(write=True)
    dumps = cache._cache._serializer.dumps
    pipe = client.pipeline(transaction=False)
    if add is not None:
        pipe.set(cache.make_and_validate_key(add[0]), dumps(add[1]), ex=add_expires, nx=True)
    for key, value in (values or {}).items():
        pipe.set(cache.make_and_validate_key(key), dumps(value), ex=expires)
    results = pipe.execute()
    return None if add is None else bool(results[0])
