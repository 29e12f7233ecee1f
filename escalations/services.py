"""Use cases on cases: the one way to create, edit, note and move a case.

The admin, the API, Celery tasks and commands call these; none of them calls a transition or
writes ``status`` directly. Each transition service checks the policy, runs the model's
transition, saves once (one history row with the user and the reason) and writes the rows
that go with it, all inside one transaction with optimistic locking on the status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from accounts.models import Team, Tier, User
from escalations.bulk import bulk_history, bulk_set
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
from escalations.selectors import Target, active_rules, case_is_visible_to, escalation_target
from escalations.sla import timers as sla
from escalations.sla.models import TimerKind
from integrations.webhooks import emit_event
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


def _note(case: Case, *, actor: User | None, kind: str, body: str) -> CaseNote:
    note = CaseNote(case=case, kind=kind, body=body.strip(), author=actor)
    note._history_user = actor
    note._change_reason = f"note: {kind}"
    return note


def _add_note(case: Case, *, actor: User | None, kind: str, body: str) -> CaseNote:
    note = _note(case, actor=actor, kind=kind, body=body)
    note.save()
    return note


def _add_notes(notes: list[CaseNote]) -> None:
    """Several notes (and their history rows) in two statements."""
    CaseNote.objects.bulk_create(notes)
    bulk_history(notes)


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


def _lock_fresh(cases: Sequence[Case]) -> dict[int, dict[str, Any]]:
    """Lock the cases' rows and read them as they are now, in one query. FOR NO KEY UPDATE: rows
    that only point at a case (notes, SLA events, notifications written by a concurrent sweep)
    check their foreign key without waiting for this lock. The caller holds the transaction."""
    rows = (
        Case.objects.select_for_update(no_key=True)
        .filter(pk__in=[case.pk for case in cases])
        .values("id", *_CASE_ATTNAMES)
    )
    return {row.pop("id"): row for row in rows}


_CASE_ATTNAMES = [f.attname for f in Case._meta.concrete_fields if f.attname != "id"]


def _take_fresh(case: Case, row: dict[str, Any] | None) -> None:
    """Refuse when the case moved since it was loaded (the status alone does not tell:
    escalating further keeps it ``escalated``); otherwise take its other fields as they are
    now, so that an edit committed meanwhile is not overwritten by the transition's save."""
    if row is None or (row["status"], row["tier"]) != (case.status, case.tier):
        raise TransitionConflict(
            case, _("The case was changed by someone else. Reload it and try again.")
        )
    for attname, value in row.items():
        if attname != "status":
            setattr(case, attname, value)


def _transition(case: Case, *, actor: User, name: str, reason: str, **kwargs: Any) -> None:
    """Check and run one transition in memory, and label the history row it will write."""
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


def _run(case: Case, *, actor: User, name: str, reason: str, **kwargs: Any) -> None:
    """Lock, check, run and save one transition (the caller holds the transaction)."""
    _take_fresh(case, _lock_fresh([case]).get(case.pk))
    _transition(case, actor=actor, name=name, reason=reason, **kwargs)
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


@dataclass
class EscalationRequest:
    """One case for ``escalate_cases``: what ``case_escalate`` takes besides the actor."""

    case: Case
    reason: str
    handoff: Handoff
    target: Target | None = None  # default: where the escalation matrix says
    history_reason: str = ""  # default: the reason's label and the target team
    expected_status: str | None = None
    on_hold: bool = False  # a live escalation: the customer waits on the line


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
    on_hold: bool = False,
) -> Escalation:
    """Escalate to the next tier the escalation matrix names (or further up, from an escalated
    case). The owner stays; the tier, team and handler change. The handoff travels with the hop
    and goes on the timeline."""
    request = EscalationRequest(
        case, reason, handoff, target, history_reason, expected_status, on_hold
    )
    with transaction.atomic():
        [outcome] = escalate_cases([request], actor=actor, is_automatic=is_automatic)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def escalate_cases(
    requests: Sequence[EscalationRequest], *, actor: User, is_automatic: bool = False
) -> list[Escalation | Exception]:
    """Escalate several cases at once with a number of queries that does not grow with their
    number: the SLA sweep escalates a whole batch of breaches this way, and ``case_escalate``
    is this with one case. Each result is the new hop, or the error that refused that case
    (``ValidationError``, ``TransitionConflict``, ``TransitionForbidden``), which is then left
    unchanged. Run it inside a transaction."""
    results: list[Escalation | Exception | None] = [None] * len(requests)
    for i, request in enumerate(requests):
        try:
            if request.reason not in Reason.values:
                raise ValidationError({"reason": _("Choose a reason for escalating.")})
            request.handoff.validate()
        except ValidationError as exc:
            results[i] = exc
    pending = [i for i, outcome in enumerate(results) if outcome is None]
    fresh = _lock_fresh([requests[i].case for i in pending]) if pending else {}
    targets = _TargetFinder()
    moves: list[tuple[int, Target, int, str]] = []
    for i in pending:
        request = requests[i]
        case = request.case
        try:
            _take_fresh(case, fresh.get(case.pk))
            _expect(case, request.expected_status)
            target = request.target or targets.find(case, request.reason)
            if target is None:
                raise ValidationError(
                    _("There is no team above tier L%(tier)s to escalate to. Ask an administrator.")
                    % {"tier": case.tier}
                )
            from_tier = case.tier
            name = "escalate_further" if case.status in FURTHER_FROM else "escalate"
            _transition(
                case,
                actor=actor,
                name=name,
                reason=request.history_reason
                or f"{Reason(request.reason).label} → {target.team.name}",
                tier=target.tier,
                team=target.team,
                handler_id=target.person.pk if target.person else None,
            )
        except (ValidationError, TransitionConflict, TransitionForbidden) as exc:
            results[i] = exc
            continue
        moves.append((i, target, from_tier, name))
    if moves:
        hops = _write_escalations(requests, moves, actor=actor, is_automatic=is_automatic)
        for (i, *_rest), hop in zip(moves, hops, strict=True):
            results[i] = hop
    return results  # type: ignore[return-value]  # every slot is filled by now


