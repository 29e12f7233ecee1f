"""The case list's "N new — show" poll: while nothing new reached the reader's scopes it answers
304 with no database query at all; a case opened, escalated or put on hold in them (when it
commits) makes it count the rows of the page's own filters that are new since the page was
drawn, in the same few queries however many there are."""

import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from escalations import services
from escalations.services.sla_sweep import sla_sweep
from notifications import oncommit as notifications_oncommit
from tests.factories import HANDOFF, make_case, make_sla_policy

LIST = "admin:escalations_case_changelist"
# the user, teams and categories (the filters' choices), the count (the user's permissions and
# teams are kept per process: accounts.backends, accounts.memberships)
COUNT_QUERIES = 4


def open_list(client, user, query=""):
    """The list page as the browser gets it: the poll's address and the versions' ETag."""
    client.force_login(user)
    response = client.get(reverse(LIST) + query)
    assert response.status_code == 200
    html = response.content.decode()
    bar = re.search(r'id="queue-new"[^>]*data-poll-url="([^"]+)" data-etag="([^"]+)"', html)
    url, etag = unescape(bar.group(1)), unescape(bar.group(2))
    return url, etag


def poll(client, url, etag=None, query=""):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{url}&{urlencode({'q': query})}", **headers)
    return response, len(queries)


def escalate(case, actor, **kwargs):
    return services.case_escalate(
        case=case, actor=actor, reason="knowledge_gap", handoff=HANDOFF, **kwargs
    )


@pytest.fixture
def working(org, operator):
    def make(owner=operator):
        return services.case_start_work(case=make_case(owner=owner), actor=owner)

    return make


def test_unchanged_is_304_with_zero_queries(client, supervisor, org):
    url, etag = open_list(client, supervisor)

    response, queries = poll(client, url, etag)

    assert (response.status_code, queries) == (304, 0)
    assert response["ETag"] == etag


def test_an_escalation_to_my_team_shows_as_new_in_constant_queries(
    client, supervisor, operator, working, django_capture_on_commit_callbacks
):
    first, second, third = working(), working(), working()
    url, etag = open_list(client, supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        escalate(first, operator, on_hold=True)
    one, queries_for_one = poll(client, url, etag)

    assert one.status_code == 200
    assert one.json()["new"] == 1
    assert "1" in one.json()["text"]
    assert queries_for_one == COUNT_QUERIES

    with django_capture_on_commit_callbacks(execute=True):
        escalate(second, operator)
        escalate(third, operator)
    three, queries_for_three = poll(client, url, one["ETag"])

    assert three.json()["new"] == 3
    assert queries_for_three == COUNT_QUERIES
    assert poll(client, url, three["ETag"])[0].status_code == 304


def test_the_count_follows_the_pages_own_filters(
    client, supervisor, operator, working, django_capture_on_commit_callbacks
):
    held, not_held = working(), working()
    url, etag = open_list(client, supervisor, "?on_hold=mine")

    with django_capture_on_commit_callbacks(execute=True):
        escalate(held, operator, on_hold=True)
        escalate(not_held, operator)

    assert poll(client, url, etag, "on_hold=mine")[0].json()["new"] == 1  # waiting for me
    assert poll(client, url, etag, "view=team")[0].json()["new"] == 2
    assert poll(client, url, etag, "view=mine")[0].json()["new"] == 0


def test_new_work_elsewhere_does_not_wake_the_list(
    client, supervisor, outsider, working, django_capture_on_commit_callbacks
):
    url, etag = open_list(client, supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        working(outsider)  # another L1 team's case, nothing for the SV team

    response, queries = poll(client, url, etag)
    assert (response.status_code, queries) == (304, 0)


def test_a_rolled_back_change_wakes_nobody(
    client, supervisor, operator, working, django_capture_on_commit_callbacks
):
    case = working()
    url, etag = open_list(client, supervisor)

    with django_capture_on_commit_callbacks(execute=True), pytest.MonkeyPatch.context() as patch:
        patch.setattr(services.escalate_news, "notify_escalated", _fail)
        with pytest.raises(RuntimeError):
            escalate(case, operator)

    assert poll(client, url, etag)[0].status_code == 304


def _fail(*args, **kwargs):
    raise RuntimeError("the transaction rolls back")


def test_the_poll_refuses_strangers_and_forged_scopes(client, supervisor, operator, org):
    url, _etag = open_list(client, supervisor)

    client.logout()
    assert poll(client, url)[0].status_code == 403
    client.force_login(operator)  # someone else's scopes
    assert poll(client, url)[0].status_code == 403
    forged = re.sub(r"scope=[^&]+", "scope=eyJ1IjoxfQ:forged", url)
    assert poll(client, forged)[0].status_code == 400


def test_the_sla_sweeps_escalations_wake_the_list_once_per_batch(
    client, specialist, operator, working, django_capture_on_commit_callbacks, monkeypatch
):
    make_sla_policy()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cases = [working(), working()]
        for case in cases:
            escalate(case, operator)
        url, etag = open_list(client, specialist)
    bumps = []
    # the scopes go with the bells' users and the delivery flag, in one round trip
    send = notifications_oncommit.add_and_set_many

    def counted(cache, *, add=None, values=None, timeout=None):
        if any(key.startswith("scope-version:") for key in values or {}):
            bumps.append(values)
        return send(cache, add=add, values=values, timeout=timeout)

    monkeypatch.setattr(notifications_oncommit, "add_and_set_many", counted)

    with (
        time_machine.travel(start + dt.timedelta(minutes=16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sla_sweep().escalated == 2  # unacknowledged: on to the technical team
    response, _queries = poll(client, url, etag)

    assert response.json()["new"] == 2
    assert len(bumps) == 1
