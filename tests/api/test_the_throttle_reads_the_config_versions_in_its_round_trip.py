"""With Redis, the throttle's history of an API request whose view reads the configuration (the
cases' views: ``reads_config_versions``) is read together with the configuration versions the
view will need, by the token's authentication (``kit.configcache.read_ahead``;
``integrations.authentication``): one round trip to Redis at the start of a request rather
than two; the escalate then makes two in all during the request (that read and the
throttle's write), as ``me/`` does (whose history is read without the versions). The throttle
still counts per token and a change another process commits is still seen by the next
request. With the address's failure count: ``test_a_token_request_reads_redis_once.py``."""

import pytest

from accounts.memberships import MEMBERSHIPS
from accounts.models import Team
from escalations import services
from kit import configcache
from tests.api.payloads import PAYLOADS, transition_url
from tests.api.redis_round_trips import needs_redis
from tests.factories import make_case

pytestmark = [needs_redis, pytest.mark.usefixtures("redis_caches")]


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
    # it reads no configuration: the versions are not read with its history (``get_many`` of
    # the one key: MGET)
    assert round_trips == [("MGET",), ("SET",)]


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
