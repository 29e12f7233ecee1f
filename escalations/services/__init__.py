"""Use cases on cases: the one way to create, edit, note and move a case.

The admin, the API, Celery tasks and commands call these; none of them calls a transition or
writes ``status`` directly. Each transition service runs the model's transition through the
case state machine (``_base.CASES``: lock, check, one save with the user and the reason) and
writes the rows that go with it, all inside one transaction.

The package: ``_base`` (the case state machine, the handoff, notes), ``cases`` (opening and
editing cases, notes, customers), ``transitions`` (the transitions other than escalating),
``escalate`` (escalating one case or a batch), ``hold`` (ending a hold, callbacks).
``TRANSITIONS`` maps each transition's name to its service: the admin and the API look it up
and turn their form or serializer into the service's keyword arguments
(:func:`transition_kwargs`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escalations.services._base import CASES, Handoff, TransitionConflict, TransitionForbidden
from escalations.services.cases import (
    EDITABLE_FIELDS,
    case_add_note,
    case_create,
    case_update,
    customer_create,
)
from escalations.services.escalate import EscalationRequest, case_escalate, escalate_cases
from escalations.services.hold import (
    callback_keep,
    callback_miss,
    callback_promise,
    hold_end,
    hold_start,
    notify_hold_started,
)
from escalations.services.transitions import (
    case_acknowledge,
    case_close,
    case_reopen,
    case_resolve,
    case_resume,
    case_return_to_owner,
    case_start_work,
    case_wait_for_customer,
)

__all__ = [
    "CASES",
    "EDITABLE_FIELDS",
    "TRANSITIONS",
    "EscalationRequest",
    "Handoff",
    "TransitionConflict",
    "TransitionForbidden",
    "callback_keep",
    "callback_miss",
    "callback_promise",
    "case_acknowledge",
    "case_add_note",
    "case_close",
    "case_create",
    "case_escalate",
    "case_reopen",
    "case_resolve",
    "case_resume",
    "case_return_to_owner",
    "case_start_work",
    "case_update",
    "case_wait_for_customer",
    "customer_create",
    "escalate_cases",
    "hold_end",
    "hold_start",
    "notify_hold_started",
    "transition_kwargs",
]

# The case state machine's transitions, by name. Escalating and escalating further are one
# service: ``case_escalate`` decides from the case's status which of the two it runs.
TRANSITIONS: dict[str, Callable[..., Any]] = {
    "start_work": case_start_work,
    "escalate": case_escalate,
    "escalate_further": case_escalate,
    "acknowledge": case_acknowledge,
    "return_to_owner": case_return_to_owner,
    "wait_for_customer": case_wait_for_customer,
    "resume": case_resume,
    "resolve": case_resolve,
    "reopen": case_reopen,
    "close": case_close,
}

_HANDOFF = ("customer_wants", "tried", "mood")


def transition_kwargs(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``TRANSITIONS[name]`` from a form's or a serializer's cleaned
    data (both name their fields as the service's arguments; the handoff's three fields become
    one :class:`Handoff`)."""
    kwargs = {key: value for key, value in data.items() if key not in _HANDOFF}
    kwargs.setdefault("expected_status", None)
    if TRANSITIONS[name] is case_escalate:
        kwargs["handoff"] = Handoff(**{key: data[key] for key in _HANDOFF})
    return kwargs
