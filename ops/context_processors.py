"""The clock banner: on every admin page, for those who may see the clock status (managers,
administrators), when the SLA clock has stopped, the outbox is stuck or deliveries failed.
One query, only for them."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from ops.status import clock_status


def clock_banner(request):
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not request.path.startswith("/admin/")
        or not user.has_perm("ops.view_clock_status")
    ):
        return {}
    return {"ops_clock": SimpleLazyObject(clock_status)}
