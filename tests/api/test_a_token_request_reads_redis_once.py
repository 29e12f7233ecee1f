"""With Redis and the address lock on (production: ``AXES_ENABLED``), an API request with a
usable token reads its address's failure count, its token's history of requests (the
throttle's) and, for a view that reads the configuration, the configuration versions in ONE
round trip, after the token is read (``integrations.authentication``,
``kit.configcache.read_ahead``), then writes the history: two round trips for ``me/``, the case
list and an escalate (three, four and three before). A locked address still gets 429 whatever
token it sends, a refused token still counts, and the throttle still counts per token."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from escalations import services
from kit import configcache
from tests.api.conftest import issue_token
from tests.api.payloads import PAYLOADS, transition_url
from tests.api.redis_round_trips import needs_redis
from tests.factories import make_case

pytestmark = [needs_redis, pytest.mark.usefixtures("redis_caches")]

ADDRESS = "192.0.2.44"


@pytest.fixture(autouse=True)
def address_lock(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def client_with(token: str, address: str = ADDRESS) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/cases/?page_size=5"])
def test_a_read_makes_two_round_trips(url, operator, org, round_trips):
    client = client_with(issue_token(operator))
    assert client.get(url).status_code == 200  # the versions drawn, the copies loaded
    round_trips.clear()

    assert client.get(url).status_code == 200

    assert round_trips == [("MGET",), ("SET",)]


def test_an_escalate_makes_two_round_trips(operator, org, round_trips):
    client = client_with(issue_token(operator))
    first = services.case_start_work(case=make_case(owner=operator), actor=operator)
    client.post(transition_url(first, "escalate"), PAYLOADS["escalate"], format="json")
    case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    round_trips.clear()

    response = client.post(transition_url(case, "escalate"), PAYLOADS["escalate"], format="json")

    assert response.status_code == 200
    assert round_trips == [("MGET",), ("SET",)]


def test_failed_tokens_lock_the_address_whatever_it_sends_then(operator, org, round_trips):
    good = issue_token(operator)
    guesser = client_with("guessed-token")

    assert [guesser.get("/api/v1/me/").status_code for _ in range(3)] == [401] * 3
    counted = configcache.shared().get(f"api-token-failures:{ADDRESS}")
    assert counted == 3  # in the shared cache, with the throttle's histories

    locked = client_with(good).get("/api/v1/me/")
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    assert guesser.get("/api/v1/me/").status_code == 429
    assert configcache.shared().get(f"api-token-failures:{ADDRESS}") == 3
    assert client_with(good, "198.51.100.7").get("/api/v1/me/").status_code == 200


def test_the_throttle_still_counts_per_token_with_its_history_read_ahead(
    operator, org, monkeypatch
):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    first, second = client_with(issue_token(operator, "CTI")), client_with(issue_token(operator))

    urls = ["/api/v1/me/", "/api/v1/cases/?page_size=5", "/api/v1/me/"]
    assert [first.get(url).status_code for url in urls] == [200, 200, 429]
    assert second.get("/api/v1/cases/?page_size=5").status_code == 200
