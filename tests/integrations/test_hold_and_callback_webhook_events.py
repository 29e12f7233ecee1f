"""Holds and callbacks reach the webhooks: ``case.on_hold`` (put on hold, by escalating on hold
or later), ``case.hold_ended``, ``callback.due`` (the sweep's reminder before the window ends)
and ``callback.missed`` (the window passed without the call): one outbox row per active
subscription to the event, written in the change's transaction (rolled back with it)."""

import pytest
import time_machine
from django.db import transaction

from escalations import services
from escalations.services.sla_sweep import sla_sweep
from integrations.models import WebhookDelivery, WebhookSubscription
from notifications.models import Notification, NotificationChannel
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, give_emails, hold_policy
from tests.factories import HANDOFF

START = SATURDAY_EVENING
EVENTS = ["case.on_hold", "case.hold_ended", "callback.due", "callback.missed"]


@pytest.fixture
def cti(db):
    return WebhookSubscription.objects.create(
        name="CTI", url="https://cti.example.jp/hooks", secret="cti", event_types=EVENTS
    )


@pytest.fixture
def crm(db):
    return WebhookSubscription.objects.create(
        name="CRM", url="https://crm.example.jp/hooks", secret="crm", event_types=EVENTS[:2]
    )


@pytest.fixture
def switched_off(db):
    return WebhookSubscription.objects.create(
        name="Old", url="https://old.example.jp/", secret="x", event_types=EVENTS, is_active=False
    )


@pytest.fixture
def escalated(org, case, operator, colleague, supervisor):
    org["l1"].lead = colleague
    org["l1"].save()
    give_emails(operator, colleague, supervisor)
    hold_policy()
    with time_machine.travel(START, tick=False):
        services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    return case


def webhooks(event_type):
    return Notification.objects.filter(channel=NotificationChannel.WEBHOOK, event_type=event_type)


def subscribers(event_type):
    return sorted(
        WebhookDelivery.objects.filter(notification__event_type=event_type).values_list(
            "subscription__name", flat=True
        )
    )


def test_hold_start_and_end_reach_each_subscriber_once(escalated, operator, cti, crm, switched_off):
    with time_machine.travel(START + MIN, tick=False):
        hop = services.hold_start(case=escalated, actor=operator)
    with time_machine.travel(START + 3 * MIN, tick=False):
        services.hold_end(case=escalated, actor=operator, outcome="callback")

    assert subscribers("case.on_hold") == ["CRM", "CTI"]
    assert subscribers("case.hold_ended") == ["CRM", "CTI"]
    held = webhooks("case.on_hold").get(address=cti.url)
    assert held.payload["case"]["reference"] == escalated.reference
    assert held.payload["escalation"]["number"] == hop.number
    ended = webhooks("case.hold_ended").get(address=crm.url)
    assert (ended.payload["outcome"], ended.payload["waited_seconds"]) == ("callback", 120)


def test_escalating_on_hold_is_a_hold_event_too(org, case, operator, cti):
    hold_policy()
    services.case_escalate(
        case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
    )

    assert subscribers("case.on_hold") == ["CTI"]


@pytest.mark.parametrize("event_type", ["case.on_hold", "case.hold_ended"])
def test_a_hold_change_that_rolls_back_leaves_no_event(escalated, operator, cti, event_type):
    if event_type == "case.hold_ended":
        services.hold_start(case=escalated, actor=operator)
    before = webhooks(event_type).count()

    with pytest.raises(RuntimeError), transaction.atomic():
        if event_type == "case.on_hold":
            services.hold_start(case=escalated, actor=operator)
        else:
            services.hold_end(case=escalated, actor=operator, outcome="answered")
        assert webhooks(event_type).count() == before + 1
        raise RuntimeError("the caller's transaction fails after the change")

    assert webhooks(event_type).count() == before


def test_callback_reminder_and_miss_reach_each_subscriber_once(escalated, operator, cti, crm):
    with time_machine.travel(START, tick=False):
        callback = services.callback_promise(
            case=escalated,
            actor=operator,
            number="090-1234-5678",
            window_start=START + 60 * MIN,
            window_end=START + 120 * MIN,
        )

    for minutes in (60, 90, 121, 150):  # reminder, lead's warning, miss, nothing more
        with time_machine.travel(START + minutes * MIN, tick=False):
            sla_sweep()

    assert subscribers("callback.due") == ["CTI", "CTI"]  # the two warnings
    assert subscribers("callback.missed") == ["CTI"]  # once, whatever the later sweeps
    missed = webhooks("callback.missed").get()
    assert missed.payload["callback"]["id"] == callback.pk
    assert missed.payload["callback"]["status"] == "promised"
    assert missed.payload["level"] == "breach"


def test_a_kept_callback_is_never_missed(escalated, operator, cti):
    with time_machine.travel(START, tick=False):
        callback = services.callback_promise(
            case=escalated,
            actor=operator,
            number="090-1234-5678",
            window_start=START + 60 * MIN,
            window_end=START + 120 * MIN,
        )
    with time_machine.travel(START + 70 * MIN, tick=False):
        services.callback_keep(callback=callback, actor=operator, outcome="済")
    with time_machine.travel(START + 121 * MIN, tick=False):
        sla_sweep()

    assert not webhooks("callback.missed").exists()
