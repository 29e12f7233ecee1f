"""Django's Redis cache with one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on every cache call, and
redis-py fills some thousand response callbacks into a new dict for each: about a tenth of a
millisecond per call, as much as the round trip to Redis on this machine. An API request makes
two to six cache calls (the throttle, the configuration versions, the live versions, the
delivery flag). A ``redis.Redis`` is safe to share between threads (each command takes a
connection from the pool), so one per pool is kept.

:func:`add_and_set_many` makes a flag's ``add`` and a ``set_many`` one command (a Lua script,
``EVALSHA``), where Django's cache API makes them two round trips and a pipeline one round trip
of one command per key: what a write does when it commits (``notifications.oncommit``).

The one place that uses the Django Redis backend's private names (``RedisCache._class``,
``RedisCache._cache``, ``RedisCacheClient._get_connection_pool``, ``_client`` and
``_serializer``); ``tests/kit/test_redis_cache.py`` checks that the client is kept, that the
pipeline writes what ``add`` and ``set_many`` write, and that the cache still works.
"""

from __future__ import annotations

from typing import Any

import redis
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import BaseCache

# ``add_and_set_many`` in one command. KEYS: the flag's key (when ARGV[1] is "1"), then the
# values' keys. ARGV: "1" or "0" (a flag or not), the flag's lifetime in seconds ("" for none),
# the flag's value, the values' lifetime ("" for none), then the values in the keys' order.
# Answers 1 when the flag was set (it was not there), else 0.
_ADD_AND_SET_MANY = """
local first, added = 1, false
if ARGV[1] == '1' then
  if ARGV[2] == '' then
    added = redis.call('SET', KEYS[1], ARGV[3], 'NX')
  else
    added = redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[2], 'NX')
  end
  first = 2
end
for i = first, #KEYS do
  local value = ARGV[4 + i - first + 1]
  if ARGV[4] == '' then
    redis.call('SET', KEYS[i], value)
  else
    redis.call('SET', KEYS[i], value, 'EX', ARGV[4])
  end
end
if added then return 1 end
return 0
"""


class _Client(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._kept: dict[int, object] = {}
        self._scripts: dict[int, object] = {}
        self.scripts_refused = False  # the server refused a script: pipelines from then on

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._kept.get(id(pool))
        if client is None:
            client = self._kept[id(pool)] = self._client(connection_pool=pool)
        return client

    def add_and_set_many_script(self):
        """The script of ``add_and_set_many`` on the writing client (its SHA1 computed once;
        redis-py loads it into Redis on its first ``NOSCRIPT``)."""
        client = self.get_client(write=True)
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(_ADD_AND_SET_MANY)
        return script


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
    """``cache.add(*add)`` and ``cache.set_many(values, timeout)`` in ONE command to Redis (a
    Lua script: ``SET NX EX`` for the flag, then ``SET EX`` for each value; a pipeline of those
    commands where the server refuses scripts), e.g. the delivery flag and the live versions a
    write bumps when it commits. Returns what ``add`` returned (``None`` without ``add``). Any
    other cache (files, memory) makes the two calls as usual. Redis errors are raised as they
    are (``redis.RedisError``), like Django's cache does. One command rather than a pipeline of
    one per key: 255 against 321 us for the flag and six versions here (bench/README.md)."""
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
    dumps = cache._cache._serializer.dumps
    keys = [cache.make_and_validate_key(key) for key in (values or {})]
    dumped = [dumps(value) for value in (values or {}).values()]
    if add is not None:
        keys.insert(0, cache.make_and_validate_key(add[0]))
    if cache._cache.scripts_refused:
        return _pipelined(cache, add, add_expires, values, expires)
    script = cache._cache.add_and_set_many_script()
    try:
        added = script(
            keys=keys,
            args=[
                "0" if add is None else "1",
                "" if add_expires is None else int(add_expires),
                "" if add is None else dumps(add[1]),
                "" if expires is None else int(expires),
                *dumped,
            ],
        )
    except redis.ResponseError as exc:  # EVALSHA renamed away or not granted by an ACL
        if not isinstance(exc, redis.exceptions.NoPermissionError) and (
            "unknown command" not in str(exc)
        ):
            raise
        cache._cache.scripts_refused = True
        return _pipelined(cache, add, add_expires, values, expires)
    return None if add is None else bool(added)


def _pipelined(cache: RedisCache, add, add_expires, values, expires) -> bool | None:
    """``add_and_set_many`` as a pipeline (one round trip, one command per key): for a Redis
    that refuses scripts (``EVAL`` disabled by its operator)."""
    client = cache._cache.get_client(write=True)
    dumps = cache._cache._serializer.dumps
    pipe = client.pipeline(transaction=False)
    if add is not None:
        pipe.set(cache.make_and_validate_key(add[0]), dumps(add[1]), ex=add_expires, nx=True)
    for key, value in (values or {}).items():
        pipe.set(cache.make_and_validate_key(key), dumps(value), ex=expires)
    results = pipe.execute()
    return None if add is None else bool(results[0])
