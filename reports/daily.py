"""The dashboard's date-range figures as rows per local day (:class:`Row`, the shape of
``DailyFigure``): read from the rollup for the days that have one, computed live for the others
(today, and any day not rolled up yet), so the page is right whether or not the rollup ran.

Every row is keyed by the local day of an event that does not change once it happened:

- ``compliance``: a timer's stop (``stopped_at``), per case priority and tier (a hop's timers
  count for the tier escalated to, the case's own for L1); part = met, total = stopped;
- ``escalations``: an escalation's request, per reason, category and requester (hand-made ones);
- ``suggested``: hops from L1 by request day, per reason; part = an article had been suggested
  on the escalate form before the request;
- ``solved``: a case's resolution (resolved or closed now), part = never escalated and solved
  with an article;
- ``escalate`` / ``acknowledge`` / ``answer``: the time from the case's opening to its first hop
  by the hop's request day; from request to acknowledgement by the acknowledgement's day; from
  request to answer by the answer's day (per answerer). Durations are histograms in
  microseconds ({microseconds: count}), so the percentiles read from them are exact.
- ``work_to_escalate`` / ``hold_to_escalate`` (issue 20): the time from the start of work (the
  case's ``first_response_at``) to its first hop, and from the start of a hold to the hop that
  escalated the held call further, by the hop's request day, per team escalated to and reason;
- ``nudges_sent``: nudges by sending day, per kind (in ``reason``); ``nudges_followed``: the
  followed ones by the day they were followed, with the day they were sent (``sent_on``): a
  nudge sent on a rolled-up day may be followed later, so "followed" is counted from the rows
  of the days it was followed on (rolled up or live up to today) whose ``sent_on`` is in range;
- ``repeats`` / ``repeats_undecided`` (issue 20): hops from L1 by request day, per category;
  part = those that repeat a question answered within the 30 days before, total = all; the
  ones not decided yet apart; ``reusable``: answers by answer day, part = called reusable,
  total = called reusable or not (see ``reports.knowhow_rows``).

Each row also carries the case's owner and assigned teams (the team filter: a case belongs to a
team that keeps its customer or works on it). A rolled-up row keeps the case as it was when its
day was rolled up (see ``reports.models.DailyFigure``).

The number of queries does not depend on the number of days or cases: two for the rollup
(rolled-up days, their rows) and one live query per source (seven for issue 7's figures,
:data:`LIVE_QUERIES`; :data:`HESITATION_QUERIES`, :data:`REPEAT_QUERIES`,
:data:`REUSABLE_QUERIES`), each only over the
days not rolled up and only when a figure of its source is read. The rows, and what the queries
share, are in ``reports.rows``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Tier
from escalations.models import Case as CaseModel
from escalations.models import CaseStatus, Escalation, Nudge, SLATimer
from knowledge.models import CaseArticle, Deflection, LinkKind
from reports.knowhow_rows import live_repeats, live_reusable
from reports.models import DailyFigure, Figure, RolledUpDay
from reports.rows import (
    DAY,
    Interval,
    Row,
    Rows,
    cases_of_team,
    intervals_of,
    local_day,
    midnight,
    planned_for_their_days,
    within,
)

CLOSED_STATUSES = [CaseStatus.RESOLVED, CaseStatus.CLOSED]
COMPLIANCE_DAYS = 30  # the compliance figures cover the 7 and the 30 days up to the range's end


# --- live: one grouped query per source, over the given intervals -----------------------------


def live_compliance(intervals: list[Interval], team=None) -> list[Row]:
    rows = (
        SLATimer.objects.filter(within("stopped_at", intervals), met__isnull=False)
        .filter(cases_of_team(team, "case__"))
        .annotate(
            day=local_day("stopped_at"),
            for_tier=Coalesce(F("escalation__to_tier"), Value(Tier.L1)),
        )
        .values_list("day", "case__owner_team", "case__assigned_team", "case__priority", "for_tier")
        .annotate(n_met=Count("met", filter=Q(met=True)), n_stopped=Count("met"))
        .order_by()
    )
    found = Rows()
    for day, owner_team, assigned_team, priority, tier, met, stopped in rows:
        found.add(
            Row(day, Figure.COMPLIANCE, owner_team, assigned_team, priority=priority, tier=tier),
            part=met,
            total=stopped,
        )
    return found.list()


def live_escalations(intervals: list[Interval], team=None) -> list[Row]:
    """Escalations per reason, category and requester, and the hops from L1 with those among
    them that followed a suggestion: two queries (the suggestion as a semi-join of its own
    rather than a subquery per escalation in a grouped one, which PostgreSQL costs high enough
    to JIT-compile)."""
    escalations = Escalation.objects.filter(within("requested_at", intervals)).filter(
        cases_of_team(team, "case__")
    )
    rows = (
        escalations.annotate(day=local_day("requested_at"))
        .values_list(
            "day",
            "case__owner_team",
            "case__assigned_team",
            "reason",
            "case__category",
            "case__category__name",
            "is_automatic",
            "requested_by",
            "requested_by__display_name",
            "requested_by__username",
            "from_tier",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = Rows()
    for (
        day,
        owner_team,
        assigned_team,
        reason,
        category,
        category_name,
        automatic,
        person,
        display_name,
        username,
        from_tier,
        n,
    ) in rows:
        found.add(
            Row(
                day,
                Figure.ESCALATIONS,
                owner_team,
                assigned_team,
                reason=reason,
                category_id=category,
                category_name=category_name,
                person_id=None if automatic else person,
                person_name="" if automatic else (display_name or username),
                person_username="" if automatic else username,
            ),
            total=n,
        )
        if from_tier == Tier.L1:
            found.add(Row(day, Figure.SUGGESTED, owner_team, assigned_team, reason=reason), total=n)
    suggested = Deflection.objects.filter(
        case=OuterRef("case"), shown_at__lte=OuterRef("requested_at")
    ).exclude(article_ids=[])
    rows = (
        escalations.filter(Exists(suggested), from_tier=Tier.L1)
        .annotate(day=local_day("requested_at"))
        .values_list("day", "case__owner_team", "case__assigned_team", "reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for day, owner_team, assigned_team, reason, n in rows:
        found.add(Row(day, Figure.SUGGESTED, owner_team, assigned_team, reason=reason), part=n)
    return found.list()


def _since(start: str, end: str):
    return Case(
        When(**{f"{end}__isnull": False}, then=F(end) - F(start)),
        output_field=DurationField(),
    )


def live_durations(figure: str, intervals: list[Interval], team=None) -> list[Row]:
    """The histogram of one duration per day, team pair, tier escalated to (and answerer)."""
    if figure == Figure.ESCALATE:
        queryset = Escalation.objects.filter(within("requested_at", intervals), number=1)
        day, duration = "requested_at", _since("case__created_at", "requested_at")
    elif figure == Figure.ACKNOWLEDGE:
        queryset = Escalation.objects.filter(within("acknowledged_at", intervals))
        day, duration = "acknowledged_at", _since("requested_at", "acknowledged_at")
    else:
        queryset = Escalation.objects.filter(within("answered_at", intervals))
        day, duration = "answered_at", _since("requested_at", "answered_at")
    person = figure == Figure.ANSWER
    rows = (
        queryset.filter(cases_of_team(team, "case__"))
        .annotate(day=local_day(day), duration=duration)
        .values_list(
            "day",
            "case__owner_team",
            "case__assigned_team",
            "to_tier",
            "duration",
            *(("answered_by", "answered_by__display_name", "answered_by__username") * person),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = Rows()
    for day_, owner_team, assigned_team, tier, value, *who, n in rows:
        row = Row(day_, figure, owner_team, assigned_team, tier=tier)
        if who:
            row.person_id, row.person_name, row.person_username = who[0], who[1], who[2]
        found.add(row, total=n, duration=value, n=n)
    return found.list()


def _hops_from_a_hold():
    """Hops that escalated a held call further, with the hold's start (``started_at``)."""
    previous = Escalation.objects.filter(case=OuterRef("case"), number=OuterRef("number") - 1)
    return (
        Escalation.objects.filter(number__gt=1)
        .annotate(
            started_at=Subquery(previous.values("on_hold_since")[:1]),
            held_until=Subquery(previous.values("hold_ended_at")[:1]),
        )
        .filter(started_at__isnull=False)
        .filter(Q(held_until__isnull=True) | Q(held_until__gt=F("requested_at")))
    )


