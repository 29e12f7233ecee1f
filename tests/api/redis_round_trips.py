"""For the tests of an API request's round trips to Redis: ``needs_redis`` skips them without a
Redis server; ``tests/api/conftest.py``'s ``redis_caches`` puts both caches on Redis, as
production has them (``CACHE_URL``), and ``round_trips`` records the commands sent."""

import os

import pytest
import redis

URL = "redis://127.0.0.1:6379/11"  # the test suite's own Redis database


def _redis_is_up() -> bool:
    try:
        return bool(redis.Redis.from_url(URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not os.environ.get("CACHE_URL") and not _redis_is_up(), reason="needs Redis on 127.0.0.1:6379"
)
