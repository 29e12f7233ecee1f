"""Live case lists: a version per scope (everything, a team, a person) in the ``live`` cache,
bumped when new work for that scope commits (a case opened, an escalation, a customer put on
hold). The case list polls the versions of the scopes its reader sees and answers 304 without
a database query while none changed (:mod:`escalations.admin.queue`)."""

from __future__ import annotations

from collections.abc import Iterable

from notifications import outbox
from notifications.events import CaseEvent, EventType

EVERYTHING = "cases:all"
# the events that put new work on someone's list
NEW_WORK = frozenset({EventType.CASE_CREATED, EventType.CASE_ESCALATED, EventType.CASE_ON_HOLD})


def team_scope(team_id: int) -> str:
    return f"cases:team:{team_id}"


def user_scope(user_id: int) -> str:
    return f"cases:user:{user_id}"


def viewer_scopes(*, user_id: int, team_ids: Iterable[int], sees_all: bool) -> list[str]:
    """The scopes whose changes may add rows to this reader's case list (the visibility rule:
    their own cases, their teams' cases; everything for managers)."""
    if sees_all:
        return [EVERYTHING]
    return [user_scope(user_id), *(team_scope(pk) for pk in sorted(team_ids))]


def case_scopes(case, escalation=None) -> set[str]:
    """The scopes a change of ``case`` (and of its hop ``escalation``) concerns."""
    scopes = {EVERYTHING}
    for user_id in (case.owner_id, case.handler_id, getattr(escalation, "to_user_id", None)):
        if user_id is not None:
            scopes.add(user_scope(user_id))
    for team_id in (
        case.owner_team_id,
        case.assigned_team_id,
        getattr(escalation, "to_team_id", None),
    ):
        if team_id is not None:
            scopes.add(team_scope(team_id))
    return scopes


def bump_on_commit(scopes: set[str]) -> None:
    """Bump ``scopes`` once the current transaction commits (never if it rolls back); inside
    an outbox batch (the SLA sweep, an escalation), once for the whole batch, with the
    recipients of its in-app notifications."""
    outbox.bump_scopes_on_commit(scopes)


def on_case_event(event: CaseEvent) -> None:
    """Listens to the case events (registered in ``EscalationsConfig.ready``)."""
    if event.type in NEW_WORK:
        bump_on_commit(case_scopes(event.case, event.escalation))
