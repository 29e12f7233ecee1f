"""The case's transitions other than escalating (``escalate``): each a plain service that runs
the model's transition through the case state machine (lock, check, one save with the actor and
the reason), then writes what goes with it — SLA timers, the hop, the note on the timeline, the
event — in the same transaction."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from escalations import hooks
from escalations.models import (
    Case,
    CaseStatus,
    Escalation,
    EscalationOutcome,
    NoteKind,
    NudgeCleared,
    TimerKind,
)
from escalations.services import nudges
from escalations.services._base import CASES, add_note
from escalations.services.hold import hold_end_on_resolve
from escalations.sla import timers as sla
from kit.audit import audited_save
from notifications import events, outbox
from notifications.models import InboxKind, Loudness


def _run_with_comment(
    case: Case,
    *,
    actor: User,
    name: str,
    comment: str,
    expected_status: str | None,
    then: Callable[[Case], object],
    note_kind: str = NoteKind.STATUS,
) -> Case:
    """Run ``name``, then ``then`` (its SLA step); the comment, if any, goes on the timeline."""
    with CASES.atomic(case):
        CASES.run(
            case, actor=actor, name=name, reason=comment.strip(), expected_status=expected_status
        )
        then(case)
        if comment.strip():
            add_note(case, actor=actor, kind=note_kind, body=comment, of_transition=True)
    return case


def case_start_work(
    *, case: Case, actor: User, comment: str = "", expected_status: str | None = None
) -> Case:
    """The owner starts working the case: the first-response clock stops."""
    return _run_with_comment(
        case,
        actor=actor,
        name="start_work",
        comment=comment,
        expected_status=expected_status,
        then=_started,
    )


def _started(case: Case) -> None:
    sla.stop_timers(case, [TimerKind.FIRST_RESPONSE])
    nudges.nudges_start_work(case=case)


def case_wait_for_customer(
    *, case: Case, actor: User, comment: str = "", expected_status: str | None = None
) -> Case:
    """Waiting for the customer: the resolution clock pauses."""
    return _run_with_comment(
        case,
        actor=actor,
        name="wait_for_customer",
        comment=comment,
        expected_status=expected_status,
        then=sla.pause_resolution,
    )


def case_resume(
    *, case: Case, actor: User, comment: str = "", expected_status: str | None = None
) -> Case:
    """The customer answered: the resolution clock runs again."""
    return _run_with_comment(
        case,
        actor=actor,
        name="resume",
        comment=comment,
        expected_status=expected_status,
        then=sla.resume_resolution,
    )


def case_close(
    *, case: Case, actor: User, comment: str = "", expected_status: str | None = None
) -> Case:
    """Close a resolved case. The apps connected to ``hooks.closing`` may refuse it (a
    reusable answer without its article): checked with the case locked, before it moves."""
    with CASES.atomic(case):
        CASES.expect(case, expected_status)
        CASES.take_fresh(case, CASES.lock_fresh([case]).get(case.pk))
        if case.status == CaseStatus.RESOLVED:  # otherwise the transition says it cannot
            hooks.closing(case=case)
        CASES.apply(case, actor=actor, name="close", reason=comment.strip())
        CASES.save(case, actor=actor, reason=case._change_reason)
        if comment.strip():
            add_note(case, actor=actor, kind=NoteKind.STATUS, body=comment, of_transition=True)
    return case


def case_resolve(
    *,
    case: Case,
    actor: User,
    resolution: str,
    expected_status: str | None = None,
    close: bool = False,
) -> Case:
    """Resolve the case; the resolution goes on the timeline. ``close``: close it in the same
    step (two transitions, each with its history row, in one transaction)."""
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how the case was resolved.")})
    with CASES.atomic(case):
        CASES.run(
            case,
            actor=actor,
            name="resolve",
            reason=resolution.strip(),
            expected_status=expected_status,
        )
        # a customer still on hold got the answer on the line
        hold_end_on_resolve(case=case, actor=actor)
        # a callback promised stays a promise when the case is resolved
        sla.stop_timers(case, [k for k in TimerKind.values if k != TimerKind.CALLBACK])
        nudges.nudges_clear(case=case, cause=NudgeCleared.RESOLVED)
        add_note(case, actor=actor, kind=NoteKind.STATUS, body=resolution, of_transition=True)
        events.emit("case.resolved", case, extra={"resolution": resolution.strip()})
        if close:
            case_close(case=case, actor=actor, expected_status=case.status)
    return case


def case_reopen(
    *, case: Case, actor: User, reason: str, expected_status: str | None = None
) -> Case:
    """Reopen a resolved case: back to its owner, the resolution clock starts again."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    with CASES.atomic(case):
        CASES.run(
            case, actor=actor, name="reopen", reason=reason.strip(), expected_status=expected_status
        )
        sla.start_case_timers(case, kinds=[TimerKind.RESOLUTION])
        add_note(case, actor=actor, kind=NoteKind.STATUS, body=reason, of_transition=True)
    return case


