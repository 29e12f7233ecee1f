"""``Authorization: Bearer <token>`` for integration accounts (browsers use the session)."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from integrations.models import ApiToken
from integrations.throttles import token_history_key
from integrations.tokens import token_authenticate
from kit import configcache


def _failures_key(request) -> str:
    return f"api-token-failures:{get_client_ip_address(request._request)}"


def _counts() -> BaseCache:
    """Where an address's failed tokens are counted: where the throttle keeps its histories
    (with Redis the shared cache, so that one round trip reads both; else Django's default
    cache, as the throttle does: ``integrations.throttles``)."""
    return configcache.shared() if configcache.shared_is_redis() else cache


def _refuse_if_locked(failures: int) -> None:
    """After ``AXES_FAILURE_LIMIT`` failed tokens from one address, that address gets 429 for
    ``LOGIN_LOCKOUT_MINUTES`` whatever it sends (counted in the cache: no query per call)."""
    if failures >= settings.AXES_FAILURE_LIMIT:
        raise exceptions.Throttled(
            wait=settings.LOGIN_LOCKOUT_MINUTES * 60,
            detail=str(_("Too many failed tokens from this address: try again later.")),
        )


def _failed(request, message) -> exceptions.AuthenticationFailed:
    """A refused token: 429 from a locked address, else one failure more for the address."""
    if settings.AXES_ENABLED:
        counts, key = _counts(), _failures_key(request)
        _refuse_if_locked(counts.get(key, 0))
        counts.add(key, 0, timeout=settings.LOGIN_LOCKOUT_MINUTES * 60)
        try:
            counts.incr(key)
        except ValueError:  # expired between the two calls
            counts.set(key, 1, timeout=settings.LOGIN_LOCKOUT_MINUTES * 60)
    return exceptions.AuthenticationFailed(message)


def _accepted(request, token: ApiToken) -> None:
    """A usable token: 429 from a locked address all the same. With Redis its address's
    failure count is read in one round trip with what the request reads next: the token's
    history of requests (its throttle's) and, for a view that reads the configuration
    (``reads_config_versions``), the configuration versions (``kit.configcache.read_ahead``):
    one round trip instead of two per API request (bench/README.md, issue 18's tenth pass)."""
    failures = _failures_key(request) if settings.AXES_ENABLED else None
    if not configcache.shared_is_redis():
        if failures is not None:
            _refuse_if_locked(cache.get(failures, 0))
        return
    view = (request.parser_context or {}).get("view")
    found = configcache.read_ahead(
        [token_history_key(token), *([failures] if failures else [])],
        with_versions=getattr(view, "reads_config_versions", False),
    )
    if failures is not None:
        _refuse_if_locked(found.get(failures, 0))


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise _failed(request, _("Invalid Authorization header."))
        try:
            token = header[1].decode()
        except UnicodeError as exc:
            raise _failed(request, _("Invalid Authorization header.")) from exc
        row = token_authenticate(token)
        if row is None:
            raise _failed(request, _("The token is invalid, expired or revoked."))
        _accepted(request, row)
        return row.user, row

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
