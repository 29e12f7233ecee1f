"""Bearer tokens: hashed, expiring, several per account, revocable in the admin; throttled per
token. Browsers use the session, with CSRF."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from integrations.models import ApiToken
from integrations.tokens import digest, token_create, token_revoke
from tests.api.conftest import issue_token
from tests.factories import UserFactory


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-user", role="administrator")


@pytest.fixture
def cti(db):
    """A service account without roles: an administrator may issue its tokens."""
    return UserFactory(username="cti", is_service_account=True, is_staff=False)


def me(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/api/v1/me/")


def test_only_the_digest_is_stored(operator, cti, administrator):
    row, token = token_create(actor=administrator, user=cti, name="CTI")

    assert row.digest == digest(token) != token
    assert token not in str(ApiToken.objects.filter(pk=row.pk).values().get())
    assert row.prefix == token[:8]


def test_an_account_has_several_tokens_each_usable(operator, administrator):
    first = issue_token(operator, name="CTI")
    second = issue_token(operator, name="CRM")

    assert me(first).status_code == me(second).status_code == 200
    assert operator.api_tokens.count() == 2


def test_an_expired_token_is_refused(operator, cti, administrator):
    _row, token = token_create(
        actor=administrator,
        user=cti,
        name="CTI",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    assert me(token).status_code == 200

    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        response = me(token)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_refused_and_the_other_still_works(operator, cti, administrator):
    row, token = token_create(actor=administrator, user=cti, name="CTI")
    other = issue_token(cti, name="CRM")

    token_revoke(actor=administrator, token=row)

    assert me(token).status_code == 401
    assert me(other).status_code == 200
    assert row.history.latest().history_change_reason == "revoke"


def test_a_deactivated_account_cannot_use_its_tokens(operator):
    token = issue_token(operator)
    operator.is_active = False
    operator.save()

    assert me(token).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer nonsense", "Bearer \u00e9"])
def test_a_malformed_or_unknown_token_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get("/api/v1/me/").status_code == 401


def test_issuing_and_revoking_need_the_administrators_permissions(operator, cti, administrator):
    with pytest.raises(PermissionDenied):
        token_create(actor=operator, user=operator, name="mine")
    row, _token = token_create(actor=administrator, user=cti, name="CTI")
    with pytest.raises(PermissionDenied):
        token_revoke(actor=operator, token=row)
    with pytest.raises(ValidationError):
        token_create(actor=administrator, user=cti, name="old", expires_at=timezone.now())


def test_the_admin_shows_a_new_token_once_and_revokes_it(client, cti, administrator):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:integrations_apitoken_add"),
        {"user": cti.pk, "name": "CTI"},
        follow=True,
    )

    row = ApiToken.objects.get()
    shown = [str(m) for m in get_messages(response.wsgi_request)] + [response.content.decode()]
    token = next(
        word
        for text in shown
        for word in text.replace("<", " ").split()
        if word.startswith(row.prefix) and len(word) > 30
    )
    assert me(token).status_code == 200
    page = client.get(reverse("admin:integrations_apitoken_change", args=[row.pk]))
    assert token not in page.content.decode()

    client.post(
        reverse("admin:integrations_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [row.pk]},
    )

    assert me(token).status_code == 401


def test_an_operator_cannot_reach_the_token_admin(client, operator):
    client.force_login(operator)

    assert client.get(reverse("admin:integrations_apitoken_changelist")).status_code == 403


@pytest.fixture
def two_per_minute(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    cache.clear()


def test_throttling_counts_per_token(operator, two_per_minute):
    first = issue_token(operator, name="CTI")
    second = issue_token(operator, name="CRM")

    assert [me(first).status_code for _ in range(3)] == [200, 200, 429]
    assert me(second).status_code == 200
    throttled = me(first)
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


def test_a_browser_session_works_and_needs_csrf_to_write(case, operator):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(operator)
    url = f"/api/v1/cases/{case.reference}/notes/"

    assert client.get("/api/v1/cases/").status_code == 200
    refused = client.post(url, {"kind": "internal", "body": "メモ"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    client.get(reverse("admin:index"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        url, {"kind": "internal", "body": "メモ"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201
