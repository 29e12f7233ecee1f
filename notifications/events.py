"""What happened to a case that other apps and outside systems may care about.

The app that changes a case emits an event inside the change's transaction; the apps that react
(integrations' webhooks, knowledge's search index) listen at start-up (``AppConfig.ready``). So
the emitting app imports none of the listening ones, and every listener runs in the same
transaction as the change: it happens if and only if the change commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CASE_CREATED = "case.created", _("Case created")
    CASE_ESCALATED = "case.escalated", _("Case escalated")
    CASE_ACKNOWLEDGED = "case.acknowledged", _("Escalation acknowledged")
    CASE_RETURNED = "case.returned", _("Answer returned to the owner")
    CASE_RESOLVED = "case.resolved", _("Case resolved")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    CASE_ON_HOLD = "case.on_hold", _("Customer put on hold")
    CASE_HOLD_ENDED = "case.hold_ended", _("Hold ended")
    CALLBACK_DUE = "callback.due", _("Callback due soon")
    CALLBACK_MISSED = "callback.missed", _("Callback missed")


@dataclasses.dataclass(frozen=True)
class CaseEvent:
    """``type`` happened to ``case`` (an ``escalations.Case``), maybe on one ``escalation`` hop;
    ``extra`` goes into the payload as it is."""

    type: EventType
    case: Any
    escalation: Any = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    occurred_at: dt.datetime | None = None


Listener = Callable[[CaseEvent], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Call ``listener`` with every event emitted from now on (once, however often it is
    registered)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def emit(
    event_type: str,
    case: Any,
    *,
    escalation: Any = None,
    extra: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> None:
    """Tell every listener that ``event_type`` happened to ``case``; call it inside the
    transaction of the change. An unknown event type is a programming error (ValueError)."""
    event = CaseEvent(EventType(event_type), case, escalation, extra or {}, occurred_at)
    for listener in _listeners:
        listener(event)
