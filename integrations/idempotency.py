"""``Idempotency-Key`` on POST: a retried request returns the first response and does nothing
twice; the same key with another request is refused.

The record is inserted first, in the same transaction as the work and its response (one
``INSERT … ON CONFLICT DO NOTHING``, no savepoint): a second request with the same key waits on
the unique index until the first commits, then replays its response (or runs, if the first failed
and rolled back). Only successful responses are kept:
a refused request changed nothing and may be retried with the same key."""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
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


_INSERTED = ("user", "key", "fingerprint", "method", "path", "status_code", "created_at")


def _insert_unless_taken(record: IdempotencyRecord) -> bool:
    """Insert ``record`` unless its (user, key) is taken; whether it was inserted (its primary
    key set). One statement, ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite
    3.35+), where catching the unique index's error needs a savepoint around the INSERT (two
    round trips more). A key taken by a transaction still running waits for it, as the plain
    INSERT did: its commit makes this a replay, its rollback lets this one insert."""
    meta = IdempotencyRecord._meta
    fields = [meta.get_field(name) for name in _INSERTED]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({qn(meta.get_field('user').column)}, {qn(meta.get_field('key').column)}) "
        f"DO NOTHING RETURNING {qn(meta.pk.column)}"
    )
    params = [f.get_db_prep_save(f.pre_save(record, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    record.pk = row[0]
    record._state.adding = False
    record._state.db = connection.alias
    return True


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
            record = IdempotencyRecord(
                user=request.user,
                key=key,
                fingerprint=request_fingerprint,
                method=request.method,
                path=request.path[:500],
            )
            if not _insert_unless_taken(record):
                existing = IdempotencyRecord.objects.get(user=request.user, key=key)
                return _replay(existing, request_fingerprint)
            token = _keyed_block.set(connection.atomic_blocks[-1])
            try:
                response = view_method(self, request, *args, **kwargs)
            finally:
                _keyed_block.reset(token)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper


# the block the Idempotency-Key's wrapper runs its view in (None outside one)
_keyed_block: contextvars.ContextVar[transaction.Atomic | None] = contextvars.ContextVar(
    "idempotency_keyed_block", default=None
)


def keyed() -> bool:
    """Whether the view runs inside an Idempotency-Key's transaction (:func:`idempotent`)."""
    return _keyed_block.get() is not None


def atomic() -> transaction.Atomic:
    """The block a view decorated with :func:`idempotent` runs its work in: directly inside the
    wrapper's transaction (a request with a key), that transaction itself, without a savepoint
    (two round trips fewer: the wrapper catches no error of the view's, so an error ends the
    wrapper's block whole, as it should); elsewhere ``transaction.atomic()`` as usual (e.g. a
    test's transaction around the request keeps working after a refused request)."""
    keyed = _keyed_block.get()
    joins = keyed is not None and bool(connection.atomic_blocks)
    return transaction.atomic(savepoint=not (joins and connection.atomic_blocks[-1] is keyed))
