"""The one way to start and end a hold and to promise and keep a callback. Each runs in one
transaction, writes the history rows with the user and the reason, puts a note on the case's
timeline and emits its webhook event. Escalating with the customer already on hold is an option
of ``case_escalate`` (``on_hold=True``); ``hold_start`` puts the customer of an escalated case
on hold later (a CTI tells when it happens)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from escalations.models import (
    OPEN_STATUSES,
    Callback,
    CallbackStatus,
    Case,
    CaseStatus,
    Escalation,
    HoldOutcome,
    Level,
    NoteKind,
    NudgeCleared,
    SLAEvent,
    SLATimer,
    TimerKind,
)
from escalations.policy import Side, is_on_side
from escalations.selectors import case_is_visible_to
from escalations.services import nudges
from escalations.services._base import add_note
from escalations.sla import timers as sla
from escalations.sla.schedules import ScheduleCache
from kit.audit import audited_save
from kit.durations import duration_text
from kit.statemachine import TransitionConflict
from kit.times import local_minute
from notifications import events, outbox
from notifications.models import InboxKind, Loudness


def _check_case_work(case: Case, actor: User, permission: str) -> None:
    on_a_side = is_on_side(case, actor, Side.OWNER) or is_on_side(case, actor, Side.HANDLER)
    if not (actor.is_active and actor.has_perm(permission) and on_a_side):
        raise PermissionDenied(_("You may not do this on this case."))
    if not case_is_visible_to(case, actor):
        raise PermissionDenied(_("You may not do this on this case."))


# --- hold ------------------------------------------------------------------------------------


def notify_hold_started(hops: Sequence[Escalation]) -> None:
    """Tell the present members of each held hop's target team at once (the target person
    too); when nobody is present, the team lead (or the lead's delegate). One query per team."""
    members: dict[int, list[User]] = {}
    for hop in hops:
        team = hop.to_team
        if team.pk not in members:
            members[team.pk] = list(team.members.filter(is_active=True, is_absent=False))
        present = list(members[team.pk])
        if hop.to_user is not None and hop.to_user not in present:
            present.insert(0, hop.to_user)
        if not present and team.lead is not None:
            present = [team.lead]
        case = hop.case
        subject = _("[On hold] %(reference)s %(subject)s: the customer is waiting on the line") % {
            "reference": case.reference,
            "subject": case.subject,
        }
        outbox.notify_users(
            present,
            event_type="escalation.on_hold",
            subject=subject,
            payload={
                "text": subject,
                "case": {"reference": case.reference, "subject": case.subject},
                "escalation": hop.number,
                "on_hold_since": hop.on_hold_since,
                "customer_wants": hop.customer_wants,
                "tried": hop.tried,
                "mood": hop.get_customer_mood_display() if hop.customer_mood else "",
            },
            case_id=case.pk,
            kind=InboxKind.ON_HOLD,
        )
        outbox.notify_in_app(
            present,
            kind=InboxKind.ON_HOLD,
            title=f"{case.reference} {case.subject}",
            case_id=case.pk,
            loudness=Loudness.LOUDEST,
            actor=hop.requested_by,
            payload={"reference": case.reference, "subject": case.subject},
        )


def held_hop(case: Case) -> Escalation | None:
    """The case's hop whose customer is still on hold (the latest), locked."""
    return (
        Escalation.objects.select_for_update()
        .filter(case=case, on_hold_since__isnull=False, hold_ended_at__isnull=True)
        .order_by("-number")
        .first()
    )


def hold_start(*, case: Case, actor: User, note: str = "") -> Escalation:
    """The customer of an escalated (not yet acknowledged) case is put on hold: the latest hop
    records since when, its hold acknowledgement timer starts (as escalating on hold starts it)
    and its target team is told at once, the loudest kind. A case that is not escalated, or
    whose customer is already on hold, is a conflict (``TransitionConflict``)."""
    _check_case_work(case, actor, "escalations.change_case")
    now = timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status != CaseStatus.ESCALATED:
            raise TransitionConflict(
                locked, _("Only an escalated case not yet acknowledged can be put on hold.")
            )
        if held_hop(locked) is not None:
            raise TransitionConflict(locked, _("The customer is already on hold on this case."))
        hop = (
            Escalation.objects.select_for_update(of=("self",))  # not the outer-joined people
            .select_related("to_team__lead", "to_user", "requested_by")
            .filter(case=locked)
            .order_by("-number")
            .first()
        )
        if hop is None:  # an escalated case always has a hop; a broken row is a conflict
            raise TransitionConflict(locked, _("This case has no escalation to hold."))
        hop.case = case
        hop.on_hold_since = now
        audited_save(hop, actor=actor, reason="hold_start", update_fields=["on_hold_since"])
        sla.start_hold_timer(case, hop, now=now)
        nudges.nudges_start_hold([hop], now=now)
        body = _("Customer put on hold for escalation #%(number)s.") % {"number": hop.number}
        if note.strip():
            body += "\n" + note.strip()
        add_note(case, actor=actor, kind=NoteKind.HOLD, body=body)
        events.emit("case.on_hold", case, escalation=hop, extra={"on_hold_since": now})
        notify_hold_started([hop])
    return hop


def hold_end(*, case: Case, actor: User, outcome: str, note: str = "") -> Escalation:
    """The customer is off hold: answered on the line, or promised a callback. Records when and
    how long they waited; the hold's acknowledgement timer stops."""
    if outcome not in HoldOutcome.values:
        raise ValidationError({"outcome": _("Choose how the hold ended.")})
    _check_case_work(case, actor, "escalations.change_case")
    with transaction.atomic():
        hop = held_hop(case)
        if hop is None:
            raise ValidationError(_("The customer is not on hold on this case."))
        _end_hold(case, hop, actor=actor, outcome=outcome, note=note)
    return hop


def hold_end_on_resolve(*, case: Case, actor: User) -> Escalation | None:
    """Resolving a case whose customer is still on hold ends the hold, answered on the line
    (the resolver's transition already checked who may); the hold that was ended, if any. Call
    it in the resolve's transaction, with the case locked."""
    hop = held_hop(case)
    if hop is not None:
        _end_hold(case, hop, actor=actor, outcome=HoldOutcome.ANSWERED, note="")
    return hop


def _end_hold(case: Case, hop: Escalation, *, actor: User, outcome: str, note: str) -> None:
    now = timezone.now()
    hop.hold_ended_at = now
    hop.hold_outcome = outcome
    audited_save(
        hop,
        actor=actor,
        reason=f"hold_end: {outcome}",
        update_fields=["hold_ended_at", "hold_outcome"],
    )
    sla.stop_timers(case, [TimerKind.HOLD_ACKNOWLEDGE], escalation=hop, now=now)
    nudges.nudges_clear(case=case, cause=NudgeCleared.HOLD_ENDED, escalation=hop, now=now)
    body = _("Hold ended (%(outcome)s) after %(duration)s.") % {
        "outcome": HoldOutcome(outcome).label,
        "duration": duration_text(now - hop.on_hold_since, seconds=True),
    }
    if note.strip():
        body += "\n" + note.strip()
    add_note(case, actor=actor, kind=NoteKind.HOLD, body=body)
    events.emit(
        "case.hold_ended",
        case,
        escalation=hop,
        extra={
            "outcome": outcome,
            "on_hold_since": hop.on_hold_since,
            "hold_ended_at": now,
            "waited_seconds": int((now - hop.on_hold_since).total_seconds()),
        },
    )


# --- callbacks -------------------------------------------------------------------------------


def callback_promise(
    *,
    case: Case,
    actor: User,
    number: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    note: str = "",
) -> Callback:
    """Promise the customer a call back on ``number`` between ``window_start`` and
    ``window_end``. The end of the window is the deadline: a ``callback`` SLA timer (wall-clock
    time, the policy's warning ladder) reminds the promiser before it and records a missed
    promise once, notified to the team lead."""
    now = timezone.now()
    errors = {}
    if not number.strip():
        errors["number"] = _("Give the number to call.")
    if window_end < window_start:
        errors["window_end"] = _("The window ends before it starts.")
    elif window_end <= now:
        errors["window_end"] = _("The window has already ended.")
    if errors:
        raise ValidationError(errors)
    _check_case_work(case, actor, "escalations.add_callback")
    if case.status not in OPEN_STATUSES:
        raise ValidationError(_("A callback can only be promised on an open case."))
    with transaction.atomic():
        callback = Callback(
            case=case,
            promised_by=actor,
            number=number.strip(),
            window_start=window_start,
            window_end=window_end,
            due_at=window_end,
            note=note.strip(),
            created_at=now,
        )
        audited_save(callback, actor=actor, reason="promise")
        policy = sla.policy_for(case)
        if policy is not None:
            timer = SLATimer(
                case=case,
                callback=callback,
                kind=TimerKind.CALLBACK,
                policy=policy,
                budget=window_end - now,
                started_at=now,
                running_since=now,
            )
            sla.schedule_next(timer, ScheduleCache(today=timezone.localdate(now)))
            timer.save()
        start = local_minute(window_start)
        window = f"{start} – {timezone.localtime(window_end):%H:%M}"
        body = _("Callback promised to %(number)s between %(window)s.") % {
            "number": callback.number,
            "window": window,
        }
        if callback.note:
            body += "\n" + callback.note
        add_note(case, actor=actor, kind=NoteKind.CALLBACK, body=body)
    return callback


def callback_keep(*, callback: Callback, actor: User, outcome: str) -> Callback:
    """The call was made: record its outcome. Kept after the deadline still counts as kept,
    and the timer says it was late."""
    if not outcome.strip():
        raise ValidationError({"outcome": _("Say how the call went.")})
    case = callback.case
    _check_case_work(case, actor, "escalations.change_callback")
    now = timezone.now()
    with transaction.atomic():
        fresh = Callback.objects.select_for_update().get(pk=callback.pk)
        if fresh.status != CallbackStatus.PROMISED:
            raise ValidationError(_("This callback has already been made."))
        callback.status = CallbackStatus.KEPT
        callback.kept_at = now
        callback.kept_by = actor
        callback.outcome = outcome.strip()
        audited_save(
            callback,
            actor=actor,
            reason="keep",
            update_fields=["status", "kept_at", "kept_by", "outcome"],
        )
        sla.stop_timers(case, [TimerKind.CALLBACK], now=now, callback=callback)
        late = "" if now <= callback.due_at else " " + _("(late)")
        body = _("Callback to %(number)s made%(late)s: %(outcome)s") % {
            "number": callback.number,
            "late": late,
            "outcome": callback.outcome,
        }
        add_note(case, actor=actor, kind=NoteKind.CALLBACK, body=body)
    return callback


def callback_miss(*, callback: Callback, actor: User, reason: str) -> Callback:
    """The promised call will not be made (or was not made in time and is given up): the
    callback is missed, with the reason. Its timer stops as missed (the sweep records nothing
    more for it); the webhook event ``callback.missed`` and the promiser's and the case owner's
    bells (never the actor's) are told, unless the sweep already recorded the miss at the
    deadline. A callback already kept or missed is a conflict (``TransitionConflict``)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the callback is missed.")})
    case = callback.case
    _check_case_work(case, actor, "escalations.change_callback")
    now = timezone.now()
    with transaction.atomic():
        fresh = Callback.objects.select_for_update().get(pk=callback.pk)
        if fresh.status != CallbackStatus.PROMISED:
            raise TransitionConflict(fresh, _("This callback has already been made or missed."))
        callback.status = CallbackStatus.MISSED
        callback.outcome = reason.strip()
        audited_save(callback, actor=actor, reason="miss", update_fields=["status", "outcome"])
        already_told = SLAEvent.objects.filter(
            timer__callback=callback, level=Level.BREACH
        ).exists()
        sla.miss_timers(case, [TimerKind.CALLBACK], callback=callback, now=now)
        body = _("Callback to %(number)s missed: %(reason)s") % {
            "number": callback.number,
            "reason": callback.outcome,
        }
        add_note(case, actor=actor, kind=NoteKind.CALLBACK, body=body)
        if not already_told:
            _tell_callback_missed(case, callback, actor=actor, now=now)
    return callback


def _tell_callback_missed(case: Case, callback: Callback, *, actor: User, now) -> None:
    events.emit(
        events.EventType.CALLBACK_MISSED,
        case,
        occurred_at=now,
        extra={
            "callback": {
                "id": callback.pk,
                "number": callback.number,
                "window_start": callback.window_start,
                "window_end": callback.window_end,
                "status": callback.status,
            },
            "level": "by_hand",
            "reason": callback.outcome,
        },
    )
    outbox.notify_in_app(
        [callback.promised_by, case.owner],
        kind=InboxKind.CALLBACK_MISSED,
        title=f"{case.reference} {case.subject}",
        case_id=case.pk,
        loudness=Loudness.LOUD,
        actor=actor,
        payload={"reference": case.reference, "subject": case.subject},
    )
