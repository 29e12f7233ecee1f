"""A callback's history pages (list and each row) are 404 unless its case is visible: they
show the customer's number and the promise's note."""

import pytest
from django.urls import reverse

from accounts.models import Tier
from escalations.models import Callback
from tests.factories import TeamFactory, UserFactory
from tests.visibility_setup import CUSTOMER_PHONE, make_secret_case


@pytest.fixture
def secret(org, operator, supervisor):
    return make_secret_case(operator=operator, supervisor=supervisor)


@pytest.fixture
def stranger(db):
    user = UserFactory(username="stranger", role="specialist")
    TeamFactory(name="無関係の技術チーム", tier=Tier.L3, members=[user])
    return user


def history_urls(callback: Callback) -> list[str]:
    return [reverse("admin:escalations_callback_history", args=[callback.pk])] + [
        reverse("admin:escalations_callback_simple_history", args=[callback.pk, row.history_id])
        for row in callback.history.all()
    ]


@pytest.mark.parametrize("persona", ["outsider", "stranger"])
def test_another_teams_callback_history_is_404(request, client, secret, persona):
    callback = Callback.objects.get(case=secret.case)
    client.force_login(request.getfixturevalue(persona))

    for url in history_urls(callback):
        response = client.get(url)
        assert response.status_code == 404, url
        assert CUSTOMER_PHONE not in response.content.decode()


def test_the_teams_callback_history_is_shown(client, secret, operator, supervisor):
    callback = Callback.objects.get(case=secret.case)
    for user in operator, supervisor:
        client.force_login(user)
        for url in history_urls(callback):
            response = client.get(url)
            assert response.status_code == 200, url
            assert CUSTOMER_PHONE in response.content.decode()
