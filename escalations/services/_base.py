"""What every case service shares: the errors they raise, the handoff, locking a case and
reading it fresh, running one transition in memory, and notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from accounts.models import User
from escalations.bulk import bulk_history, bulk_insert, new
from escalations.models import (
    Case,
    CaseNote,
    Mood,
)


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


def _note(case: Case, *, actor: User | None, kind: str, body: str) -> CaseNote:
    note = new(CaseNote, case=case, kind=kind, body=body.strip(), author=actor)
    note._history_user = actor
    note._change_reason = f"note: {kind}"
    return note


def _add_note(case: Case, *, actor: User | None, kind: str, body: str) -> CaseNote:
    note = _note(case, actor=actor, kind=kind, body=body)
    note.save()
    return note


def _add_notes(notes: list[CaseNote]) -> None:
    """Several notes (and their history rows) in two statements."""
    bulk_insert(notes)
    bulk_history(notes)


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
