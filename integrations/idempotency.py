"""``Idempotency-Key`` on POST: a retried request returns the first response and does nothing
twice; the same key with another request is refused.

The record is inserted first, in the same transaction as the work and its response: a second
request with the same key waits on the unique index until the first commits, then replays its
response (or runs, if the first failed and rolled back). Only successful responses are kept:
a refused request changed nothing and may be retried with the same key."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from integrations.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used for another request."


def purge_old_records(*, hours: int | None = None) -> int:
    """Forget the records older than the retry window (``IDEMPOTENCY_RETENTION_HOURS``, 24 by
    default): their keys may be used again. Run daily by Celery beat; returns how many went."""
    window = dt.timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS if hours is None else hours)
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - window
    ).delete()
    return deleted


def fingerprint(request) -> str:
    body = request.body or b""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), canonical):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, request_fingerprint: str) -> Response:
    if record.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used for another request (%(method)s "
                "%(path)s with another body). Use a new key for a new request."
            )
            % {"method": record.method, "path": record.path}
        )
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_method):
    """Decorate a DRF view method (POST) to honour the ``Idempotency-Key`` header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError({HEADER: [_("Give a key of 1 to 255 characters.")]})
        request_fingerprint = fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user,
                        key=key,
                        fingerprint=request_fingerprint,
                        method=request.method,
                        path=request.path[:500],
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.get(user=request.user, key=key)
                return _replay(existing, request_fingerprint)
            response = view_method(self, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper
