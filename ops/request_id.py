"""A request id for every web request, in every log line it writes (``request_id``) and in
the Celery tasks it enqueues (a message header, restored while the task runs)."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery import signals

HEADER = "X-Request-ID"
_incoming_ok = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestIdMiddleware:
    """Takes a sane ``X-Request-ID`` from the proxy, else makes one; echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        value = incoming if _incoming_ok.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(value)
        request.request_id = value
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = value
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request or a task started by one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def _publish(headers=None, **kwargs) -> None:
    value = request_id_var.get()
    if value and headers is not None:
        headers["request_id"] = value


def _prerun(task=None, **kwargs) -> None:
    value = (
        getattr(task.request, "request_id", None)
        or (getattr(task.request, "headers", None) or {}).get("request_id")
        or request_id_var.get()  # an eager task inside a request
    )
    task.request.request_id_token = request_id_var.set(value)


def _postrun(task=None, **kwargs) -> None:
    token = getattr(task.request, "request_id_token", None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (eager task inside a request)
            request_id_var.set(None)


def connect_celery_signals() -> None:
    signals.before_task_publish.connect(_publish, weak=False, dispatch_uid="ops.request_id")
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="ops.request_id")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="ops.request_id")
