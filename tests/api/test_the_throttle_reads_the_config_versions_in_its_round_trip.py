"""With Redis, the throttle of an API request whose view reads the configuration (the cases'
views: ``reads_config_versions``) reads its history together with the configuration
versions the view will need (``integrations.throttles``, ``kit.configcache.get_with_versions``):
one round trip to Redis at the start of a request rather than two; the escalate then makes two
in all during the request (the throttle's read and its write), as ``me/`` does (whose
throttle reads its history alone, as before). The throttle
still counts per token and a change another process commits is still seen by the next
request."""

import os
import uuid

import pytest
import redis
from redis.client import Pipeline

from accounts.memberships import MEMBERSHIPS
from accounts.models import Team
from escalations import services
from kit import configcache
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import make_case

URL = "redis://127.0.0.1:6379/11"  # the test suite's own Redis database


def _redis_is_up() -> bool:
    try:
        return bool(redis.Redis.from_url(URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("CACHE_URL") and not _redis_is_up(), reason="needs Redis on 127.0.0.1:6379"
)


@pytest.fixture(autouse=True)
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


def test_an_escalate_makes_two_round_trips_to_redis(api, case, operator, round_trips):
    client = api(operator)
    first = services.case_start_work(case=make_case(owner=operator), actor=operator)
    # the versions drawn and the process's copies loaded
    client.post(transition_url(first, "escalate"), PAYLOADS["escalate"], format="json")
    round_trips.clear()

    response = client.post(transition_url(case, "escalate"), PAYLOADS["escalate"], format="json")

    assert response.status_code == 200
    # the throttle's history with every version (MGET), then its new history (SET); the
    # versions were one more round trip (MGET) of their own
    assert round_trips == [("MGET",), ("SET",)]


def test_me_reads_the_throttles_history_alone(api, operator, round_trips):
    client = api(operator)
    client.get("/api/v1/me/")
    round_trips.clear()

    assert client.get("/api/v1/me/").status_code == 200
    # it reads no configuration: the versions are not read with its history
    assert round_trips == [("GET",), ("SET",)]


def test_the_throttle_still_counts_per_token(api, org, operator, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    from tests.api.conftest import issue_token

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    # new tokens: their histories start empty (under this test's own keys)
    first, second = api(None, issue_token(operator, "CTI")), api(None, issue_token(operator, "CRM"))

    # the history read alone (me/) and with the versions (the case list) is the same count
    urls = ["/api/v1/me/", "/api/v1/cases/?page_size=5", "/api/v1/me/"]
    assert [first.get(url).status_code for url in urls] == [200, 200, 429]
    assert first.get("/api/v1/cases/?page_size=5").status_code == 429
    assert second.get("/api/v1/me/").status_code == 200


def test_a_change_another_process_commits_is_seen_by_the_next_request(api, org, operator, l2_team):
    client = api(operator)
    configcache.forget_all()
    assert client.get("/api/v1/cases/?page_size=5").status_code == 200
    Team.members.through.objects.bulk_create([Team.members.through(team=l2_team, user=operator)])
    configcache._shared().delete(MEMBERSHIPS.key)  # what that process's commit does

    client.get("/api/v1/cases/?page_size=5")

    assert l2_team.pk in MEMBERSHIPS._value[operator.pk].team_ids
