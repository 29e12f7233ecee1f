"""The dashboard's "no hesitation" figures (issue 20), for the period:

- time from the start of work (the case's ``first_response_at``, set when work starts) to its
  first escalation, and from the start of a hold to the escalation further of the held call,
  per team escalated to and reason: median and 90th percentile (``percentile_cont``'s
  interpolation, as the other durations);
- the nudges sent in the period and how many were followed (the case was escalated after the
  nudge, before it was resolved), per kind.

Counted on the escalation's (or the nudge's) day. Three queries whatever the number of days
(the escalations through the index on ``requested_at``, the nudges through ``nudge_sent_idx``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
)

from escalations.models import Escalation, Nudge, NudgeKind
from reports.daily import cases_of_team
from reports.selectors import Durations, Filters, Percentile

WORK, HOLD = "work", "hold"


def _microseconds(value: dt.timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


@dataclass(frozen=True)
class TimeToEscalate:
    team: str
    reason: str
    work: Durations  # from the start of work to the first escalation
    hold: Durations  # from the start of a hold to the escalation further


def _in_period(filters: Filters) -> Q:
    return Q(requested_at__gte=filters.since, requested_at__lt=filters.until)


def _first_hops(filters: Filters):
    """The first hops of the period with the start of work of their case."""
    return Escalation.objects.filter(
        _in_period(filters),
        cases_of_team(filters.team, "case__"),
        number=1,
        case__first_response_at__isnull=False,
    ).annotate(started_at=F("case__first_response_at"))


def _hops_from_a_hold(filters: Filters):
    """The hops of the period that escalated a held call further, with the hold's start."""
    previous = Escalation.objects.filter(case=OuterRef("case"), number=OuterRef("number") - 1)
    return (
        Escalation.objects.filter(
            _in_period(filters), cases_of_team(filters.team, "case__"), number__gt=1
        )
        .annotate(
            started_at=Subquery(previous.values("on_hold_since")[:1]),
            held_until=Subquery(previous.values("hold_ended_at")[:1]),
        )
        .filter(started_at__isnull=False)
        .filter(Q(held_until__isnull=True) | Q(held_until__gt=F("requested_at")))
    )


def time_to_escalate(filters: Filters) -> list[TimeToEscalate]:
    """Per team escalated to and reason (two queries). On PostgreSQL the database computes the
    percentiles per group (``percentile_cont``); elsewhere the durations are read and the same
    interpolation is done here."""
    found: dict[tuple[str, str], dict[str, Durations]] = {}
    empty = Durations(0, None, None)
    for measure, hops in ((WORK, _first_hops(filters)), (HOLD, _hops_from_a_hold(filters))):
        for (team, reason), durations in _per_group(hops).items():
            found.setdefault((team, reason), {WORK: empty, HOLD: empty})[measure] = durations
    return [
        TimeToEscalate(team, reason, per[WORK], per[HOLD])
        for (team, reason), per in sorted(found.items())
    ]


def _per_group(hops) -> dict[tuple[str, str], Durations]:
    waited = ExpressionWrapper(F("requested_at") - F("started_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        rows = (
            hops.values("to_team__name", "reason")
            .annotate(
                n=Count("pk"),
                median=Percentile(waited, 0.5),
                p90=Percentile(waited, 0.9),
            )
            .order_by()
        )
        return {
            (row["to_team__name"], row["reason"]): Durations(row["n"], row["median"], row["p90"])
            for row in rows
        }
    histograms: dict[tuple[str, str], dict[int, int]] = {}
    for team, reason, requested_at, started_at in hops.values_list(
        "to_team__name", "reason", "requested_at", "started_at"
    ):
        histogram = histograms.setdefault((team, reason), {})
        key = _microseconds(max(requested_at - started_at, dt.timedelta(0)))
        histogram[key] = histogram.get(key, 0) + 1
    return {group: Durations.of(histogram) for group, histogram in histograms.items()}


@dataclass(frozen=True)
class NudgesFollowed:
    kind: str
    sent: int
    followed: int

    @property
    def rate(self) -> float | None:
        return self.followed / self.sent if self.sent else None


def nudges_followed(filters: Filters) -> list[NudgesFollowed]:
    """Per kind, in the kinds' order: the nudges sent in the period and those followed (one
    query)."""
    counts = {
        row["kind"]: row
        for row in Nudge.objects.filter(
            cases_of_team(filters.team, "case__"),
            sent_at__gte=filters.since,
            sent_at__lt=filters.until,
        )
        .values("kind")
        .annotate(sent=Count("pk"), followed=Count("followed_at"))
        .order_by()
    }
    return [
        NudgesFollowed(kind, counts[kind]["sent"], counts[kind]["followed"])
        for kind in NudgeKind.values
        if kind in counts
    ]
