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

from django.db.models import Count, F, OuterRef, Q, Subquery

from escalations.models import Escalation, Nudge, NudgeKind
from reports.daily import cases_of_team
from reports.selectors import Durations, Filters

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


def time_to_escalate(filters: Filters) -> list[TimeToEscalate]:
    """Per team escalated to and reason (two queries)."""
    hops = Escalation.objects.filter(_in_period(filters), cases_of_team(filters.team, "case__"))
    histograms: dict[tuple[str, str], dict[str, dict[int, int]]] = {}

    def add(team: str, reason: str, measure: str, waited: dt.timedelta) -> None:
        per = histograms.setdefault((team, reason), {WORK: {}, HOLD: {}})
        key = _microseconds(max(waited, dt.timedelta(0)))
        per[measure][key] = per[measure].get(key, 0) + 1

    first = hops.filter(number=1, case__first_response_at__isnull=False).values_list(
        "to_team__name", "reason", "requested_at", "case__first_response_at"
    )
    for team, reason, requested_at, started_at in first:
        add(team, reason, WORK, requested_at - started_at)

    previous = Escalation.objects.filter(case=OuterRef("case"), number=OuterRef("number") - 1)
    further = (
        hops.filter(number__gt=1)
        .annotate(
            held_since=Subquery(previous.values("on_hold_since")[:1]),
            held_until=Subquery(previous.values("hold_ended_at")[:1]),
        )
        .filter(held_since__isnull=False)
        .filter(Q(held_until__isnull=True) | Q(held_until__gt=F("requested_at")))
        .values_list("to_team__name", "reason", "requested_at", "held_since")
    )
    for team, reason, requested_at, held_since in further:
        add(team, reason, HOLD, requested_at - held_since)

    return [
        TimeToEscalate(team, reason, Durations.of(per[WORK]), Durations.of(per[HOLD]))
        for (team, reason), per in sorted(histograms.items())
    ]


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