def _open_hop(case: Case) -> Escalation | None:
    return (
        Escalation.objects.select_for_update()
        .filter(case=case, outcome=EscalationOutcome.OPEN)
        .order_by("-number")
        .first()
    )


def case_acknowledge(
    *, case: Case, actor: User, comment: str = "", expected_status: str | None = None
) -> Escalation | None:
    """The target takes the escalation: they become the handler."""
    with CASES.atomic(case):
        CASES.run(
            case,
            actor=actor,
            name="acknowledge",
            reason=comment.strip(),
            expected_status=expected_status,
            by_id=actor.pk,
        )
        hop = _open_hop(case)
        if hop is not None:
            hop.acknowledged_by = actor
            hop.acknowledged_at = timezone.now()
            audited_save(
                hop,
                actor=actor,
                reason="acknowledge",
                update_fields=["acknowledged_by", "acknowledged_at"],
            )
            sla.stop_timers(
                case, [TimerKind.ACKNOWLEDGE, TimerKind.HOLD_ACKNOWLEDGE], escalation=hop
            )
        if comment.strip():
            add_note(case, actor=actor, kind=NoteKind.INTERNAL, body=comment, of_transition=True)
        events.emit("case.acknowledged", case, escalation=hop)
    return hop


def case_return_to_owner(
    *,
    case: Case,
    actor: User,
    answer: str,
    reusable: bool | None = None,
    not_reusable_reason: str = "",
    expected_status: str | None = None,
) -> Escalation | None:
    """Answer the escalation: the case goes back to its owner at L1 with the answer.

    ``reusable``: whether the answer is worth an article (the admin and the API always ask;
    ``None`` is "not asked", for scripted callers). A reusable answer is handed to
    ``hooks.answer_returned`` in the same transaction (the knowledge base drafts its article);
    one that is not reusable needs ``not_reusable_reason``."""
    errors = {}
    if not answer.strip():
        errors["answer"] = _("Write the answer for the owner.")
    if reusable is False and not not_reusable_reason.strip():
        errors["not_reusable_reason"] = _("Say in a few words why the answer is not reusable.")
    if errors:
        raise ValidationError(errors)
    with CASES.atomic(case):
        CASES.run(
            case,
            actor=actor,
            name="return_to_owner",
            reason=answer.strip(),
            expected_status=expected_status,
        )
        hop = _open_hop(case)
        if hop is not None:
            fields = ["answer", "answered_by", "answered_at", "outcome"]
            fields += ["reusable", "not_reusable_reason"]
            if hop.acknowledged_at is None:  # answered unacknowledged: one save, one history row
                hop.acknowledged_by, hop.acknowledged_at = actor, timezone.now()
                fields += ["acknowledged_by", "acknowledged_at"]
            hop.answer = answer.strip()
            hop.answered_by = actor
            hop.answered_at = timezone.now()
            hop.outcome = EscalationOutcome.ANSWERED
            hop.reusable = reusable
            hop.not_reusable_reason = "" if reusable else not_reusable_reason.strip()[:200]
            audited_save(hop, actor=actor, reason="return_to_owner", update_fields=fields)
            if reusable:
                hooks.answer_returned(hop=hop, actor=actor)
            sla.stop_timers(
                case,
                [TimerKind.ACKNOWLEDGE, TimerKind.ANSWER, TimerKind.HOLD_ACKNOWLEDGE],
                escalation=hop,
            )
            nudges.nudges_clear(case=case, cause=NudgeCleared.ANSWERED, escalation=hop)
        add_note(case, actor=actor, kind=NoteKind.ANSWER, body=answer, of_transition=True)
        with outbox.joined():  # the webhook rows and the owner's bell: one INSERT
            events.emit("case.returned", case, escalation=hop, extra={"answer": answer.strip()})
            held = hop is not None and hop.on_hold_since is not None and hop.hold_ended_at is None
            outbox.notify_in_app(
                [case.owner],
                kind=InboxKind.RETURNED_ON_HOLD if held else InboxKind.RETURNED,
                title=f"{case.reference} {case.subject}",
                case_id=case.pk,
                loudness=Loudness.LOUDEST if held else Loudness.LOUD,
                actor=actor,
                payload={"reference": case.reference, "subject": case.subject},
            )
    return hop
