"""Throttling per API token (a browser session counts per user)."""

from django.core.cache import cache as default_cache
from rest_framework.throttling import SimpleRateThrottle

from integrations.models import ApiToken
from kit import configcache


class _ThrottleCache:
    """Where the throttle keeps its counts (DRF's throttles use a cache's ``get`` and
    ``set``): with Redis, the shared cache of ``kit.configcache``; for a view that reads the
    configuration (``reads_config_versions``), the history read together with the request's
    configuration versions (one round trip at the start of the request rather than two: the
    versions are then not read again when the view needs them). Without Redis, Django's
    default cache, as DRF's throttles use it."""

    def __init__(self, *, with_versions: bool) -> None:
        self.with_versions = with_versions

    def get(self, key, default=None):
        if not configcache.shared_is_redis():
            return default_cache.get(key, default)
        if self.with_versions:
            return configcache.get_with_versions(key, default)
        return configcache.get_shared(key, default)

    def set(self, key, value, timeout=None):
        if configcache.shared_is_redis():
            configcache.set_shared(key, value, timeout)
        else:
            default_cache.set(key, value, timeout)


_WITH_VERSIONS = _ThrottleCache(with_versions=True)


class PerTokenRateThrottle(SimpleRateThrottle):
    scope = "token"
    cache = _ThrottleCache(with_versions=False)

    def allow_request(self, request, view):
        if getattr(view, "reads_config_versions", False):
            self.cache = _WITH_VERSIONS  # this request's throttle only (one per request)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return token_history_key(request.auth)
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def token_history_key(token: ApiToken) -> str:
    """The cache key of a token's history of requests (read ahead by the token's
    authentication, with its address's failure count: ``integrations.authentication``)."""
    return PerTokenRateThrottle.cache_format % {
        "scope": PerTokenRateThrottle.scope,
        "ident": f"token-{token.pk}",
    }
