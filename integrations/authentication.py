"""``Authorization: Bearer <token>`` for integration accounts (browsers use the session)."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from integrations.tokens import token_authenticate


def _failures_key(request) -> str:
    return f"api-token-failures:{get_client_ip_address(request._request)}"


def _refuse_locked_address(request) -> None:
    """After ``AXES_FAILURE_LIMIT`` failed tokens from one address, that address gets 429 for
    ``LOGIN_LOCKOUT_MINUTES`` whatever it sends (counted in the cache: no query per call)."""
    if (
        settings.AXES_ENABLED
        and cache.get(_failures_key(request), 0) >= settings.AXES_FAILURE_LIMIT
    ):
        raise exceptions.Throttled(
            wait=settings.LOGIN_LOCKOUT_MINUTES * 60,
            detail=str(_("Too many failed tokens from this address: try again later.")),
        )


def _failed(request, message) -> exceptions.AuthenticationFailed:
    if settings.AXES_ENABLED:
        key = _failures_key(request)
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_MINUTES * 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_MINUTES * 60)
    return exceptions.AuthenticationFailed(message)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        _refuse_locked_address(request)
        if len(header) != 2:
            raise _failed(request, _("Invalid Authorization header."))
        try:
            token = header[1].decode()
        except UnicodeError as exc:
            raise _failed(request, _("Invalid Authorization header.")) from exc
        row = token_authenticate(token)
        if row is None:
            raise _failed(request, _("The token is invalid, expired or revoked."))
        return row.user, row

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
