"""Permission classes of the API."""

from rest_framework import permissions


class HasPermission(permissions.BasePermission):
    """The view's ``required_perms`` for the action: any one of them is enough (the admin
    lets a user with change permission view, too)."""

    def has_permission(self, request, view):
        perms = getattr(view, "required_perms", {}).get(getattr(view, "action", None), ())
        return not perms or any(request.user.has_perm(p) for p in perms)
