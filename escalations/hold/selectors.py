"""Reads for holds and callbacks: the hold annotation of the case list, the "waiting for me"
view, the case page's hold state."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from escalations.hold.models import Callback
from escalations.sla.models import Level, TimerKind


def with_hold(cases: QuerySet) -> QuerySet:
    """Annotate ``hold_since``: since when the customer of the case has been on hold (the
    oldest hold not ended), or ``None``. A subquery: no query per row."""
    from escalations.models import Escalation

    held = Escalation.objects.filter(
        case=OuterRef("pk"), on_hold_since__isnull=False, hold_ended_at__isnull=True
    ).order_by("on_hold_since")
    return cases.annotate(hold_since=Subquery(held.values("on_hold_since")[:1]))


def waiting_for_teams(cases: QuerySet, team_ids) -> QuerySet:
    """The cases whose customer is on hold for one of these teams, oldest hold first."""
    return (
        with_hold(cases)
        .filter(hold_since__isnull=False, assigned_team__in=team_ids)
        .order_by("hold_since")
    )


def hold_state(hops, sla_events) -> dict | None:
    """What the case page tells about the hold still running (from what the page loaded):
    the hop, whether someone acknowledged it, and whether its acknowledgement target was
    missed (then the operator should offer a callback instead)."""
    held = [hop for hop in hops if hop.is_on_hold]
    if not held:
        return None
    hop = held[-1]
    missed = any(
        event.level == Level.BREACH
        and event.timer.kind == TimerKind.HOLD_ACKNOWLEDGE
        and event.timer.escalation_id == hop.pk
        for event in sla_events
    )
    return {"hop": hop, "acknowledged": hop.acknowledged_at is not None, "missed": missed}


def callbacks_of(case) -> list[Callback]:
    return list(case.callbacks.select_related("promised_by", "kept_by").order_by("due_at"))
