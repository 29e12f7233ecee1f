"""API clients for the personas: each authenticated with its own bearer token."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from integrations.tokens import token_create


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
