"""One JSON shape for every error of the API:

``{"code": "...", "detail": "a sentence for people", "fields": {"name": ["..."]}}``

- 400 ``invalid``: bad input, with the field errors (from the serializer or the service);
- 401 ``not_authenticated`` / ``authentication_failed``; 403 ``permission_denied``;
- 404 ``not_found``; 409 ``conflict`` (changed underneath, or not possible in this status:
  ``status`` gives the case's current status); 422 ``idempotency_key_reused``;
- 429 ``throttled``. Nothing the caller sends ends as a 500.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from kit.statemachine import TransitionConflict


def _fields(detail) -> dict:
    if isinstance(detail, dict):
        return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return {
        "non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]
    }


def exception_handler(exc, context):
    if isinstance(exc, TransitionConflict):
        return Response(
            {"code": "conflict", "detail": exc.message, "status": exc.status},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let it be a 500 with its traceback in the log
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        response.data = {
            "code": "invalid",
            "detail": _("The request is not valid: see the field errors."),
            "fields": fields,
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"code": code, "detail": str(detail)}
    return response


# --- Django's own error pages, as JSON under /api/ ---------------------------------------------


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse(
            {"code": "invalid", "detail": _("The request is not valid.")}, status=400
        )
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"code": "error", "detail": _("Internal error.")}, status=500)
    return defaults.server_error(request)
