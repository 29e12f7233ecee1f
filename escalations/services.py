"""Use cases on cases: the one way to create, edit, note and move a case.

The admin, the API, Celery tasks and commands call these; none of them calls a transition or
writes ``status`` directly. Each transition service checks the policy, runs the model's
transition, saves once (one history row with the user and the reason) and writes the rows
that go with it, all inside one transaction with optimistic locking on the status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from accounts.models import Team, Tier, User
from escalations.models import (
    Case,
    CaseNote,
    CaseReferenceCounter,
    CaseStatus,
    Category,
    Channel,
    Customer,
    Escalation,
    EscalationOutcome,
    Mood,
    NoteKind,
    Reason,
)
from escalations.priority import Impact, Urgency, priority_for
from escalations.selectors import Target, case_is_visible_to, escalation_target
from escalations.sla import timers as sla
from escalations.sla.models import TimerKind
from knowledge.indexing import index_case


class TransitionForbidden(PermissionDenied):
    """The user may not run this transition on this case (HTTP 403)."""


class TransitionConflict(Exception):
    """The case changed underneath, or the transition does not apply to its current status
    (HTTP 409)."""

    def __init__(self, case: Case, message: str) -> None:
        super().__init__(message)
        self.case = case
        self.message = message


@dataclass(frozen=True)
class Handoff:
    """The structured summary that travels with an escalation."""

    customer_wants: str
    tried: str
    mood: str

    def validate(self) -> None:
        errors = {}
        if not self.customer_wants.strip():
            errors["customer_wants"] = _("Say what the customer wants.")
        if not self.tried.strip():
            errors["tried"] = _("Say what was already tried.")
        if self.mood not in Mood.values:
            errors["mood"] = _("Choose the customer's mood.")
        if errors:
            raise ValidationError(errors)

    def as_text(self) -> str:
        return "\n".join(
            [
                f"{_('What the customer wants')}: {self.customer_wants.strip()}",
                f"{_('What was tried')}: {self.tried.strip()}",
                f"{_('Customer mood')}: {Mood(self.mood).label}",
            ]
        )


# --- creation and edits ----------------------------------------------------------------------


def _next_reference(now_year: int) -> str:
    counter, _created = CaseReferenceCounter.objects.select_for_update().get_or_create(
        year=now_year
    )
    CaseReferenceCounter.objects.filter(pk=now_year).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"C-{now_year}-{counter.last:06d}"


def _home_team(user: User) -> Team | None:
    """The team a case owned by ``user`` belongs to: their lowest-tier team."""
    return Team.objects.filter(members=user).order_by("tier", "name").first()


def _validate_levels(impact: int, urgency: int) -> None:
    errors = {}
    if impact not in Impact.values:
        errors["impact"] = _("Choose a valid impact.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose a valid urgency.")
    if errors:
        raise ValidationError(errors)


def case_create(
    *,
    actor: User,
    customer: Customer,
    category: Category,
    subject: str,
    description: str = "",
    channel: str = Channel.PHONE,
    impact: int,
    urgency: int,
    owner: User | None = None,
    call_log: str = "",
) -> Case:
    """Open a case. The owner (default: the actor) keeps the customer for its whole life."""
    if not actor.has_perm("escalations.add_case"):
        raise PermissionDenied(_("You may not open cases."))
    if not subject.strip():
        raise ValidationError({"subject": _("A subject is required.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose a valid channel.")})
    _validate_levels(impact, urgency)
    owner = owner or actor
    now = timezone.now()
    with transaction.atomic():
        team = _home_team(owner)
        case = Case(
            reference=_next_reference(timezone.localtime(now).year),
            subject=subject.strip(),
            description=description,
            channel=channel,
            customer=customer,
            category=category,
            impact=impact,
            urgency=urgency,
            priority=priority_for(impact, urgency),
            owner=owner,
            owner_team=team,
            tier=Tier.L1,
            assigned_team=team,
            handler=owner,
            created_at=now,
        )
        case._history_user = actor
        case._change_reason = "create"
        case.save()
        sla.start_case_timers(case, now=now)
        if call_log.strip():
            _add_note(case, actor=actor, kind=NoteKind.CALL_LOG, body=call_log)
    return case


EDITABLE_FIELDS = ("subject", "description", "channel", "customer", "category", "impact", "urgency")


def case_update(*, case: Case, actor: User, **changes: Any) -> Case:
    """Edit the editable fields of a case; priority follows impact and urgency."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    if not actor.has_perm("escalations.change_case") or not case_is_visible_to(case, actor):
        raise PermissionDenied(_("You may not edit this case."))
    changed = [name for name, value in changes.items() if getattr(case, name) != value]
    if not changed:
        return case
    for name in changed:
        setattr(case, name, changes[name])
    if not str(case.subject).strip():
        raise ValidationError({"subject": _("A subject is required.")})
    _validate_levels(case.impact, case.urgency)
    new_priority = priority_for(case.impact, case.urgency)
    if new_priority != case.priority:
        case.priority = new_priority
        changed.append("priority")
    case._history_user = actor
    case._change_reason = "edit: " + ", ".join(changed)
    try:
        with transaction.atomic():
            _lock_unchanged(case)  # a full save of a stale case would undo a transition
            case.save()
    except ConcurrentTransition as exc:
        raise TransitionConflict(case, _("The case was changed by someone else.")) from exc
    return case


