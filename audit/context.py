"""Who acts and why, for history rows whose writer did not say.

Services set ``_history_user`` and ``_change_reason`` themselves; these fill the gaps for every
historised model (other apps' included):

- requests: simple-history's ``HistoryRequestMiddleware`` gives the user; ``AuditMiddleware``
  gives the reason "edited in admin" to writes made through the admin;
- Celery tasks: ``task_prerun`` makes the system user (``accounts.services.system_user``) the
  actor and the task's name the reason, until ``task_postrun``;
- anything else (commands, shells): ``acting_as(user, reason)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.services import system_user
from kit.audit import change_reason

ADMIN_REASON = "edited in admin"
ADMIN_REASONS = {"+": "added in admin", "-": "deleted in admin"}


@dataclass(frozen=True)
class Actor:
    user: Any = None  # a User, a lazy one, or None: the request's user (middleware)
    reason: str = ""


_current: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)
_task_tokens: dict[str, Token] = {}


def current() -> Actor | None:
    return _current.get()


@contextmanager
def acting_as(user: Any = None, reason: str = "") -> Iterator[None]:
    """History rows written inside get ``user`` and ``reason`` unless their writer set them."""
    token = _current.set(Actor(user=user, reason=reason))
    try:
        yield
    finally:
        _current.reset(token)


def fill_history_row(sender, history_instance, **kwargs) -> None:
    """``pre_create_historical_record``: complete the row before it is inserted."""
    actor = _current.get()
    if actor is not None:
        if history_instance.history_user_id is None and actor.user is not None:
            user = actor.user
            if getattr(user, "is_authenticated", False):
                history_instance.history_user_id = user.pk
        if not history_instance.history_change_reason and actor.reason:
            reason = actor.reason
            if reason == ADMIN_REASON:
                reason = ADMIN_REASONS.get(history_instance.history_type, reason)
            history_instance.history_change_reason = reason
    # Reasons set by the services are cut by ``kit.audit`` already; the request's and the
    # task's own reasons go through the same one cut.
    if history_instance.history_change_reason:
        history_instance.history_change_reason = change_reason(
            history_instance.history_change_reason
        )


def _system_user():
    return system_user()


def task_started(task_id=None, task=None, **kwargs) -> None:
    """``task_prerun``: the task acts as the system user (looked up only if a row needs it)."""
    reason = f"task: {getattr(task, 'name', '')}"
    _task_tokens[task_id] = _current.set(Actor(user=SimpleLazyObject(_system_user), reason=reason))


def task_finished(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)


def update_last_login_quietly(sender, user, **kwargs) -> None:
    """Django's ``update_last_login`` without a history row (``last_login`` is not tracked)."""
    user.last_login = timezone.now()
    if hasattr(user, "save_without_historical_record"):
        user.save_without_historical_record(update_fields=["last_login"])
    else:
        user.save(update_fields=["last_login"])
