"""What every case service shares: the case state machine (the kit's runner with the case's
words), the handoff, and notes."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.models import User
from escalations.models import Case, CaseNote, Mood
from kit.audit import audit, history_row_id
from kit.bulk import bulk_history, bulk_insert, new
from kit.statemachine import StateMachine, TransitionConflict, TransitionForbidden

__all__ = ["CASES", "Handoff", "TransitionConflict", "TransitionForbidden"]

CASES = StateMachine(
    model=Case,
    # escalating further keeps the case ``escalated``: its tier tells that it moved
    version=("status", "tier"),
    changed=gettext_lazy("The case was changed by someone else. Reload it and try again."),
    not_possible=gettext_lazy("This action is not possible while the case is “%(status)s”."),
    stale=gettext_lazy(
        "The case was changed by someone else (now “%(status)s”). Check it and try again."
    ),
    forbidden=gettext_lazy("You may not do this on this case."),
)


# The moods' values, once (``Mood.values`` builds its list with the labels on every read: 14 us
# per handoff checked).
_MOODS = frozenset(Mood.values)


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
        if self.mood not in _MOODS:
            errors["mood"] = _("Choose the customer's mood.")
        if errors:
            raise ValidationError(errors)

    def as_text(self) -> str:
        """The handoff note's text, in the active language (made once per handoff and
        language: an SLA sweep batch escalates hundreds of hops with the same handoff)."""
        return _handoff_text(self, get_language())

    def _as_text(self) -> str:
        return "\n".join(
            [
                f"{_('What the customer wants')}: {self.customer_wants.strip()}",
                f"{_('What was tried')}: {self.tried.strip()}",
                f"{_('Customer mood')}: {Mood(self.mood).label}",
            ]
        )


@functools.lru_cache(maxsize=256)
def _handoff_text(handoff: Handoff, language: str | None) -> str:
    return handoff._as_text()


def new_note(
    case: Case, *, actor: User | None, kind: str, body: str, of_transition: bool = False
) -> CaseNote:
    """A note to save (alone or in bulk); ``of_transition``: written by the transition that
    just saved ``case``, and tied to it (its history row) for the timeline."""
    note = new(
        CaseNote,
        case=case,
        kind=kind,
        body=body.strip(),
        author=actor,
        transition_id=history_row_id(case) if of_transition else None,
    )
    return audit(note, actor=actor, reason=f"note: {kind}")


def add_note(
    case: Case, *, actor: User | None, kind: str, body: str, of_transition: bool = False
) -> CaseNote:
    note = new_note(case, actor=actor, kind=kind, body=body, of_transition=of_transition)
    note.save()
    return note


def add_notes(notes: list[CaseNote]) -> None:
    """Several notes (and their history rows) in two statements."""
    bulk_insert(notes)
    bulk_history(notes)
