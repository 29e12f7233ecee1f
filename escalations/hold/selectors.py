"""Reads for holds and callbacks: the hold annotation of the case list, the "waiting for me"
view, the case page's hold state."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from escalations.models import Callback, Escalation, Level, TimerKind


def with_hold(cases: QuerySet) -> QuerySet:
    """Annotate ``hold_since``: since when the customer of the case has been on hold (the
    oldest hold not ended), or ``None``. A subquery: no query per row."""
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


# --- figures for managers --------------------------------------------------------------------


def percentile(values: list, fraction: float):
    """Nearest-rank percentile of sorted ``values`` (``None`` when empty): p50 is the median."""
    if not values:
        return None
    rank = max(math.ceil(fraction * len(values)), 1)
    return values[rank - 1]


@dataclass(frozen=True)
class HoldFigures:
    team: str
    category: str
    holds: int
    median: dt.timedelta
    p90: dt.timedelta


def hold_figures(*, since: dt.datetime | None = None) -> list[HoldFigures]:
    """Hold durations (median, p90) of the ended holds per target team and case category, in
    one query."""
    ended = Escalation.objects.filter(on_hold_since__isnull=False, hold_ended_at__isnull=False)
    if since is not None:
        ended = ended.filter(on_hold_since__gte=since)
    groups: dict[tuple[str, str], list[dt.timedelta]] = defaultdict(list)
    for team, category, start, end in ended.values_list(
        "to_team__name", "case__category__name", "on_hold_since", "hold_ended_at"
    ):
        groups[(team, category)].append(end - start)
    figures = []
    for (team, category), durations in sorted(groups.items()):
        durations.sort()
        figures.append(
            HoldFigures(
                team,
                category,
                len(durations),
                percentile(durations, 0.5),
                percentile(durations, 0.9),
            )
        )
    return figures


def callbacks_kept_on_time(*, now: dt.datetime, since: dt.datetime | None = None) -> dict:
    """Of the callbacks due by ``now``: how many, how many kept by their deadline, and that as
    a percentage (``None`` when none was due). One query."""
    due = Callback.objects.filter(due_at__lte=now)
    if since is not None:
        due = due.filter(due_at__gte=since)
    figures = due.aggregate(
        due=Count("pk"), on_time=Count("pk", filter=Q(kept_at__lte=F("due_at")))
    )
    figures["percent"] = (
        round(100 * figures["on_time"] / figures["due"], 1) if figures["due"] else None
    )
    return figures
