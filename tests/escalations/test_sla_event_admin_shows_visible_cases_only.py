"""The SLA event list (and its search) lists the events of the cases the user may see; an
event of another team's case does not exist for them. The list's query count does not grow
with the events."""

import pytest
from django.urls import reverse

from accounts.models import Tier
from escalations.models import SLAEvent
from tests.factories import TeamFactory, UserFactory
from tests.visibility_setup import another_breached_hold, get_counting, make_secret_case

LIST = reverse("admin:escalations_slaevent_changelist")


@pytest.fixture
def secret(org, operator, supervisor):
    return make_secret_case(operator=operator, supervisor=supervisor)


@pytest.fixture
def stranger(db):
    user = UserFactory(username="stranger", role="specialist")
    TeamFactory(name="無関係の技術チーム", tier=Tier.L3, members=[user])
    return user


@pytest.mark.parametrize("persona", ["outsider", "stranger"])
def test_another_teams_events_are_neither_listed_nor_shown(request, client, secret, persona):
    reference = secret.case.reference
    event = SLAEvent.objects.filter(case=secret.case).first()
    client.force_login(request.getfixturevalue(persona))

    listed = client.get(LIST)
    searched = client.get(LIST, {"q": reference})
    detail = client.get(reverse("admin:escalations_slaevent_change", args=[event.pk]))

    assert listed.status_code == searched.status_code == 200
    assert reference not in listed.content.decode()
    assert list(searched.context["cl"].result_list) == []
    assert detail.status_code == 404  # not a redirect that tells the id exists


def test_the_teams_own_events_are_listed_and_shown(client, secret, operator, supervisor):
    event = SLAEvent.objects.filter(case=secret.case).first()
    for user in operator, supervisor:
        client.force_login(user)
        searched = client.get(LIST, {"q": secret.case.reference})
        detail = client.get(reverse("admin:escalations_slaevent_change", args=[event.pk]))
        assert set(searched.context["cl"].result_list) == set(secret.case.sla_events.all())
        assert detail.status_code == 200


def test_the_list_takes_as_many_queries_for_more_events(client, secret, operator):
    client.force_login(operator)
    _page, before = get_counting(client, LIST)
    another_breached_hold(operator)

    page, after = get_counting(client, LIST)

    assert len(page.context["cl"].result_list) > SLAEvent.objects.filter(case=secret.case).count()
    # the session comes from the cache (cached_db), the permissions and teams from the
    # process copy (accounts.backends, accounts.memberships; 3 queries more before issue 18)
    assert after == before == 5
