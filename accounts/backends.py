"""Django's ``ModelBackend`` with each person's permissions kept per process.

``ModelBackend`` reads a user's permissions from the database (one query for their own, one for
their groups') once per user object, i.e. on every request. Here they are read once per process
and again after any change to who holds what, in any process (``kit.configcache``): a
permission, a group, a group's permissions, a user's groups or a user's own permissions saved,
deleted or changed. The key holds ``is_superuser`` (a superuser has every permission), so a
user made or unmade superuser is read afresh without watching every save of a user;
``is_active`` is checked on the user object of the request, as before.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from accounts.models import User
from kit.configcache import ConfigCache

# (user id, is_superuser, "user" | "group") -> the permission names
PERMISSIONS: ConfigCache[dict[tuple[int, bool, str], frozenset[str]]] = ConfigCache(
    "permissions", dict
)
PERMISSIONS.watch(
    Permission,
    Group,
    Group.permissions.through,
    User.groups.through,
    User.user_permissions.through,
)


class CachedModelBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        perm_cache_name = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, perm_cache_name):
            known = PERMISSIONS.get()
            key = (user_obj.pk, user_obj.is_superuser, from_name)
            if key not in known:
                known[key] = frozenset(super()._get_permissions(user_obj, obj, from_name))
            setattr(user_obj, perm_cache_name, set(known[key]))
        return getattr(user_obj, perm_cache_name)
