"""Django's Redis cache with one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on every cache call, and
redis-py fills some thousand response callbacks into a new dict for each: about a tenth of a
millisecond per call, as much as the round trip to Redis on this machine. An API request makes
two to six cache calls (the throttle, the configuration versions, the live versions, the
delivery flag). A ``redis.Redis`` is safe to share between threads (each command takes a
connection from the pool), so one per pool is kept.

The one place that uses the Django Redis backend's private names (``RedisCache._class``,
``RedisCacheClient._get_connection_pool`` and ``_client``); ``tests/kit/test_redis_cache.py``
checks that the client is kept and the cache still works.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


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
