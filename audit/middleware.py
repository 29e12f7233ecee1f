"""Audit in the request cycle (after simple-history's ``HistoryRequestMiddleware``, which
gives history rows the request's user)."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.urls import reverse

from audit.context import ADMIN_REASON, acting_as

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class AuditMiddleware:
    """- Writes made through the admin get the reason "edited in admin" (unless the service
      that made them gave its own, e.g. a transition's name and comment).
    - History is read-only: simple-history's per-version page (``…_simple_history``) and the
      history list answer only GET, for every model admin, whoever asks. A hand-made POST there
      would save the old version over the object (a revert that bypasses the state machine)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix: str | None = None

    def __call__(self, request):
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        if request.path.startswith(self._admin_prefix):
            with acting_as(reason=ADMIN_REASON):
                return self.get_response(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.url_name if match is not None else ""
        if request.method not in SAFE_METHODS and (
            name.endswith("_simple_history") or name.endswith("_history")
        ):
            return HttpResponseNotAllowed(SAFE_METHODS)
        return None
