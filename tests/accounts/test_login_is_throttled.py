"""Login throttling (django-axes): after 10 failed logins for one account, or from one
address, that account or address is locked for the cooling-off time with a clear message; an
administrator can unlock it earlier. Failed API tokens are counted per address too."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import issue_token
from tests.factories import UserFactory

PASSWORD = "pass-for-tests-123"
LOGIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def _throttling_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 10
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    cache.clear()


def login(client, username, password, address="192.0.2.10"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_one(client, operator):
    for _ in range(10):
        assert login(client, "operator", "wrong").status_code in (200, 429)

    refused = login(client, "operator", PASSWORD)
    from_elsewhere = login(client, "operator", PASSWORD, address="198.51.100.7")

    assert refused.status_code == from_elsewhere.status_code == 429
    assert not logged_in(client)
    text = refused.content.decode()
    assert "ログインが一時的にロックされています" in text and "15 分後" in text
    assert refused["Retry-After"] == "900"


def test_nine_failures_still_let_the_right_password_in(client, operator):
    for _ in range(9):
        login(client, "operator", "wrong")

    assert login(client, "operator", PASSWORD).status_code == 302
    assert logged_in(client)


def test_ten_failures_from_one_address_lock_that_address(client, operator, colleague):
    for i in range(10):
        login(client, f"nobody{i}", "wrong")

    assert login(client, "operator", PASSWORD).status_code == 429
    assert login(client, "colleague", PASSWORD, address="198.51.100.7").status_code == 302


def test_the_lock_ends_after_the_cooling_off_time(client, operator):
    for _ in range(10):
        login(client, "operator", "wrong")
    assert login(client, "operator", PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert login(client, "operator", PASSWORD).status_code == 302


def test_an_administrator_unlocks_an_account(client, operator):
    administrator = UserFactory(username="admin-user", role="administrator")
    for _ in range(10):
        login(client, "operator", "wrong")
    attempt = AccessAttempt.objects.get(username="operator")

    client.force_login(administrator)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    client.logout()

    assert not AccessAttempt.objects.exists()
    assert login(client, "operator", PASSWORD).status_code == 302


def test_the_message_is_in_english_for_english_users(client, operator):
    for _ in range(10):
        login(client, "operator", "wrong")

    response = client.post(
        LOGIN,
        {"username": "operator", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.10",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "Try again in 15 minutes" in response.content.decode()


def test_failed_api_tokens_lock_the_address(operator):
    good = issue_token(operator)
    attacker = APIClient(REMOTE_ADDR="192.0.2.99")
    attacker.credentials(HTTP_AUTHORIZATION="Bearer guessed-token")
    assert [attacker.get("/api/v1/me/").status_code for _ in range(10)] == [401] * 10

    attacker.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")
    locked = attacker.get("/api/v1/me/")
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.7")
    elsewhere.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")

    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    assert elsewhere.get("/api/v1/me/").status_code == 200
