"""The per-user version of the in-app notifications, kept in the ``live`` cache: the poll
answers 304 without touching the database while it is unchanged. A new in-app notification
bumps its recipient's version when its transaction commits; marking read bumps it at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

ALIAS = "live"
# a day: a version that expired is drawn anew, which only costs the next poll one full answer
TIMEOUT = 24 * 3600


def _cache() -> BaseCache:
    return caches[ALIAS if ALIAS in settings.CACHES else "default"]


def _key(user_id: int) -> str:
    return f"inbox-version:{user_id}"


def version(user_id: int) -> str:
    """The user's current version (drawn and kept when there is none yet)."""
    cache = _cache()
    current = cache.get(_key(user_id))
    if current is None:
        cache.add(_key(user_id), uuid.uuid4().hex, TIMEOUT)
        current = cache.get(_key(user_id))
    return current


def bump(user_ids: Iterable[int]) -> None:
    """Something changed for these users: their next poll gets a full answer."""
    _cache().set_many({_key(pk): uuid.uuid4().hex for pk in set(user_ids)}, TIMEOUT)


def etag(user_id: int) -> str:
    return f'"{user_id}-{version(user_id)}"'


# --- versions of named scopes (e.g. the case lists of a team), for lists that show "N new" ---


def _scope_key(scope: str) -> str:
    return f"scope-version:{scope}"


def scope_versions(scopes: Sequence[str]) -> list[str]:
    """The current version of each scope, in order (drawn and kept when there is none yet).
    One cache round trip when all are known."""
    cache = _cache()
    keys = [_scope_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, TIMEOUT)
        found.update(cache.get_many(missing))
    return [found.get(key, "") for key in keys]


def bump_scopes(scopes: Iterable[str]) -> None:
    """Something changed in these scopes: the lists watching them look again."""
    _cache().set_many({_scope_key(scope): uuid.uuid4().hex for scope in set(scopes)}, TIMEOUT)