def live_time_to_escalate(figure: str, intervals: list[Interval], team=None) -> list[Row]:
    """The histogram of the time from the start of work (first hops) or of a hold (hops
    further) to the hop's request, per request day, case teams, team escalated to and reason."""
    if figure == Figure.WORK_TO_ESCALATE:
        hops = Escalation.objects.filter(number=1, case__first_response_at__isnull=False).annotate(
            started_at=F("case__first_response_at")
        )
    else:
        hops = _hops_from_a_hold()
    waited = ExpressionWrapper(F("requested_at") - F("started_at"), output_field=DurationField())
    rows = (
        hops.filter(within("requested_at", intervals), cases_of_team(team, "case__"))
        .annotate(day=local_day("requested_at"), waited=waited)
        .values_list(
            "day",
            "case__owner_team",
            "case__assigned_team",
            "to_team",
            "to_team__name",
            "reason",
            "waited",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = Rows()
    for day, owner_team, assigned_team, to_team, to_team_name, reason, value, n in rows:
        row = Row(day, figure, owner_team, assigned_team, reason=reason, to_team_id=to_team)
        row.to_team_name = to_team_name
        found.add(row, total=n, duration=value, n=n)
    return found.list()


def live_nudges_sent(intervals: list[Interval], team=None) -> list[Row]:
    rows = (
        Nudge.objects.filter(within("sent_at", intervals), cases_of_team(team, "case__"))
        .annotate(day=local_day("sent_at"))
        .values_list("day", "case__owner_team", "case__assigned_team", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = Rows()
    for day, owner_team, assigned_team, kind, n in rows:
        found.add(Row(day, Figure.NUDGES_SENT, owner_team, assigned_team, reason=kind), total=n)
    return found.list()


def live_nudges_followed(
    intervals: list[Interval], team=None, sent: Interval | None = None
) -> list[Row]:
    """Nudges followed on the days of ``intervals``, per day followed, day sent and kind; only
    those sent within ``sent`` when given."""
    nudges = Nudge.objects.filter(within("followed_at", intervals), cases_of_team(team, "case__"))
    if sent is not None:
        nudges = nudges.filter(sent_at__gte=sent[0], sent_at__lt=sent[1])
    rows = (
        nudges.annotate(day=local_day("followed_at"), sent_day=local_day("sent_at"))
        .values_list("day", "sent_day", "case__owner_team", "case__assigned_team", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = Rows()
    for day, sent_day, owner_team, assigned_team, kind, n in rows:
        row = Row(day, Figure.NUDGES_FOLLOWED, owner_team, assigned_team, reason=kind)
        row.sent_on = sent_day
        found.add(row, total=n)
    return found.list()


def live_solved(intervals: list[Interval], team=None) -> list[Row]:
    rows = (
        CaseModel.objects.filter(within("resolved_at", intervals), status__in=CLOSED_STATUSES)
        .filter(cases_of_team(team))
        .annotate(
            day=local_day("resolved_at"),
            with_article=Exists(
                CaseArticle.objects.filter(case=OuterRef("pk"), kind=LinkKind.SOLVED_WITH)
            ),
            escalated=Exists(Escalation.objects.filter(case=OuterRef("pk"))),
        )
        .values_list("day", "owner_team", "assigned_team", "with_article", "escalated")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = Rows()
    for day, owner_team, assigned_team, with_article, escalated, n in rows:
        found.add(
            Row(day, Figure.SOLVED, owner_team, assigned_team),
            part=n if with_article and not escalated else 0,
            total=n,
        )
    return found.list()


SOURCES = {
    "compliance": (Figure.COMPLIANCE,),
    "escalations": (Figure.ESCALATIONS, Figure.SUGGESTED),
    "escalate": (Figure.ESCALATE,),
    "acknowledge": (Figure.ACKNOWLEDGE,),
    "answer": (Figure.ANSWER,),
    "solved": (Figure.SOLVED,),
    "work_to_escalate": (Figure.WORK_TO_ESCALATE,),
    "hold_to_escalate": (Figure.HOLD_TO_ESCALATE,),
    "nudges_sent": (Figure.NUDGES_SENT,),
    "nudges_followed": (Figure.NUDGES_FOLLOWED,),
    "repeats": (Figure.REPEATS, Figure.REPEATS_UNDECIDED),
    "reusable": (Figure.REUSABLE,),
}
LIVE_QUERIES = 7  # issue 7's figures: one per source above the hesitation ones, "escalations" two
# issue 20's: time to escalate from work and from a hold, nudges sent, nudges followed (live),
# and the rolled-up nudges followed (by the day they were sent, see DailyRows.nudges_followed)
HESITATION_QUERIES = 5
REPEAT_QUERIES = 1  # issue 20's repeat escalations (reports.knowhow_rows)
REUSABLE_QUERIES = 1  # and reusable answers
SOURCE_OF = {figure: source for source, figures in SOURCES.items() for figure in figures}


def live_rows(source: str, intervals: list[Interval], team=None) -> list[Row]:
    """The rows of ``source`` on the days of ``intervals``: one or two queries, each planned
    for those days (``reports.rows.planned_for_their_days``)."""
    with planned_for_their_days():
        return _live_rows(source, intervals, team)


def _live_rows(source: str, intervals: list[Interval], team=None) -> list[Row]:
    if source == "compliance":
        return live_compliance(intervals, team)
    if source == "escalations":
        return live_escalations(intervals, team)
    if source == "solved":
        return live_solved(intervals, team)
    if source in (Figure.WORK_TO_ESCALATE, Figure.HOLD_TO_ESCALATE):
        return live_time_to_escalate(source, intervals, team)
    if source == "nudges_sent":
        return live_nudges_sent(intervals, team)
    if source == "nudges_followed":
        return live_nudges_followed(intervals, team)
    if source == "repeats":
        return live_repeats(intervals, team)
    if source == "reusable":
        return live_reusable(intervals, team)
    return live_durations(source, intervals, team)


def rows_of_days(days: list[dt.date]) -> list[Row]:
    """Every figure's rows of the given days, all teams: what the rollup writes."""
    intervals = intervals_of(days)
    return [row for source in SOURCES for row in live_rows(source, intervals)]


# --- a dashboard request's rows: rolled up where possible, live elsewhere ----------------------


class DailyRows:
    """The rows of a dashboard request (its range, and the 30 days up to its end for the
    compliance figures), loaded once per source and shared by every figure of the page.

    ``rollups=False``: everything live (what the rolled-up figures must equal)."""

    def __init__(self, filters, *, rollups: bool = True) -> None:
        self.filters = filters
        self.rollups = rollups
        self.compliance_start = filters.end - dt.timedelta(days=COMPLIANCE_DAYS - 1)
        self.first = min(filters.start, self.compliance_start)
        self._stored: dict[str, list[Row]] | None = None
        self._rolled_up: set[dt.date] = set()
        self._live: dict[str, list[Row]] = {}
        self._followed: list[Row] | None = None

    def start_of(self, figure: str) -> dt.date:
        return self.compliance_start if figure == Figure.COMPLIANCE else self.filters.start

    def rows(self, figure: str) -> list[Row]:
        """The rows of ``figure`` for its days, stored and live."""
        stored = self._load_stored()
        source = SOURCE_OF[figure]
        if source not in self._live:
            start = self.start_of(figure)
            days = (start + DAY * i for i in range((self.filters.end - start).days + 1))
            live_days = [d for d in days if d not in self._rolled_up]
            self._live[source] = live_rows(source, intervals_of(live_days), self.filters.team)
        start = self.start_of(figure)
        return [
            row
            for row in (*stored.get(figure, ()), *self._live[source])
            if row.figure == figure and start <= row.day <= self.filters.end
        ]

    def nudges_followed(self) -> list[Row]:
        """The nudges sent in the range and followed (whenever, up to now): the rolled-up rows
        of the days they were followed on, by their ``sent_on``, and live ones for the days
        not rolled up from the range's start to today. Two queries."""
        if self._followed is not None:
            return self._followed
        self._load_stored()
        start, end = self.filters.start, self.filters.end
        self._followed = []
        if self.rollups:
            stored = (
                DailyFigure.objects.filter(
                    figure=Figure.NUDGES_FOLLOWED, sent_on__range=(start, end)
                )
                .filter(cases_of_team(self.filters.team))
                .values_list("day", "sent_on", "reason", "total")
            )
            for day, sent_on, kind, total in stored:
                if day in self._rolled_up:
                    row = Row(day, Figure.NUDGES_FOLLOWED, reason=kind, sent_on=sent_on)
                    row.total = total
                    self._followed.append(row)
        last = max(end, timezone.localdate())
        days = (start + DAY * i for i in range((last - start).days + 1))
        live_days = [d for d in days if d not in self._rolled_up]
        with planned_for_their_days():
            self._followed += live_nudges_followed(
                intervals_of(live_days),
                self.filters.team,
                sent=(midnight(start), midnight(end + DAY)),
            )
        return self._followed

    def _load_stored(self) -> dict[str, list[Row]]:
        if self._stored is not None:
            return self._stored
        self._stored = {}
        if not self.rollups:
            return self._stored
        span = (self.first, self.filters.end)
        self._rolled_up = set(  # up to today: nudges sent in the range may be followed later
            RolledUpDay.objects.filter(
                day__range=(self.first, max(self.filters.end, timezone.localdate()))
            ).values_list("day", flat=True)
        )
        stored = (
            DailyFigure.objects.filter(day__range=span)
            .exclude(figure=Figure.NUDGES_FOLLOWED)  # read by their sent_on
            .filter(cases_of_team(self.filters.team))
            .values_list(
                "day",
                "figure",
                "owner_team",
                "assigned_team",
                "priority",
                "tier",
                "reason",
                "category",
                "person",
                "to_team",
                "sent_on",
                "part",
                "total",
                "durations",
                "category__name",
                "person__display_name",
                "person__username",
                "to_team__name",
            )
        )
        for values in stored:
            *keys, part, total, durations, category_name, display_name, username, to_team = values
            if keys[0] not in self._rolled_up:  # rolled up between the two queries: live
                continue
            row = Row(*keys, part=part, total=total)
            row.durations = {int(us): n for us, n in durations.items()}
            row.category_name = category_name or ""
            row.person_name = display_name or username or ""
            row.person_username = username or ""
            row.to_team_name = to_team
            self._stored.setdefault(row.figure, []).append(row)
        return self._stored
