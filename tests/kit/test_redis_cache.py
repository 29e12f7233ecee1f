"""The Redis cache keeps one client per connection pool (``kit.redis_cache``) and works as
Django's does."""

import socket
import uuid

import pytest

from kit.redis_cache import RedisCache

URL = "redis://127.0.0.1:6379/11"  # the test suite's own Redis database


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not redis_is_up(), reason="needs Redis on 127.0.0.1:6379")


def test_one_client_is_kept_and_the_cache_works():
    cache = RedisCache(URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    client = cache._cache.get_client()

    assert cache.add("flag", 1, 5)
    assert not cache.add("flag", 2, 5)
    cache.set_many({"a": 1, "b": "二"}, 5)
    assert cache.get_many(["a", "b", "flag"]) == {"a": 1, "b": "二", "flag": 1}
    assert cache.incr("a") == 2
    cache.delete_many(["a", "b", "flag"])
    assert cache.get("flag") is None

    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("some key") is client
