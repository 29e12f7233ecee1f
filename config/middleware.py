"""Bad input that would reach the database as a 500 is answered here: a NUL character in the
path or the query string (PostgreSQL refuses NUL in text; the API's JSON bodies are checked by
the serializers) is a 400 in the API's error shape, and on admin pages a message on the page
without the filters. A filter date the database cannot hold (year 1 or 9999 shifted past the
calendar by the time zone) ends the same way on admin pages, instead of a 500."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class RejectNulMiddleware:
    """After the session, auth and messages middleware (it may leave a message)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _has_nul(request):
            return self.get_response(request)
        message = _("The address contains a NUL character, which is not allowed.")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "invalid", "detail": message}, status=400)
        if request.method == "GET" and "\x00" not in request.path:
            messages.error(request, message + " " + _("The filters were reset."))
            return HttpResponseRedirect(request.path)
        return HttpResponseBadRequest(message)

    def process_exception(self, request, exception):
        """A date out of range in an admin list's filters: the page again, without them."""
        if not isinstance(exception, OverflowError) or not request.path.startswith("/admin/"):
            return None
        if request.method != "GET" or not request.GET:
            return None
        messages.error(
            request,
            _("A date in the filters is out of range.") + " " + _("The filters were reset."),
        )
        return HttpResponseRedirect(request.path)
