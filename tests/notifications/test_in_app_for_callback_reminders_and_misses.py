"""Callback reminders and misses put exactly one notification in each intended person's bell,
in the sweep's transaction (rolled back with it): the promiser is reminded at every rung of the
callback's ladder and told of the miss, besides the team lead the ladder names. An absent
promiser's delegate receives it."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction

from escalations.services import callback_promise
from escalations.services.sla_sweep import sla_sweep
from notifications.models import InboxKind, Loudness, Notification, NotificationChannel
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, hold_policy

START = SATURDAY_EVENING


def bell(kind: str) -> list[tuple[str, int]]:
    rows = Notification.objects.filter(channel=NotificationChannel.IN_APP, event_type=kind)
    return sorted(rows.values_list("recipient__username", "loudness"))


@pytest.fixture
def promised(org, case, operator, colleague):
    """The operator promised a callback due at START + 2 h; the colleague leads L1."""
    org["l1"].lead = colleague
    org["l1"].save()
    hold_policy()
    with time_machine.travel(START, tick=False):
        return callback_promise(
            case=case,
            actor=operator,
            number="090-1234-5678",
            window_start=START + 60 * MIN,
            window_end=START + 120 * MIN,
        )


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return sla_sweep()


def test_the_promiser_is_reminded_then_the_lead_too(promised):
    sweep_at(START + 60 * MIN)  # first rung: the promiser
    assert bell(InboxKind.CALLBACK_DUE) == [("operator", Loudness.LOUD)]

    sweep_at(START + 90 * MIN)  # second rung: the lead, and the promiser once more
    assert bell(InboxKind.CALLBACK_DUE) == [
        ("colleague", Loudness.LOUD),
        ("operator", Loudness.LOUD),
        ("operator", Loudness.LOUD),
    ]
    # a callback's rungs are not SLA warnings in the bell
    assert bell(InboxKind.SLA_WARNING) == []


def test_a_miss_tells_the_promiser_and_the_lead_once(promised, case):
    sweep_at(START + 121 * MIN)
    sweep_at(START + 150 * MIN)  # a second sweep changes nothing

    assert bell(InboxKind.CALLBACK_MISSED) == [
        ("colleague", Loudness.LOUD),
        ("operator", Loudness.LOUD),
    ]
    assert bell(InboxKind.SLA_BREACHED) == []
    row = Notification.objects.filter(event_type=InboxKind.CALLBACK_MISSED).first()
    assert row.case_id == case.pk and row.payload["reference"] == case.reference


def test_an_absent_promiser_s_delegate_is_reminded(promised, operator, outsider):
    operator.is_absent, operator.delegate = True, outsider
    operator.save()

    sweep_at(START + 60 * MIN)

    assert bell(InboxKind.CALLBACK_DUE) == [("outsider", Loudness.LOUD)]
    row = Notification.objects.get(event_type=InboxKind.CALLBACK_DUE)
    assert row.intended_recipient_id == operator.pk


def test_a_lead_who_promised_is_told_once(org, case, colleague, operator):
    """The lead promised the callback themself: one notice per rung, not two."""
    org["l1"].lead = colleague
    org["l1"].save()
    hold_policy()
    with time_machine.travel(START, tick=False):
        callback_promise(
            case=case,
            actor=colleague,
            number="090-1234-5678",
            window_start=START + 60 * MIN,
            window_end=START + 120 * MIN,
        )
    sweep_at(START + 121 * MIN)

    assert bell(InboxKind.CALLBACK_MISSED) == [("colleague", Loudness.LOUD)]


def test_the_callback_notices_roll_back_with_the_sweep(promised):
    with (
        time_machine.travel(START + 121 * MIN, tick=False),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sla_sweep()
        assert len(bell(InboxKind.CALLBACK_MISSED)) == 2
        raise RuntimeError("the sweep's transaction fails")

    assert bell(InboxKind.CALLBACK_MISSED) == []
