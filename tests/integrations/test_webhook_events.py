"""Webhook events: each case event and each SLA warning/breach becomes one outbox row per
active subscription to it, in the same transaction as the change, linked to its subscription
(the delivery log). Nobody subscribed: nothing is written."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from escalations import services
from escalations.services.sla_sweep import sla_sweep
from integrations.models import WebhookDelivery, WebhookSubscription
from notifications.models import Notification, NotificationChannel
from tests.factories import HANDOFF, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
ALL_EVENTS = [
    "case.created",
    "case.escalated",
    "case.acknowledged",
    "case.returned",
    "case.resolved",
    "sla.warning",
    "sla.breached",
]


@pytest.fixture
def crm(db):
    return WebhookSubscription.objects.create(
        name="CRM", url="https://crm.example.jp/hooks", secret="crm-secret", event_types=ALL_EVENTS
    )


@pytest.fixture
def chat(db):
    return WebhookSubscription.objects.create(
        name="Chat", url="https://chat.example.jp/in", secret="chat", event_types=["case.resolved"]
    )


@pytest.fixture
def switched_off(db):
    return WebhookSubscription.objects.create(
        name="Old",
        url="https://old.example.jp/",
        secret="x",
        event_types=ALL_EVENTS,
        is_active=False,
    )


def events_for(subscription):
    return list(
        WebhookDelivery.objects.filter(subscription=subscription)
        .order_by("notification__pk")
        .values_list("notification__event_type", flat=True)
    )


def test_the_round_trip_of_a_case_reaches_each_subscriber_once_per_event(
    org, operator, supervisor, crm, chat, switched_off, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        case = make_case(owner=operator)
    assert callbacks, "delivery is enqueued when the change commits"
    services.case_start_work(case=case, actor=operator)
    hop = services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    services.case_acknowledge(case=case, actor=supervisor)
    services.case_return_to_owner(case=case, actor=supervisor, answer="返金可能")
    services.case_resolve(case=case, actor=operator, resolution="返金を案内")

    assert events_for(crm) == [
        "case.created",
        "case.escalated",
        "case.acknowledged",
        "case.returned",
        "case.resolved",
    ]
    assert events_for(chat) == ["case.resolved"]
    assert events_for(switched_off) == []
    escalated = Notification.objects.get(event_type="case.escalated")
    assert (escalated.channel, escalated.address, escalated.case) == (
        NotificationChannel.WEBHOOK,
        crm.url,
        case,
    )
    assert escalated.payload["case"]["reference"] == case.reference
    assert escalated.payload["escalation"] == {
        "number": hop.number,
        "from_tier": 1,
        "to_tier": 2,
        "to_team": org["l2"].pk,
        "reason": "complaint",
        "is_automatic": False,
    }
    returned = Notification.objects.get(event_type="case.returned")
    assert returned.payload["answer"] == "返金可能"


def test_a_change_that_rolls_back_leaves_no_event(org, operator, crm):
    case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    outbox = Notification.objects.exclude(channel=NotificationChannel.IN_APP)  # not the bell
    before = outbox.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
        assert outbox.count() == before + 1
        raise RuntimeError("the caller's transaction fails after the escalation")

    assert outbox.count() == before
    assert not WebhookDelivery.objects.filter(notification__event_type="case.escalated").exists()


def test_without_subscribers_nothing_is_written(org, operator, switched_off):
    make_case(owner=operator)

    assert not Notification.objects.filter(channel=NotificationChannel.WEBHOOK).exists()


def test_sla_warnings_and_breaches_reach_their_subscribers(org, operator, crm):
    make_sla_policy()
    with time_machine.travel(START, tick=False):
        case = make_case(owner=operator)  # P2: first response within 30 min

    for minutes in (15, 31):
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            sla_sweep()

    sla = [e for e in events_for(crm) if e.startswith("sla.")]
    assert sla[0] == "sla.warning" and sla[-1] == "sla.breached"
    breach = Notification.objects.get(event_type="sla.breached", address=crm.url)
    assert breach.payload["case"]["reference"] == case.reference
    assert (breach.payload["timer"], breach.payload["level"]) == ("first_response", "breach")