FURTHER_FROM = (CaseStatus.ESCALATED, CaseStatus.ACKNOWLEDGED)


class _TargetFinder:
    """``escalation_target`` with the rules loaded once and each situation looked up once."""

    def __init__(self) -> None:
        self._rules: list | None = None
        self._found: dict[tuple, Target | None] = {}

    def find(self, case: Case, reason: str) -> Target | None:
        key = (case.category_id, case.priority, reason, case.tier)
        if key not in self._found:
            if self._rules is None:
                self._rules = active_rules()
            self._found[key] = escalation_target(case, reason, rules=self._rules)
        return self._found[key]


def _write_escalations(
    requests: Sequence[EscalationRequest],
    moves: list[tuple[int, Target, int, str]],
    *,
    actor: User,
    is_automatic: bool,
) -> list[Escalation]:
    """Save the escalated cases, close the hops they leave, open the new hops with their timers
    and handoff notes: a fixed number of bulk statements, each with its history rows."""
    now = timezone.now()
    cases = [requests[i].case for i, *_rest in moves]
    for case in cases:
        case.updated_at = now
    bulk_set(cases, _ROUTE_FIELDS)  # the transition changed these; the rest is as read
    bulk_history(cases, update=True, date=now)
    for case in cases:
        case._update_initial_state()  # saved: the optimistic lock now expects the new status

    further = [
        case.pk for case, (_i, _t, _f, name) in zip(cases, moves, strict=True) if name != "escalate"
    ]
    previous = _open_hops(further)
    for hop in previous:
        hop.outcome = EscalationOutcome.ESCALATED_FURTHER
        hop._history_user = actor
        hop._change_reason = "escalate_further"
    if previous:
        Escalation.objects.filter(pk__in=[hop.pk for hop in previous]).update(
            outcome=EscalationOutcome.ESCALATED_FURTHER
        )
        bulk_history(previous, update=True, date=now)
        sla.stop_hop_timers([hop.pk for hop in previous], now=now)

    numbers = dict(
        Escalation.objects.filter(case__in=cases)
        .values_list("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    hops = []
    for case, (i, target, from_tier, name) in zip(cases, moves, strict=True):
        request = requests[i]
        hop = Escalation(
            case=case,
            number=numbers.get(case.pk, 0) + 1,
            from_tier=from_tier,
            to_tier=target.tier,
            to_team=target.team,
            to_user=target.person,
            routed_from=target.routed_from,
            rule=target.rule,
            reason=request.reason,
            customer_wants=request.handoff.customer_wants.strip(),
            tried=request.handoff.tried.strip(),
            customer_mood=request.handoff.mood,
            requested_by=actor,
            requested_at=now,
            is_automatic=is_automatic,
            on_hold_since=now if request.on_hold else None,
        )
        hop._history_user = actor
        hop._change_reason = name
        hops.append(hop)
    Escalation.objects.bulk_create(hops)
    bulk_history(hops, date=now)
    sla.start_hops_timers([(hop.case, hop) for hop in hops], now=now)
    _add_notes(
        [
            _note(hop.case, actor=actor, kind=NoteKind.HANDOFF, body=requests[i].handoff.as_text())
            for (i, *_rest), hop in zip(moves, hops, strict=True)
        ]
    )
    for hop in hops:
        emit_event("case.escalated", hop.case, escalation=hop)
    held = [hop for hop in hops if hop.on_hold_since is not None]
    if held:
        from escalations.hold.services import notify_hold_started

        notify_hold_started(held)
    return hops


# What escalating changes on the case (``Case._route`` and the status), and the save time.
_ROUTE_FIELDS = ["status", "tier", "assigned_team", "handler", "updated_at"]


def _open_hops(case_ids: list[int]) -> list[Escalation]:
    """The open hop of each of these cases (the latest, if several), locked."""
    if not case_ids:
        return []
    latest: dict[int, Escalation] = {}
    for hop in (
        Escalation.objects.select_for_update()
        .filter(case__in=case_ids, outcome=EscalationOutcome.OPEN)
        .order_by("case_id", "-number")
    ):
        latest.setdefault(hop.case_id, hop)
    return list(latest.values())


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
