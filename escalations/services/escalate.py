"""Escalating: ``case_escalate`` for one case, ``escalate_cases`` for many at once (the SLA
sweep's batches), with a number of queries that does not grow with the number of cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection
from django.db.models import (
    Max,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from escalations.models import (
    Case,
    CaseNote,
    Escalation,
    NoteKind,
    Reason,
)
from escalations.selectors import Target
from escalations.services import nudges
from escalations.services._base import (
    CASES,
    Handoff,
    TransitionConflict,
    TransitionForbidden,
    add_notes,
    new_note,
)
from escalations.services.escalate_drawn import Drawn, draw, taken_with_the_case
from escalations.services.escalate_further import (
    FURTHER_FROM,
    close_open_hops,
    escalate_or_further,
)
from escalations.services.escalate_news import tell
from escalations.services.escalate_targets import TargetFinder, nowhere_to_go
from escalations.sla import timers as sla
from kit.audit import audit, history_row_id
from kit.bulk import (
    FEW,
    bulk_history,
    bulk_insert,
    bulk_set,
    can_draw,
    history_rows,
    new,
    remember_history_rows,
    set_statement,
)
from kit.statemachine import MovedSinceRead
from notifications import outbox


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
    # drawn with the case's locked read (``drawn_with_the_case``): else by ``draw``
    drawn: Drawn | None = None


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
    drawn: Drawn | None = None,
) -> Escalation:
    """Escalate to the next tier the escalation matrix names (or further up, from an escalated
    case). The owner stays; the tier, team and handler change. The handoff travels with the hop
    and goes on the timeline. ``drawn``: the hop's keys and number drawn already; by default
    what the locked read of ``case`` drew (``drawn_with_the_case``), if it did.

    A case read without a lock, with its version (``CASES.read_versioned``: the API on
    PostgreSQL) is not locked and read again: its UPDATE checks the version in the statement
    that writes the hop (``_write_together``), and a case that moved since the read fails that
    statement whole: ``MovedSinceRead``, a conflict (409) unless the caller decides again on
    the case read locked (the API does, ``CaseViewSet._transition``). Outside a transaction
    that statement is the escalate's own (no BEGIN, no COMMIT apart); inside one, or escalating
    further or with the customer on hold (more than one statement), the writes run in a
    transaction (a savepoint inside the caller's)."""
    version = CASES.read_version(case)
    request = EscalationRequest(
        case,
        reason,
        handoff,
        target,
        history_reason,
        expected_status,
        on_hold,
        drawn if drawn is not None else taken_with_the_case(case),
    )
    status = case.status
    further = status in FURTHER_FROM
    checked = version
    try:
        with CASES.atomic(case, several=on_hold or further):
            if version is not None and further:
                # the hop it leaves is closed first, and its stopped timers write the case (a
                # new version): the case is locked at the version read before that
                CASES.lock_at_version(case, version)
                checked = None
            [outcome] = escalate_cases(
                [request],
                actor=actor,
                is_automatic=is_automatic,
                locked=version is not None,
                together=True,
                version=checked,
            )
    except IntegrityError as exc:
        # a hop number predicted before the lock was waited for, taken meanwhile by the escalate
        # that held it (``drawn_with_the_case``): the case changed meanwhile, nothing is written
        if not _number_taken(exc):
            raise
        now = status if version is None else _status_now(case)
        raise TransitionConflict(case, CASES.changed, status=now) from exc
    except DatabaseError as exc:
        # read without a lock, the case moved before the statement that writes took it
        if not CASES.moved_since_read(exc):
            raise
        raise MovedSinceRead(case, CASES.changed, status=_status_now(case)) from exc
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


_NUMBER_UNIQUE = "escalation_case_number_uniq"


def _status_now(case: Case) -> str | None:
    """The status ``case`` has now, for the conflict of a write that read it without a lock
    (the status it was read with is past): one read, on that refusal only."""
    return Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()


def _number_taken(exc: IntegrityError) -> bool:
    """Whether ``exc`` is the hop number's unique constraint refusing a hop (PostgreSQL)."""
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == _NUMBER_UNIQUE


def escalate_cases(
    requests: Sequence[EscalationRequest],
    *,
    actor: User,
    is_automatic: bool = False,
    locked: bool = False,
    together: bool = False,
    version: str | None = None,
) -> list[Escalation | Exception]:
    """Escalate several cases at once with a number of queries that does not grow with their
    number: the SLA sweep escalates a whole batch of breaches this way, and ``case_escalate``
    is this with one case. Each result is the new hop, or the error that refused that case
    (``ValidationError``, ``TransitionConflict``, ``TransitionForbidden``), which is then left
    unchanged. Run it inside a transaction. ``locked``: the caller read the cases under a
    row lock in this transaction (the SLA sweep does), so they are not locked and read again.
    ``together``: on PostgreSQL, up to ``TOGETHER_MOST`` cases are written in two statements
    (``_write_together``: a request's case); otherwise (the sweep's batches) one model at a
    time, a statement each whatever the number of cases. ``version``: one case, read without a
    lock at this version (``CASES.read_versioned``; ``locked`` then): written by
    ``_write_together``, which checks it."""
    if version is not None and not (together and len(requests) == 1):
        raise ValueError("escalate_cases: a version for one case written together")
    results: list[Escalation | Exception | None] = [None] * len(requests)
    for i, request in enumerate(requests):
        try:
            if request.reason not in _REASONS:
                raise ValidationError({"reason": _("Choose a reason for escalating.")})
            request.handoff.validate()
        except ValidationError as exc:
            results[i] = exc
    pending = [i for i, outcome in enumerate(results) if outcome is None]
    fresh = CASES.lock_fresh([requests[i].case for i in pending]) if pending and not locked else {}
    drawn = [requests[i].drawn for i in pending]
    targets = TargetFinder(people=[person for d in drawn if d is not None for person in d.people])
    moves: list[tuple[int, Target, int, str]] = []
    for i in pending:
        request = requests[i]
        case = request.case
        try:
            if not locked:
                CASES.take_fresh(case, fresh.get(case.pk))
            CASES.expect(case, request.expected_status)
            name = escalate_or_further(case, actor, request.expected_status)
            target = request.target or targets.find(case, request.reason)
            if target is None:
                raise nowhere_to_go(case, targets.tier_without_default(case.tier))
            from_tier = case.tier
            CASES.apply(
                case,
                actor=actor,
                name=name,
                reason=request.history_reason
                or f"{Reason(request.reason).label} → {target.team.name}",
                tier=target.tier,
                team=target.team,
                handler=target.person,
            )
        except (ValidationError, TransitionConflict, TransitionForbidden) as exc:
            results[i] = exc
            continue
        moves.append((i, target, from_tier, name))
    if moves:
        hops = _write_escalations(
            requests,
            moves,
            actor=actor,
            is_automatic=is_automatic,
            together=together,
            version=version,
        )
        for (i, *_rest), hop in zip(moves, hops, strict=True):
            results[i] = hop
    return results  # type: ignore[return-value]  # every slot is filled by now


# The reasons' values, once (``Reason.values`` builds its list with the labels on every read:
# 14 us per escalate).
_REASONS = frozenset(Reason.values)


def _write_escalations(
    requests: Sequence[EscalationRequest],
    moves: list[tuple[int, Target, int, str]],
    *,
    actor: User,
    is_automatic: bool,
    together: bool,
    version: str | None = None,
) -> list[Escalation]:
    """Save the escalated cases, close the hops they leave, open the new hops with their timers
    and handoff notes: a fixed number of bulk statements, each with its history rows (for a
    request's few cases on PostgreSQL, two: ``_write_together``; ``version``: see there)."""
    now = timezone.now()
    cases = [requests[i].case for i, *_rest in moves]
    for case in cases:
        case.updated_at = now
    further = [
        case.pk for case, (_i, _t, _f, name) in zip(cases, moves, strict=True) if name != "escalate"
    ]
    if version is not None or (
        together and connection.vendor == "postgresql" and len(cases) <= TOGETHER_MOST
    ):
        close_open_hops(further, actor=actor, now=now)
        # with what ``tell`` queues (the outbox rows) in the same statement
        hops = _write_together(
            requests, moves, actor=actor, is_automatic=is_automatic, now=now, version=version
        )
        # after the nudges are cleared (the statement above): a hold nudge is a new open one
        nudges.nudges_start_hold([hop for hop in hops if hop.on_hold_since is not None], now=now)
    else:
        hops = _write_apart(
            requests, moves, further, actor=actor, is_automatic=is_automatic, now=now
        )
        nudges.nudges_start_hold([hop for hop in hops if hop.on_hold_since is not None], now=now)
        tell(hops, moves, actor=actor)
    return hops


def _write_apart(
    requests: Sequence[EscalationRequest],
    moves: list[tuple[int, Target, int, str]],
    further: list[int],
    *,
    actor: User,
    is_automatic: bool,
    now,
) -> list[Escalation]:
    """``_write_escalations``'s writes one model at a time: a bulk statement each (the SLA
    sweep's batches; SQLite)."""
    cases = [requests[i].case for i, *_rest in moves]
    bulk_set(cases, _ROUTE_FIELDS)  # the transition changed these; the rest is as read
    bulk_history(cases, update=True, date=now)
    for case in cases:
        case._update_initial_state()  # saved: the optimistic lock now expects the new status
    close_open_hops(further, actor=actor, now=now)

    # The hop's number: the case's last one + 1, drawn in the hop's INSERT for a request's few
    # hops (one round trip fewer), read first for a sweep batch. The case row is locked.
    drawn = can_draw(len(cases))
    numbers = (
        {}
        if drawn
        else dict(
            Escalation.objects.filter(case_id__in=[case.pk for case in cases])
            .values_list("case_id")
            .annotate(n=Max("number"))
            .values_list("case_id", "n")
        )
    )
    hops = [
        _new_hop(
            requests[i],
            case,
            target,
            from_tier,
            name,
            actor,
            is_automatic,
            now,
            None,
            None if drawn else (numbers.get(case.pk) or 0) + 1,
        )
        for case, (i, target, from_tier, name) in zip(cases, moves, strict=True)
    ]
    bulk_insert(hops, drawn={"number": _NEXT_NUMBER} if drawn else None)
    bulk_history(hops, date=now)
    sla.start_hops_timers([(hop.case, hop) for hop in hops], now=now)
    nudges.nudges_clear_on_escalation([case.pk for case in cases], automatic=is_automatic, now=now)
    add_notes(_handoff_notes(requests, moves, hops, actor=actor))
    return hops


def _handoff_notes(
    requests: Sequence[EscalationRequest],
    moves: list[tuple[int, Target, int, str]],
    hops: list[Escalation],
    *,
    actor: User,
) -> list[CaseNote]:
    """Each hop's handoff note (unsaved), tied to its case's transition."""
    return [
        new_note(
            hop.case,
            actor=actor,
            kind=NoteKind.HANDOFF,
            body=requests[i].handoff.as_text(),
            of_transition=True,
        )
        for (i, *_rest), hop in zip(moves, hops, strict=True)
    ]


# Up to this many cases are escalated by ``_write_together`` (each makes a hop, its note and up
# to three timers, and ``kit.together.insert_together`` takes ``FEW`` rows of a model at most).
TOGETHER_MOST = FEW // 3


def _write_together(
    requests: Sequence[EscalationRequest],
    moves: list[tuple[int, Target, int, str]],
    *,
    actor: User,
    is_automatic: bool,
    now,
    version: str | None = None,
) -> list[Escalation]:
    """``_write_apart``'s rows and ``tell``'s for a request's few cases on PostgreSQL in one
    statement, two when the keys were not drawn before: the keys the rows refer to (the cases'
    history rows, the hops, the notes) and each hop's number (the case's last + 1), drawn with
    the case's locked read (``drawn_with_the_case``) or else by ``draw``; then the cases'
    UPDATE, the nudges cleared, and the history rows, hops, timers, notes and the outbox rows
    that ``tell`` queues (webhook rows with their deliveries, bells, hold emails; the bells of
    a target team made from its present members by the database:
    ``outbox.notify_team_in_app``) in one statement (``notifications.outbox.batched``'s
    ``together`` and ``also``: ``kit.together.insert_all``).
    The same rows as ``_write_apart`` and ``tell``
    (``tests/escalations/test_escalate_writes.py``). ``version``: the one case was read
    without a lock at this version (``CASES.read_versioned``): its UPDATE checks it, and the
    statement fails whole when the case moved since (``CASES.version_check``)."""
    cases = [requests[i].case for i, *_rest in moves]
    drawn = draw(cases, [requests[i].drawn for i, *_rest in moves])
    case_rows = history_rows(cases, update=True, date=now)
    for row, keys in zip(case_rows, drawn, strict=True):
        row.pk = keys.history_key
    remember_history_rows(cases, case_rows)  # the hops and notes name the transition
    hops = [
        _new_hop(
            requests[i],
            case,
            target,
            from_tier,
            name,
            actor,
            is_automatic,
            now,
            keys.hop_key,
            keys.number,
        )
        for case, (i, target, from_tier, name), keys in zip(cases, moves, drawn, strict=True)
    ]
    notes = _handoff_notes(requests, moves, hops, actor=actor)
    for note, keys in zip(notes, drawn, strict=True):
        note.pk = keys.note_key
    timers = sla.hops_timers([(hop.case, hop) for hop in hops], now=now)
    fields = _ROUTE_FIELDS
    if all(name == "escalate" for _i, _t, _f, name in moves):
        # no timer of these cases stopped before this statement (escalated further: the hops
        # they leave, ``close_open_hops``): their nearest deadline is the one read with them
        # or a new hop's, written with the case; the database checks it after the statement
        # (migration 0023) and the timers' trigger finds it right: one write of the case
        for case in cases:
            case.sla_next_due = sla.nearest_due(
                [timer for timer in timers if timer.case_id == case.pk], also=case.sla_next_due
            )
        fields = _ROUTE_FIELDS_AND_DUE
    # Nothing is written until the block ends: the rows have their keys (the outbox rows find
    # theirs in the statement), so what ``tell`` queues may refer to them.
    with outbox.batched(
        together=[
            *case_rows,
            *hops,
            *timers,
            *notes,
        ],
        history=[*hops, *notes],
        date=now,
        also=[
            _case_update(cases, fields, version),  # the transition changed these
            nudges.clear_on_escalation_statement(
                [case.pk for case in cases], automatic=is_automatic, now=now
            ),
        ],
    ):
        tell(hops, moves, actor=actor, in_statement=True)
    for case in cases:
        case._update_initial_state()  # saved: the optimistic lock now expects the new status
    return hops


def _case_update(cases: list[Case], fields: list[str], version: str | None):
    """The cases' UPDATE of ``fields`` (``set_statement``: one case by its key); with
    ``version``, the one case's only if it is still at that version, else the statement fails
    (``CASES.version_check``)."""
    sql, params = set_statement(cases, fields)
    if version is None:
        return sql, params
    check, check_params = CASES.version_check(version)
    return f"{sql} AND {check}", [*params, *check_params]


def _new_hop(
    request: EscalationRequest,
    case: Case,
    target: Target,
    from_tier: int,
    name: str,
    actor: User,
    is_automatic: bool,
    now,
    key: int | None,
    number: int | None,
) -> Escalation:
    hop = new(
        Escalation,
        id=key,
        case=case,
        number=number,
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
        transition_id=history_row_id(case),
    )
    return audit(hop, actor=actor, reason=name)


# The next hop number of a case, drawn in the hop's INSERT (``kit.bulk.bulk_insert``).
_NEXT_NUMBER = (
    f"(SELECT COALESCE(MAX(number), 0) + 1 FROM {Escalation._meta.db_table} WHERE case_id = %s)",
    lambda hop: [hop.case_id],
)

# What escalating changes on the case (``Case._route`` and the status), and the save time.
_ROUTE_FIELDS = ["status", "tier", "assigned_team", "handler", "updated_at"]
_ROUTE_FIELDS_AND_DUE = [*_ROUTE_FIELDS, "sla_next_due"]
