"""A promised callback that will not be made is recorded as missed by hand (``callback_miss``):
with a reason, by the same people who may keep it, once (a kept or missed one is a conflict).
Its timer stops as missed, so the sweep records nothing more; the timeline says so; webhook
subscribers get ``callback.missed`` and the promiser and the case owner hear of it in the app
(never the one who missed it) unless the sweep already told of the miss at the deadline."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from escalations.models import (
    Callback,
    CallbackStatus,
    CaseNote,
    NoteKind,
    SLAEvent,
    SLATimer,
    TimerKind,
    TimerOutcome,
)
from escalations.services import callback_keep, callback_miss, callback_promise
from escalations.services.sla_sweep import sla_sweep
from integrations.models import WebhookSubscription
from kit.statemachine import TransitionConflict
from notifications.models import InboxKind, Notification, NotificationChannel
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, hold_policy

START = SATURDAY_EVENING


@pytest.fixture
def cti(db):
    return WebhookSubscription.objects.create(
        name="CTI",
        url="https://cti.example.jp/hooks",
        secret="cti",
        event_types=["callback.missed"],
    )


@pytest.fixture
def promised(case, colleague):
    """The colleague (the owner's team) promised a callback on the operator's case."""
    hold_policy()
    with time_machine.travel(START, tick=False):
        return callback_promise(
            case=case,
            actor=colleague,
            number="090-1234-5678",
            window_start=START + 60 * MIN,
            window_end=START + 120 * MIN,
        )


def miss(callback, actor, reason="お客様の番号が不通", at=START + 30 * MIN):
    with time_machine.travel(at, tick=False):
        return callback_miss(callback=callback, actor=actor, reason=reason)


def missed_webhooks():
    return Notification.objects.filter(
        channel=NotificationChannel.WEBHOOK, event_type="callback.missed"
    )


def bell():
    rows = Notification.objects.filter(
        channel=NotificationChannel.IN_APP, event_type=InboxKind.CALLBACK_MISSED
    )
    return sorted(rows.values_list("recipient__username", flat=True))


def test_missed_with_the_reason_its_timer_stopped_as_missed(promised, case, operator, cti):
    miss(promised, operator)

    promised.refresh_from_db()
    assert (promised.status, promised.outcome) == (CallbackStatus.MISSED, "お客様の番号が不通")
    assert promised.history.first().history_user == operator
    assert promised.history.first().history_change_reason == "miss"
    timer = SLATimer.objects.get(kind=TimerKind.CALLBACK)
    assert (timer.outcome, timer.met, timer.next_fire_at) == (TimerOutcome.MISSED, False, None)
    note = CaseNote.objects.filter(case=case, kind=NoteKind.CALLBACK).order_by("pk").last()
    assert "お客様の番号が不通" in note.body
    [hook] = missed_webhooks()
    assert hook.payload["callback"]["id"] == promised.pk
    assert hook.payload["level"] == "by_hand"

    # the sweep has nothing left to fire for it
    with time_machine.travel(START + 200 * MIN, tick=False):
        assert sla_sweep().breaches == 0
    assert missed_webhooks().count() == 1


def test_the_promiser_and_the_owner_are_told_never_the_actor(promised, operator, supervisor):
    miss(promised, operator)  # the owner misses the colleague's promise

    assert bell() == ["colleague"]


def test_an_absent_promiser_s_delegate_is_told(promised, colleague, outsider, operator):
    colleague.is_absent, colleague.delegate = True, outsider
    colleague.save()

    miss(promised, operator)

    assert bell() == ["outsider"]


def test_kept_or_missed_already_is_a_conflict(promised, operator, colleague):
    miss(promised, operator)
    with pytest.raises(TransitionConflict) as again:
        miss(Callback.objects.get(pk=promised.pk), colleague, reason="二度目")
    assert again.value.status == CallbackStatus.MISSED
    with pytest.raises(ValidationError):
        callback_keep(callback=Callback.objects.get(pk=promised.pk), actor=operator, outcome="済")
    assert bell() == ["colleague"]

    with time_machine.travel(START + 150 * MIN, tick=False):
        kept = callback_promise(
            case=promised.case,
            actor=operator,
            number="03-1234-5678",
            window_start=START + 160 * MIN,
            window_end=START + 170 * MIN,
        )
        callback_keep(callback=kept, actor=operator, outcome="済")
    with pytest.raises(TransitionConflict):
        miss(kept, operator, at=START + 165 * MIN)


def test_a_miss_the_sweep_already_recorded_is_told_once(promised, operator, cti):
    with time_machine.travel(START + 121 * MIN, tick=False):
        sla_sweep()
    assert missed_webhooks().count() == 1

    miss(promised, operator, at=START + 130 * MIN)

    assert Callback.objects.get(pk=promised.pk).status == CallbackStatus.MISSED
    assert missed_webhooks().count() == 1  # no second callback.missed for the same callback
    assert SLAEvent.objects.filter(timer__kind=TimerKind.CALLBACK, level=3).count() == 1


def test_without_a_reason_or_permission_nothing_changes(promised, manager, outsider, operator):
    with pytest.raises(ValidationError):
        miss(promised, operator, reason="  ")
    for who in (manager, outsider):
        with pytest.raises(PermissionDenied):
            miss(promised, who)
    assert Callback.objects.get(pk=promised.pk).status == CallbackStatus.PROMISED


def test_rolled_back_with_its_transaction(promised, operator, cti):
    with pytest.raises(RuntimeError), transaction.atomic():
        miss(promised, operator)
        raise RuntimeError("fails after the miss")

    assert Callback.objects.get(pk=promised.pk).status == CallbackStatus.PROMISED
    assert bell() == [] and missed_webhooks().count() == 0


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_miss_page(client, promised, case, operator):
    client.force_login(operator)
    page = reverse("admin:escalations_case_callback_miss", args=[case.pk, promised.pk])

    assert client.get(page).status_code == 200
    blank = client.post(page, {"reason": ""})
    assert blank.status_code == 200 and blank.context["form"].errors["reason"]
    done = client.post(page, {"reason": "不通"})
    assert done.status_code == 302
    assert done.url == reverse("admin:escalations_case_change", args=[case.pk])
    assert Callback.objects.get(pk=promised.pk).status == CallbackStatus.MISSED
    again = client.post(page, {"reason": "二度目"})
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    assert Callback.objects.get(pk=promised.pk).outcome == "不通"


def test_the_admin_miss_page_refuses_who_may_not(client, promised, case, manager, outsider):
    page = reverse("admin:escalations_case_callback_miss", args=[case.pk, promised.pk])
    client.force_login(manager)  # sees the case, on neither side
    assert client.post(page, {"reason": "不通"}).status_code == 403
    client.force_login(outsider)  # does not see the case
    assert client.post(page, {"reason": "不通"}).status_code == 404
    assert Callback.objects.get(pk=promised.pk).status == CallbackStatus.PROMISED


def test_the_callback_list_shows_the_buttons_of_promised_callbacks(client, promised, operator):
    client.force_login(operator)

    html = client.get(reverse("admin:escalations_callback_changelist")).content.decode()

    miss_page = reverse(
        "admin:escalations_case_callback_miss", args=[promised.case_id, promised.pk]
    )
    assert miss_page in html and "callback-keep" in html
