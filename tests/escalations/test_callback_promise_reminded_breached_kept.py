"""A callback promise is a deadline on the SLA sweep (wall-clock time): the promiser is reminded
before it, the team lead warned, a missed promise recorded once and notified to the team lead;
keeping it records the call's outcome. A case holds several promises, all on its timeline."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from escalations import services
from escalations.models import (
    Callback,
    CallbackStatus,
    CaseNote,
    Level,
    NoteKind,
    SLAEvent,
    SLATimer,
    TimerKind,
)
from escalations.services import callback_keep, callback_promise
from escalations.services.sla_sweep import sla_sweep
from notifications.models import Notification
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, give_emails, hold_policy

START = SATURDAY_EVENING  # outside business hours: the promise counts in wall-clock time


@pytest.fixture
def promised(org, case, operator, colleague, manager):
    org["l1"].lead = colleague
    org["l1"].save()
    give_emails(operator, colleague, manager)
    hold_policy()
    with time_machine.travel(START, tick=False):
        return callback_promise(
            case=case,
            actor=operator,
            number="090-1234-5678",
            window_start=START + 60 * MIN,
            window_end=START + 120 * MIN,
            note="夕方希望",
        )


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return sla_sweep()


def callback_emails(level):
    return sorted(
        Notification.objects.filter(payload__timer="callback", payload__level=level).values_list(
            "recipient__username", flat=True
        )
    )


def test_the_promise_is_recorded_with_its_timer(promised, case, operator):
    callback = Callback.objects.get()
    assert (callback.number, callback.due_at, callback.status) == (
        "090-1234-5678",
        START + 120 * MIN,
        CallbackStatus.PROMISED,
    )
    assert callback.history.get().history_user == operator
    timer = SLATimer.objects.get(kind=TimerKind.CALLBACK)
    assert (timer.callback, timer.escalation, timer.due_at) == (callback, None, START + 120 * MIN)
    assert CaseNote.objects.get(case=case, kind=NoteKind.CALLBACK).body.count("090-1234-5678") == 1


def test_reminded_before_then_breached_once_to_the_team_lead(promised, case):
    sweep_at(START + 60 * MIN)
    assert callback_emails("warn_handler") == ["operator"]
    sweep_at(START + 90 * MIN)
    assert callback_emails("warn_lead") == ["colleague"]

    first = sweep_at(START + 121 * MIN)
    second = sweep_at(START + 150 * MIN)

    assert (first.breaches, second.breaches) == (1, 0)
    assert callback_emails("breach") == ["colleague"]  # the team lead, no manager
    assert SLAEvent.objects.filter(timer__kind=TimerKind.CALLBACK, level=Level.BREACH).count() == 1


def test_kept_in_time_with_an_outcome(promised, case, operator):
    with time_machine.travel(START + 70 * MIN, tick=False), translation.override("en"):
        callback = callback_keep(callback=promised, actor=operator, outcome="返金手続きを案内")

    callback.refresh_from_db()
    assert (callback.status, callback.kept_by, callback.outcome) == (
        CallbackStatus.KEPT,
        operator,
        "返金手続きを案内",
    )
    assert callback.kept_on_time
    timer = SLATimer.objects.get(kind=TimerKind.CALLBACK)
    assert (timer.stopped_at, timer.met) == (START + 70 * MIN, True)
    assert sweep_at(START + 200 * MIN).breaches == 0
    assert callback.history.first().history_change_reason == "keep"
    kept = CaseNote.objects.filter(case=case, kind=NoteKind.CALLBACK).order_by("pk").last()
    assert "返金手続きを案内" in kept.body and "late" not in kept.body


def test_kept_late_after_the_breach(promised, operator):
    sweep_at(START + 121 * MIN)
    with time_machine.travel(START + 130 * MIN, tick=False):
        callback = callback_keep(callback=promised, actor=operator, outcome="不在、留守電")

    assert callback.kept_on_time is False
    assert SLATimer.objects.get(kind=TimerKind.CALLBACK).met is False
    with pytest.raises(ValidationError):
        callback_keep(callback=callback, actor=operator, outcome="二度目")


def test_several_promises_per_case_and_resolving_keeps_them_running(promised, case, operator):
    with time_machine.travel(START + 5 * MIN, tick=False):
        callback_promise(
            case=case,
            actor=operator,
            number="03-0000-0000",
            window_start=START + 300 * MIN,
            window_end=START + 360 * MIN,
        )
        services.case_resolve(case=case, actor=operator, resolution="説明して了承")

    assert case.callbacks.count() == 2
    running = SLATimer.objects.filter(kind=TimerKind.CALLBACK, stopped_at__isnull=True)
    assert running.count() == 2
    assert CaseNote.objects.filter(case=case, kind=NoteKind.CALLBACK).count() == 2


def test_bad_promises_and_outsiders_are_refused(org, case, operator, outsider):
    hold_policy()
    with time_machine.travel(START, tick=False):
        with pytest.raises(ValidationError) as bad:
            callback_promise(
                case=case,
                actor=operator,
                number=" ",
                window_start=START + 60 * MIN,
                window_end=START + 30 * MIN,
            )
        assert set(bad.value.message_dict) == {"number", "window_end"}
        with pytest.raises(ValidationError):
            callback_promise(
                case=case,
                actor=operator,
                number="090",
                window_start=START - 60 * MIN,
                window_end=START - 30 * MIN,
            )
        with pytest.raises(PermissionDenied):
            callback_promise(
                case=case,
                actor=outsider,
                number="090",
                window_start=START + 60 * MIN,
                window_end=START + 90 * MIN,
            )
        with pytest.raises(ValidationError):
            callback_keep(
                callback=Callback(case=case, promised_by=operator), actor=operator, outcome=" "
            )
    assert not Callback.objects.exists()
