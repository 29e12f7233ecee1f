"""Use cases on cases: the one way to create, edit, note and move a case.

The admin, the API, Celery tasks and commands call these; none of them calls a transition or
writes ``status`` directly. Each transition service checks the policy, runs the model's
transition, saves once (one history row with the user and the reason) and writes the rows
that go with it, all inside one transaction with optimistic locking on the status.

The package: ``_base`` (errors, the handoff, locking and reading a case fresh, running one
transition, notes), ``escalate`` (escalating one case or a batch), and here the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from accounts.models import Team, Tier, User
from escalations.models import (
    Case,
    CaseNote,
    CaseReferenceCounter,
    Category,
    Channel,
    Customer,
    Escalation,
    EscalationOutcome,
    NoteKind,
)
from escalations.priority import Impact, Urgency, priority_for
from escalations.selectors import case_is_visible_to
from escalations.services._base import (
    Handoff,
    TransitionConflict,
    TransitionForbidden,
    _add_note,
    _expect,
    _lock_unchanged,
    _run,
)
from escalations.services.escalate import EscalationRequest, case_escalate, escalate_cases
from escalations.sla import timers as sla
from escalations.sla.models import TimerKind
from integrations.webhooks import emit_event
from knowledge.indexing import index_case

__all__ = [
    "EDITABLE_FIELDS",
    "EscalationRequest",
    "Handoff",
    "TransitionConflict",
    "TransitionForbidden",
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
]

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
        emit_event("case.created", case)
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


def case_add_note(*, case: Case, actor: User, kind: str, body: str) -> CaseNote:
    """Add a call log or an internal note to the case's timeline."""
    if kind not in (NoteKind.CALL_LOG, NoteKind.INTERNAL):
        raise ValidationError({"kind": _("Only call logs and internal notes can be added.")})
    if not body.strip():
        raise ValidationError({"body": _("The note is empty.")})
    if not actor.has_perm("escalations.add_casenote") or not case_is_visible_to(case, actor):
        raise PermissionDenied(_("You may not add notes to this case."))
    return _add_note(case, actor=actor, kind=kind, body=body)


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
        # a callback promised stays a promise when the case is resolved
        sla.stop_timers(case, [k for k in TimerKind.values if k != TimerKind.CALLBACK])
        _add_note(case, actor=actor, kind=NoteKind.STATUS, body=resolution)
        emit_event("case.resolved", case, extra={"resolution": resolution.strip()})
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
            sla.stop_timers(
                case, [TimerKind.ACKNOWLEDGE, TimerKind.HOLD_ACKNOWLEDGE], escalation=hop
            )
        if comment.strip():
            _add_note(case, actor=actor, kind=NoteKind.INTERNAL, body=comment)
        emit_event("case.acknowledged", case, escalation=hop)
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
            fields = ["answer", "answered_by", "answered_at", "outcome"]
            if hop.acknowledged_at is None:  # answered unacknowledged: one save, one history row
                hop.acknowledged_by, hop.acknowledged_at = actor, timezone.now()
                fields += ["acknowledged_by", "acknowledged_at"]
            hop.answer = answer.strip()
            hop.answered_by = actor
            hop.answered_at = timezone.now()
            hop.outcome = EscalationOutcome.ANSWERED
            hop._history_user = actor
            hop._change_reason = "return_to_owner"
            hop.save(update_fields=fields)
            sla.stop_timers(
                case,
                [TimerKind.ACKNOWLEDGE, TimerKind.ANSWER, TimerKind.HOLD_ACKNOWLEDGE],
                escalation=hop,
            )
        _add_note(case, actor=actor, kind=NoteKind.ANSWER, body=answer)
        emit_event("case.returned", case, escalation=hop, extra={"answer": answer.strip()})
    return hop


# --- customers -------------------------------------------------------------------------------


def customer_create(
    *,
    actor: User,
    name: str,
    furigana: str = "",
    phone: str = "",
    email: str = "",
    external_id: str | None = None,
) -> Customer:
    """Register a customer (e.g. from a CTI or CRM); ``external_id`` is the CRM's, unique."""
    if not actor.has_perm("escalations.add_customer"):
        raise PermissionDenied(_("You may not register customers."))
    if not name.strip():
        raise ValidationError({"name": _("A name is required.")})
    external_id = (external_id or "").strip() or None
    customer = Customer(
        name=name.strip(),
        furigana=furigana.strip(),
        phone=phone.strip(),
        email=email.strip(),
        external_id=external_id,
    )
    customer._history_user = actor
    customer._change_reason = "create"
    with transaction.atomic():
        if external_id and Customer.objects.filter(external_id=external_id).exists():
            raise ValidationError({"external_id": _("A customer with this CRM id already exists.")})
        customer.save()
    return customer