def _add_note(case: Case, *, actor: User | None, kind: str, body: str) -> CaseNote:
    note = CaseNote(case=case, kind=kind, body=body.strip(), author=actor)
    note._history_user = actor
    note._change_reason = f"note: {kind}"
    note.save()
    return note


def case_add_note(*, case: Case, actor: User, kind: str, body: str) -> CaseNote:
    """Add a call log or an internal note to the case's timeline."""
    if kind not in (NoteKind.CALL_LOG, NoteKind.INTERNAL):
        raise ValidationError({"kind": _("Only call logs and internal notes can be added.")})
    if not body.strip():
        raise ValidationError({"body": _("The note is empty.")})
    if not actor.has_perm("escalations.add_casenote") or not case_is_visible_to(case, actor):
        raise PermissionDenied(_("You may not add notes to this case."))
    return _add_note(case, actor=actor, kind=kind, body=body)


# --- transitions -----------------------------------------------------------------------------


def _lock_unchanged(case: Case) -> None:
    """Lock the case's row and refuse when it moved since ``case`` was loaded. The status alone
    does not tell: escalating further keeps it ``escalated`` (the caller holds the transaction)."""
    # FOR NO KEY UPDATE: rows that only point at the case (notes, SLA events, notifications
    # written by a concurrent sweep) check their foreign key without waiting for this lock.
    current = (
        Case.objects.select_for_update(no_key=True)
        .filter(pk=case.pk)
        .values_list("status", "tier")
        .first()
    )
    if current != (case.status, case.tier):
        raise TransitionConflict(
            case, _("The case was changed by someone else. Reload it and try again.")
        )


def _run(case: Case, *, actor: User, name: str, reason: str, **kwargs: Any) -> None:
    """Check, run and save one transition (the caller holds the transaction)."""
    _lock_unchanged(case)
    # Take the other fields as they are now (the row is locked): an edit committed since the
    # caller loaded the case must not be overwritten by this transition's save.
    others = [f.attname for f in Case._meta.concrete_fields if f.attname not in ("id", "status")]
    for attname, value in Case.objects.filter(pk=case.pk).values(*others).get().items():
        setattr(case, attname, value)
    method = getattr(case, name)
    if not can_proceed(method):
        raise TransitionConflict(
            case,
            _("This action is not possible while the case is “%(status)s”.")
            % {"status": case.get_status_display()},
        )
    if not has_transition_perm(method, actor):
        raise TransitionForbidden(_("You may not do this on this case."))
    method(**kwargs)
    case._history_user = actor
    case._change_reason = f"{name}: {reason}" if reason else name
    try:
        case.save()
    except ConcurrentTransition as exc:
        raise TransitionConflict(
            case, _("The case was changed by someone else. Reload it and try again.")
        ) from exc


def _expect(case: Case, expected_status: str | None) -> None:
    """Refuse when the caller acted on a status the case no longer has (a stale page)."""
    if expected_status is not None and case.status != expected_status:
        raise TransitionConflict(
            case,
            _("The case was changed by someone else (now “%(status)s”). Check it and try again.")
            % {"status": case.get_status_display()},
        )


def _simple(name: str, *, then: Callable[[Case], Any]):
    def service(
        *, case: Case, actor: User, comment: str = "", expected_status: str | None = None
    ) -> Case:
        with transaction.atomic():
            _expect(case, expected_status)
            _run(case, actor=actor, name=name, reason=comment.strip())
            then(case)
            if comment.strip():
                _add_note(case, actor=actor, kind=NoteKind.STATUS, body=comment)
        return case

    service.__name__ = f"case_{name}"
    service.__doc__ = f"Run the ``{name}`` transition, with an optional comment on the timeline."
    return service


case_start_work = _simple(
    "start_work", then=lambda case: sla.stop_timers(case, [TimerKind.FIRST_RESPONSE])
)
case_wait_for_customer = _simple("wait_for_customer", then=sla.pause_resolution)
case_resume = _simple("resume", then=sla.resume_resolution)
case_close = _simple("close", then=lambda case: None)


def case_resolve(
    *, case: Case, actor: User, resolution: str, expected_status: str | None = None
) -> Case:
    """Resolve the case; the resolution goes on the timeline."""
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how the case was resolved.")})
    with transaction.atomic():
        _expect(case, expected_status)
        _run(case, actor=actor, name="resolve", reason=resolution.strip()[:200])
        sla.stop_timers(case, TimerKind.values)
        _add_note(case, actor=actor, kind=NoteKind.STATUS, body=resolution)
        index_case(case)  # similar resolved cases are suggested before escalating
    return case


