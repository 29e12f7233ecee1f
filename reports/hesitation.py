"""The dashboard's "no hesitation" figures (issue 20), for the period:

- time from the start of work (the case's ``first_response_at``, set when work starts) to its
  first escalation, and from the start of a hold to the escalation further of the held call,
  per team escalated to and reason: median and 90th percentile (``percentile_cont``'s
  interpolation, as the other durations);
- the nudges sent in the period and how many were followed (the case was escalated after the
  nudge, before it was resolved), per kind.

Counted on the escalation's (or the nudge's) day, from the daily rollup (``reports.daily``:
figures ``work_to_escalate``, ``hold_to_escalate``, ``nudges_sent``, ``nudges_followed``) for
the days rolled up and live for the others, like the dashboard's other date-range figures: the
durations are exact histograms, so the percentiles are those ``percentile_cont`` gives. The
number of queries does not depend on the number of days (see ``reports.daily``).
"""

from __future__ import annotations

from dataclasses import dataclass

from escalations.models import NudgeKind
from reports.daily import DailyRows
from reports.models import Figure
from reports.selectors import Durations, Filters, _add

WORK, HOLD = "work", "hold"


@dataclass(frozen=True)
class TimeToEscalate:
    team: str
    reason: str
    work: Durations  # from the start of work to the first escalation
    hold: Durations  # from the start of a hold to the escalation further


def time_to_escalate(filters: Filters, rows: DailyRows | None = None) -> list[TimeToEscalate]:
    """Per team escalated to and reason: from the start of work to the first hop, and from the
    start of a hold to the hop that escalated the held call further."""
    rows = rows if rows is not None else DailyRows(filters)
    histograms: dict[tuple, dict[str, dict[int, int]]] = {}
    for measure, figure in ((WORK, Figure.WORK_TO_ESCALATE), (HOLD, Figure.HOLD_TO_ESCALATE)):
        for row in rows.rows(figure):
            per = histograms.setdefault((row.to_team_name, row.reason), {WORK: {}, HOLD: {}})
            _add(per[measure], row.durations)
    return [
        TimeToEscalate(team, reason, Durations.of(per[WORK]), Durations.of(per[HOLD]))
        for (team, reason), per in sorted(
            histograms.items(), key=lambda item: (str(item[0][0]), item[0][1])
        )
    ]


@dataclass(frozen=True)
class NudgesFollowed:
    kind: str
    sent: int
    followed: int

    @property
    def rate(self) -> float | None:
        return self.followed / self.sent if self.sent else None


def nudges_followed(filters: Filters, rows: DailyRows | None = None) -> list[NudgesFollowed]:
    """Per kind, in the kinds' order: the nudges sent in the period and those of them followed
    (so far: a nudge sent in the period may be followed after it)."""
    rows = rows if rows is not None else DailyRows(filters)
    counts: dict[str, list[int]] = {}
    for row in rows.rows(Figure.NUDGES_SENT):
        counts.setdefault(row.reason, [0, 0])[0] += row.total
    for row in rows.nudges_followed():
        counts.setdefault(row.reason, [0, 0])[1] += row.total
    return [NudgesFollowed(kind, *counts[kind]) for kind in NudgeKind.values if kind in counts]
