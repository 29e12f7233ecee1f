"""Within a request the kept configuration's versions (permissions, teams, SLA, webhook
subscriptions: kit.configcache) are read from the shared cache in one round trip, however
many of them the request uses; a change another process commits is seen by the next
request."""

from accounts.memberships import MEMBERSHIPS
from accounts.models import Team
from kit import configcache

LIST = "/api/v1/cases/?page_size=5"


class Counting:
    """The shared cache, counting the reads."""

    def __init__(self, cache):
        self.cache = cache
        self.reads: list[str] = []

    def get(self, *args, **kwargs):
        self.reads.append("get")
        return self.cache.get(*args, **kwargs)

    def get_many(self, *args, **kwargs):
        self.reads.append("get_many")
        return self.cache.get_many(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.cache, name)


def test_a_request_reads_every_version_in_one_round_trip(api, org, operator, monkeypatch):
    client = api(operator)
    configcache.forget_all()  # the changes above "committed": the process keeps a shared copy
    assert client.get(LIST).status_code == 200  # loads the permissions and the teams
    counting = Counting(configcache._shared())
    monkeypatch.setattr(configcache, "_shared", lambda: counting)

    assert client.get(LIST).status_code == 200
    assert counting.reads == ["get_many"]

    assert client.get(LIST).status_code == 200  # each request reads them again
    assert counting.reads == ["get_many", "get_many"]


def test_a_change_another_process_commits_is_seen_by_the_next_request(api, org, operator, l2_team):
    client = api(operator)
    configcache.forget_all()  # the changes above "committed": the process keeps a shared copy
    assert client.get(LIST).status_code == 200
    # another process adds the operator to the L2 team (no signal in this process)
    Team.members.through.objects.bulk_create([Team.members.through(team=l2_team, user=operator)])
    client.get(LIST)
    assert l2_team.pk not in MEMBERSHIPS._value[operator.pk].team_ids  # the process copy

    configcache._shared().delete(MEMBERSHIPS.key)  # what that process's commit does
    client.get(LIST)

    assert l2_team.pk in MEMBERSHIPS._value[operator.pk].team_ids
