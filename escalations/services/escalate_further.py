"""Escalating further: an escalated or acknowledged case goes up again (``FURTHER_FROM``), which
of the two transitions a caller runs (``escalate_or_further``), and the open hops the cases leave,
closed as escalated further with their timers stopped (``close_open_hops``). Moved out of
``escalations.services.escalate`` (past ~600 lines), a pure move."""

from __future__ import annotations

from accounts.models import User
from escalations import policy
from escalations.models import Case, CaseStatus, Escalation, EscalationOutcome
from escalations.services._base import CASES, TransitionConflict
from escalations.sla import timers as sla
from kit.audit import audit
from kit.bulk import bulk_history

FURTHER_FROM = (CaseStatus.ESCALATED, CaseStatus.ACKNOWLEDGED)


def escalate_or_further(case: Case, actor: User, expected_status: str | None) -> str:
    """Escalating an escalated case means escalating it further (the handler's side may). A
    caller who did not say which status they saw, and who may escalate but not further, asked
    about a case that has moved past them (someone escalated it first): a conflict (409), not
    a refusal. One who saw it escalated and asks anyway is refused (403)."""
    if case.status not in FURTHER_FROM:
        return "escalate"
    if (
        expected_status is None
        and not policy.allows("escalate_further", case, actor)
        and policy.allows("escalate", case, actor)
    ):
        raise TransitionConflict(case, CASES.stale % {"status": case.get_status_display()})
    return "escalate_further"


def close_open_hops(further: list[int], *, actor: User, now) -> None:
    """The open hops of the cases escalated further: escalated further, their timers stopped."""
    previous = _open_hops(further)
    for hop in previous:
        hop.outcome = EscalationOutcome.ESCALATED_FURTHER
        audit(hop, actor=actor, reason="escalate_further")
    if previous:
        Escalation.objects.filter(pk__in=[hop.pk for hop in previous]).update(
            outcome=EscalationOutcome.ESCALATED_FURTHER
        )
        bulk_history(previous, update=True, date=now)
        sla.stop_hop_timers([hop.pk for hop in previous], now=now)


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
