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


def test_a_flag_and_many_values_in_one_round_trip(monkeypatch):
    import redis.connection

    from kit.redis_cache import add_and_set_many

    cache = RedisCache(URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    cache.get("warm")  # the connection made
    sent = []
    real = redis.connection.Connection.send_packed_command

    def counted(self, command, check_health=True):
        sent.append(command)
        return real(self, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
    values = {"inbox-version:1": "甲", "scope-version:cases:team:1": "b"}

    assert add_and_set_many(cache, add=("flag", 1, 60), values=values, timeout=3600) is True
    assert len(sent) == 1  # one write, one read of the answers
    assert add_and_set_many(cache, add=("flag", 2, 60), values={}, timeout=3600) is False
    assert add_and_set_many(cache, values={"x": 3}, timeout=3600) is None
    monkeypatch.undo()

    # what Django's add and set_many would have written: values, flag and lifetimes
    assert cache.get_many([*values, "flag", "x"]) == {**values, "flag": 1, "x": 3}
    client = cache._cache.get_client()
    assert 0 < client.ttl(cache.make_and_validate_key("flag")) <= 60
    assert 3500 < client.ttl(cache.make_and_validate_key("inbox-version:1")) <= 3600
    cache.delete_many([*values, "flag", "x"])


def test_another_cache_makes_the_two_calls():
    from django.core.cache.backends.locmem import LocMemCache

    from kit.redis_cache import add_and_set_many

    cache = LocMemCache(f"test-{uuid.uuid4().hex}", {})
    assert add_and_set_many(cache, add=("flag", 1, 60), values={"a": 1}, timeout=60) is True
    assert add_and_set_many(cache, add=("flag", 1, 60)) is False
    assert cache.get_many(["a", "flag"]) == {"a": 1, "flag": 1}
