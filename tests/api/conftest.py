"""API clients for the personas: each authenticated with its own bearer token."""

import os
import uuid

import pytest
import redis
from django.core.cache import cache
from redis.client import Pipeline
from rest_framework.test import APIClient

from integrations.tokens import token_create
from kit import configcache
from tests.api.redis_round_trips import URL


def issue_token(user, name="CTI", **kwargs) -> str:
    from accounts.models import User

    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "token-admin", password="x"
    )
    _row, token = token_create(actor=admin, user=user, name=name, **kwargs)
    return token


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()  # token ids are reused from test to test


@pytest.fixture
def api():
    """``api(user)``: an APIClient sending ``user``'s bearer token (``api(None)``: anonymous)."""

    def make(user, token: str | None = None) -> APIClient:
        client = APIClient()
        if user is not None or token is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token or issue_token(user)}")
        return client

    return make


@pytest.fixture
def redis_caches(settings):
    """Both caches on Redis as production has them (CACHE_URL), under keys of this test's own
    (the suite's database is shared by the parallel workers): unless CACHE_URL set them so."""
    configcache.forget_all()
    prefix = f"test-{uuid.uuid4().hex}"
    if not os.environ.get("CACHE_URL"):
        redis_cache = {"BACKEND": "kit.redis_cache.RedisCache", "LOCATION": URL}
        settings.CACHES = {
            "default": {**redis_cache, "KEY_PREFIX": f"{prefix}-default"},
            "live": {**redis_cache, "KEY_PREFIX": f"{prefix}-live"},
        }
    assert configcache.shared_is_redis()
    yield
    configcache.forget_all()
    if not os.environ.get("CACHE_URL"):
        client = redis.Redis.from_url(URL)
        for key in client.scan_iter(match=f"{prefix}-*"):  # this test's keys only
            client.delete(key)


@pytest.fixture
def round_trips(monkeypatch):
    """The commands sent to Redis, one entry per round trip (a pipeline is one)."""
    sent: list[tuple[str, ...]] = []
    command, pipeline = redis.Redis.execute_command, Pipeline.execute

    def execute_command(self, *args, **options):
        sent.append((str(args[0]),))
        return command(self, *args, **options)

    def execute(self, *args, **options):
        sent.append(tuple(str(c[0][0]) for c in self.command_stack))
        return pipeline(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", execute_command)
    monkeypatch.setattr(Pipeline, "execute", execute)
    return sent
