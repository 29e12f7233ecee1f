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


def test_a_flag_and_many_values_in_one_command(monkeypatch):
    import redis.connection

    from kit.redis_cache import add_and_set_many

    cache = RedisCache(URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    cache._cache.get_client().script_flush()  # as after a restart of Redis: no script loaded
    assert add_and_set_many(cache, values={"warm": 0}, timeout=60) is None  # loads it again
    sent = []
    real = redis.connection.Connection.send_packed_command

    def counted(self, command, check_health=True):
        sent.append(command)
        return real(self, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
    values = {"inbox-version:1": "甲", "scope-version:cases:team:1": "b"}

    assert add_and_set_many(cache, add=("flag", 1, 60), values=values, timeout=3600) is True
    assert len(sent) == 1  # one command (the script), one read of its answer
    assert sent[0][0].startswith(b"*") and b"EVALSHA" in sent[0][0]
    assert add_and_set_many(cache, add=("flag", 2, 60), values={}, timeout=3600) is False
    assert add_and_set_many(cache, values={"x": 3}, timeout=3600) is None
    monkeypatch.undo()

    # what Django's add and set_many would have written: values, flag and lifetimes
    assert cache.get_many([*values, "flag", "x"]) == {**values, "flag": 1, "x": 3}
    client = cache._cache.get_client()
    assert 0 < client.ttl(cache.make_and_validate_key("flag")) <= 60
    assert 3500 < client.ttl(cache.make_and_validate_key("inbox-version:1")) <= 3600
    cache.delete_many([*values, "flag", "x", "warm"])


def test_no_lifetime_sets_keys_that_do_not_expire():
    from kit.redis_cache import add_and_set_many

    cache = RedisCache(URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    assert add_and_set_many(cache, add=("flag", "旗", None), values={"v": 7}, timeout=None)
    assert cache.get_many(["flag", "v"]) == {"flag": "旗", "v": 7}
    client = cache._cache.get_client()
    assert client.ttl(cache.make_and_validate_key("flag")) == -1  # no expiry
    assert client.ttl(cache.make_and_validate_key("v")) == -1
    cache.delete_many(["flag", "v"])


def test_a_server_that_refuses_scripts_gets_a_pipeline():
    """A Redis whose ACL does not grant EVALSHA (or has it renamed away): the same writes, in
    one pipeline, and no script tried again."""
    import redis

    from kit.redis_cache import add_and_set_many

    admin = redis.Redis.from_url(URL)
    user = f"test-noscript-{uuid.uuid4().hex[:8]}"
    admin.acl_setuser(
        user, enabled=True, nopass=True, keys=["*"], commands=["+@all", "-evalsha", "-eval"]
    )
    try:
        cache = RedisCache(
            f"redis://{user}@127.0.0.1:6379/11", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        )
        assert add_and_set_many(cache, add=("flag", 1, 60), values={"a": "甲"}, timeout=60)
        assert cache._cache.scripts_refused
        assert add_and_set_many(cache, add=("flag", 1, 60), values={"b": 2}, timeout=60) is False
        assert cache.get_many(["flag", "a", "b"]) == {"flag": 1, "a": "甲", "b": 2}
        assert 0 < cache._cache.get_client().ttl(cache.make_and_validate_key("a")) <= 60
        cache.delete_many(["flag", "a", "b"])
    finally:
        admin.acl_deluser(user)


def test_another_error_of_the_script_is_raised(monkeypatch):
    import redis

    from kit import redis_cache

    cache = RedisCache(URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})

    def failing(**_kwargs):
        raise redis.ResponseError("WRONGTYPE Operation against a key holding the wrong kind")

    monkeypatch.setattr(redis_cache._Client, "add_and_set_many_script", lambda self: failing)
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        redis_cache.add_and_set_many(cache, values={"v": 1}, timeout=60)
    assert not cache._cache.scripts_refused
