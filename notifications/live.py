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


def shared_cache() -> BaseCache:
    """The cache every process reads alike (Redis, or files): the versions, and the flags
    between processes (e.g. ``notifications.tasks.enqueue_delivery``)."""
    return caches[ALIAS if ALIAS in settings.CACHES else "default"]


_cache = shared_cache


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


def bump(user_ids: Iterable[int], *, scopes: Iterable[str] = ()) -> None:
    """Something changed for these users: their next poll gets a full answer (and, in the same
    round trip, for these scopes: see :func:`bump_scopes`)."""
    versions = new_versions(user_ids, scopes)
    if versions:
        _cache().set_many(versions, TIMEOUT)


def new_versions(user_ids: Iterable[int], scopes: Iterable[str] = ()) -> dict[str, str]:
    """The cache keys and new versions :func:`bump` sets (with ``TIMEOUT``), for a caller that
    sends them with other writes in one round trip (``notifications.oncommit``). One new
    version for all the keys: drawn now, it differs from every earlier version of each (a
    version is only ever compared with its own key's; drawing one per key cost 5 us each, five
    keys per API escalate)."""
    new = uuid.uuid4().hex
    versions = dict.fromkeys([_key(pk) for pk in set(user_ids)], new)
    versions.update(dict.fromkeys([_scope_key(scope) for scope in set(scopes)], new))
    return versions


def etag(user_id: int) -> str:
    return f'"{user_id}-{version(user_id)}"'


def _parse(tag: str) -> tuple[int, str] | None:
    """``'"<user id>-<version>"'`` → (user id, version); ``None`` for anything else."""
    if len(tag) < 4 or tag[0] != '"' or tag[-1] != '"':
        return None
    user, _, current = tag[1:-1].partition("-")
    if not user.isdigit() or not current:
        return None
    return int(user), current


def unchanged_for_session(tag: str, session_key: str) -> bool:
    """Whether ``tag`` (an ETag the poll gave) is still the version of the user logged in with
    ``session_key``: one cache round trip for both the session and the version, with no database
    query. ``False`` whenever it cannot tell (another session engine or cache, a session no longer
    cached, a version expired): the caller then asks Django, which answers in full."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    parsed = _parse(tag)
    if parsed is None or len(session_key) < 8 or not session_key.isalnum():
        return False
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.cached_db":
        return False
    cache = _cache()
    if caches[settings.SESSION_CACHE_ALIAS] is not cache:
        return False
    user_id, current = parsed
    session_cache_key = SessionStore.cache_key_prefix + session_key
    found = cache.get_many([session_cache_key, _key(user_id)])
    session = found.get(session_cache_key)
    return (
        isinstance(session, dict)
        and str(session.get(SESSION_KEY)) == str(user_id)
        and found.get(_key(user_id)) == current
    )


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