def case_reopen(
    *, case: Case, actor: User, reason: str, expected_status: str | None = None
) -> Case:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    with transaction.atomic():
        _expect(case, expected_status)
        _run(case, actor=actor, name="reopen", reason=reason.strip()[:200])
        sla.start_case_timers(case, kinds=[TimerKind.RESOLUTION])
        _add_note(case, actor=actor, kind=NoteKind.STATUS, body=reason)
    return case


def _open_hop(case: Case) -> Escalation | None:
    return (
        Escalation.objects.select_for_update()
        .filter(case=case, outcome=EscalationOutcome.OPEN)
        .order_by("-number")
        .first()
    )


def case_escalate(
    *,
    case: Case,
    actor: User,
    reason: str,
    handoff: Handoff,
    is_automatic: bool = False,
    expected_status: str | None = None,
    target: Target | None = None,
    history_reason: str = "",
) -> Escalation:
    """Escalate to the next tier the escalation matrix names (or further up, from an escalated
    case). The owner stays; the tier, team and handler change. The handoff travels with the hop
    and goes on the timeline."""
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Choose a reason for escalating.")})
    handoff.validate()
    with transaction.atomic():
        _expect(case, expected_status)
        further = case.status in (CaseStatus.ESCALATED, CaseStatus.ACKNOWLEDGED)
        target = target or escalation_target(case, reason)
        if target is None:
            raise ValidationError(
                _("There is no team above tier L%(tier)s to escalate to. Ask an administrator.")
                % {"tier": case.tier}
            )
        from_tier = case.tier
        name = "escalate_further" if further else "escalate"
        _run(
            case,
            actor=actor,
            name=name,
            reason=history_reason or f"{Reason(reason).label} → {target.team.name}",
            tier=target.tier,
            team=target.team,
            handler_id=target.person.pk if target.person else None,
        )
        previous = _open_hop(case) if further else None
        if previous is not None:
            previous.outcome = EscalationOutcome.ESCALATED_FURTHER
            previous._history_user = actor
            previous._change_reason = "escalate_further"
            previous.save(update_fields=["outcome"])
            sla.stop_timers(case, [TimerKind.ACKNOWLEDGE, TimerKind.ANSWER], escalation=previous)
        number = case.escalations.count() + 1
        hop = Escalation(
            case=case,
            number=number,
            from_tier=from_tier,
            to_tier=target.tier,
            to_team=target.team,
            to_user=target.person,
            routed_from=target.routed_from,
            rule=target.rule,
            reason=reason,
            customer_wants=handoff.customer_wants.strip(),
            tried=handoff.tried.strip(),
            customer_mood=handoff.mood,
            requested_by=actor,
            is_automatic=is_automatic,
        )
        hop._history_user = actor
        hop._change_reason = name
        hop.save()
        sla.start_hop_timers(case, hop)
        _add_note(case, actor=actor, kind=NoteKind.HANDOFF, body=handoff.as_text())
    return hop


def case_acknowledge(
    *, case: Case, actor: User, comment: str = "", expected_status: str | None = None
) -> Escalation | None:
    """The target takes the escalation: they become the handler."""
    with transaction.atomic():
        _expect(case, expected_status)
        _run(case, actor=actor, name="acknowledge", reason=comment.strip(), by_id=actor.pk)
        hop = _open_hop(case)
        if hop is not None:
            _acknowledge_hop(hop, actor)
            sla.stop_timers(case, [TimerKind.ACKNOWLEDGE], escalation=hop)
        if comment.strip():
            _add_note(case, actor=actor, kind=NoteKind.INTERNAL, body=comment)
    return hop


def _acknowledge_hop(hop: Escalation, actor: User) -> None:
    hop.acknowledged_by = actor
    hop.acknowledged_at = timezone.now()
    hop._history_user = actor
    hop._change_reason = "acknowledge"
    hop.save(update_fields=["acknowledged_by", "acknowledged_at"])


def case_return_to_owner(
    *, case: Case, actor: User, answer: str, expected_status: str | None = None
) -> Escalation | None:
    """Answer the escalation: the case goes back to its owner at L1 with the answer."""
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer for the owner.")})
    with transaction.atomic():
        _expect(case, expected_status)
        _run(case, actor=actor, name="return_to_owner", reason=answer.strip()[:200])
        hop = _open_hop(case)
        if hop is not None:
            if hop.acknowledged_at is None:
                _acknowledge_hop(hop, actor)
            hop.answer = answer.strip()
            hop.answered_by = actor
            hop.answered_at = timezone.now()
            hop.outcome = EscalationOutcome.ANSWERED
            hop._history_user = actor
            hop._change_reason = "return_to_owner"
            hop.save(update_fields=["answer", "answered_by", "answered_at", "outcome"])
            sla.stop_timers(case, [TimerKind.ACKNOWLEDGE, TimerKind.ANSWER], escalation=hop)
        _add_note(case, actor=actor, kind=NoteKind.ANSWER, body=answer)
    return hop
