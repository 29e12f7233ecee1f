"""The dashboard's figures. The "now" figures (open cases, SLA at risk and breached) are
grouped aggregates over what is open or running now, helped by partial indexes
(``reports/migrations``). The date-range figures are sums over rows per local day
(``reports.daily``): rolled up once a day is over, computed live for the other days; the
percentiles are read from exact duration histograms with ``percentile_cont``'s interpolation.
The number of queries does not depend on the number of cases or days."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    F,
    OuterRef,
)
from django.utils import timezone

from accounts.models import Team, Tier
from escalations.flow.selectors import flow_page
from escalations.models import Case as CaseModel
from escalations.models import CaseStatus, EscalationRule, Level, Reason, SLATimer
from escalations.priority import Priority
from escalations.sla import selectors as sla_selectors
from knowledge.models import Article, ArticleStatus, RepeatCheck
from reports.daily import DailyRows, cases_of_team, midnight
from reports.models import Figure

CLOSED_STATUSES = [CaseStatus.RESOLVED, CaseStatus.CLOSED]


@dataclass(frozen=True)
class Filters:
    start: dt.date  # first day, inclusive (local time)
    end: dt.date  # last day, inclusive
    team: Team | None = None
    period: str = "day"  # "day" | "week"

    @property
    def since(self) -> dt.datetime:
        return midnight(self.start)

    @property
    def until(self) -> dt.datetime:
        return midnight(self.end + dt.timedelta(days=1))


# --- open cases and SLA now ------------------------------------------------------------------


def open_cases(filters: Filters) -> list[tuple[str, int, int]]:
    """(status, tier, count) of the open cases now, in the state machine's and tiers' order."""
    rows = (
        CaseModel.objects.exclude(status__in=CLOSED_STATUSES)
        .filter(cases_of_team(filters.team))
        .values_list("status", "tier")
        .annotate(n=Count("*"))  # index-only on report_case_open_idx
        .order_by()
    )
    order = {value: i for i, value in enumerate(CaseStatus.values)}
    return sorted(rows, key=lambda r: (order.get(r[0], 99), r[1]))


@dataclass(frozen=True)
class SLANow:
    at_risk: int
    breached: int


def sla_now(filters: Filters, *, now: dt.datetime | None = None) -> SLANow:
    """Cases breached now (a running timer is past its deadline) and at risk (a warning has
    fired on a running timer, none is past its deadline): the case list's SLA filters
    (``escalations.sla.selectors``), counted from the running timers' side so the cost grows
    with what runs, not with every open case's subquery. Timers run only on open cases
    (resolving stops them all), so a team's breached cases are counted from its open cases
    (index-only on both sides, see reports/migrations/0005)."""
    now = now or timezone.now()
    running = SLATimer.objects.filter(stopped_at__isnull=True, running_since__isnull=False)
    late = running.filter(due_at__lte=now)
    if filters.team is None:
        breached = late.values("case").distinct().count()
    else:
        breached = (
            CaseModel.objects.exclude(status__in=CLOSED_STATUSES)
            .filter(cases_of_team(filters.team))
            .filter(Exists(late.filter(case=OuterRef("pk"))))
            .count()
        )
    at_risk = (
        running.filter(cases_of_team(filters.team, "case__"))
        .filter(due_at__gt=now)
        .exclude(next_level=Level.WARN_HANDLER)
        .exclude(Exists(late.filter(case=OuterRef("case"))))
        .values("case")
        .distinct()
        .count()
    )
    return SLANow(at_risk, breached)


@dataclass(frozen=True)
class BreachesInPeriod:
    cases: int  # cases with at least one SLA breach recorded in the period
    breaches: int  # breaches recorded (each notified once)


def sla_breached_in_period(filters: Filters) -> BreachesInPeriod:
    """The SLA breaches recorded in the range (one per breached timer, as the sweep notified
    them) and the cases they happened to: the case list's "SLA breach recorded in the period"
    filter (``escalations.sla.filters``). Unlike "breached now", a breach that escalated the
    case further still counts. One query, through the breach events' ``fired_at`` index."""
    row = (
        sla_selectors.breaches_between(filters.since, filters.until)
        .filter(cases_of_team(filters.team, "case__"))
        .aggregate(cases=Count("case", distinct=True), breaches=Count("pk"))
    )
    return BreachesInPeriod(row["cases"], row["breaches"])


# --- SLA compliance --------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    key: int
    met_7: int
    total_7: int
    met_30: int
    total_30: int

    @staticmethod
    def rate(met: int, total: int) -> float | None:
        return met / total if total else None

    @property
    def rate_7(self) -> float | None:
        return self.rate(self.met_7, self.total_7)

    @property
    def rate_30(self) -> float | None:
        return self.rate(self.met_30, self.total_30)


def _rows(filters: Filters, rows: DailyRows | None) -> DailyRows:
    return rows if rows is not None else DailyRows(filters)


def sla_compliance(filters: Filters, rows: DailyRows | None = None) -> dict[str, list[Compliance]]:
    """Met / (met + missed) of the timers stopped in the 7 and the 30 local days up to the
    range's last day (a superseded timer, whose hop was handed on before its deadline, is
    neither), per case priority and per tier (a hop's timers count for the tier escalated to; the
    case's first response and resolution timers for L1)."""
    since_7 = filters.end - dt.timedelta(days=6)
    sums: dict[str, dict[int, list[int]]] = {"priority": {}, "tier": {}}
    for row in _rows(filters, rows).rows(Figure.COMPLIANCE):
        recent = row.day >= since_7
        counts = (row.part if recent else 0, row.total if recent else 0, row.part, row.total)
        for by, key in (("priority", row.priority), ("tier", row.tier)):
            total = sums[by].setdefault(key, [0, 0, 0, 0])
            for i, n in enumerate(counts):
                total[i] += n
    return {by: [Compliance(key, *sums[by][key]) for key in sorted(sums[by])] for by in sums}


# --- escalations over time -------------------------------------------------------------------


@dataclass
class OverTime:
    periods: list[dt.date]
    keys: list[str]
    counts: dict[tuple[dt.date, str], int]
    totals: dict[str, int] = field(default_factory=dict)


def escalation_counts(
    filters: Filters, rows: DailyRows | None = None
) -> list[tuple[dt.date, str, str, int]]:
    """(day or week, reason, category, escalations) of the escalations requested in the range;
    a week is named by its Monday."""
    counts: dict[tuple[dt.date, str, str], int] = defaultdict(int)
    for row in _rows(filters, rows).rows(Figure.ESCALATIONS):
        period = row.day
        if filters.period == "week":
            period -= dt.timedelta(days=period.weekday())
        counts[(period, row.reason, row.category_name)] += row.total
    return [(period, reason, category, n) for (period, reason, category), n in counts.items()]


def escalations_over_time(
    filters: Filters, *, by: str, counted: list[tuple[dt.date, str, str, int]] | None = None
) -> OverTime:
    """Escalations per ``by`` ("reason" or "category") per day or week (local time), from
    ``counted`` (:func:`escalation_counts`) when the caller already has it."""
    index = {"reason": 1, "category": 2}[by]
    counts: dict[tuple[dt.date, str], int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for row in counted if counted is not None else escalation_counts(filters):
        counts[(row[0], row[index])] += row[3]
        totals[row[index]] += row[3]
    if by == "reason":
        keys = [r for r in Reason.values if r in totals]
    else:
        keys = sorted(totals, key=lambda k: (-totals[k], k))
    return OverTime(sorted({d for d, _ in counts}), keys, dict(counts), dict(totals))


# --- durations -------------------------------------------------------------------------------


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont`` (what :func:`percentile_of` computes from a histogram)."""

    function = "PERCENTILE_CONT"
    name = "percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=fraction, **extra)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """``percentile_cont``: linear interpolation between the closest ranks."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def percentile_of(histogram: dict[int, int], fraction: float) -> dt.timedelta | None:
    """``percentile_cont`` of the durations in ``histogram`` ({microseconds: how many}), the
    same interpolation as :func:`percentile` without expanding the histogram."""
    count = sum(histogram.values())
    if not count:
        return None
    position = fraction * (count - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    return dt.timedelta(microseconds=low + (high - low) * (position - low_rank))


@dataclass(frozen=True)
class Durations:
    count: int
    median: dt.timedelta | None
    p90: dt.timedelta | None

    @classmethod
    def of(cls, histogram: dict[int, int]) -> Durations:
        return cls(
            sum(histogram.values()), percentile_of(histogram, 0.5), percentile_of(histogram, 0.9)
        )


def _add(histogram: dict[int, int], other: dict[int, int]) -> None:
    for value, n in other.items():
        histogram[value] = histogram.get(value, 0) + n


MEASURES = {
    "escalate": Figure.ESCALATE,
    "acknowledge": Figure.ACKNOWLEDGE,
    "answer": Figure.ANSWER,
}


def durations_per_tier(
    filters: Filters, rows: DailyRows | None = None
) -> dict[int, dict[str, Durations]]:
    """Per tier escalated to: time to escalate (case opened -> first hop requested, counted on
    the request's day), to acknowledge (hop requested -> acknowledged, on the acknowledgement's
    day) and to answer (hop requested -> answered, on the answer's day)."""
    rows = _rows(filters, rows)
    histograms: dict[int, dict[str, dict[int, int]]] = {}
    for name, figure in MEASURES.items():
        for row in rows.rows(figure):
            per_tier = histograms.setdefault(row.tier, {n: {} for n in MEASURES})
            _add(per_tier[name], row.durations)
    return {
        tier: {name: Durations.of(histograms[tier][name]) for name in MEASURES}
        for tier in sorted(histograms)
    }


# --- knowledge -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    part: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.part / self.total if self.total else None


def solved_at_l1_with_article(filters: Filters, rows: DailyRows | None = None) -> Share:
    """Of the cases resolved in the range (resolved or closed now), those never escalated and
    solved with an article."""
    found = _rows(filters, rows).rows(Figure.SOLVED)
    return Share(sum(r.part for r in found), sum(r.total for r in found))


def escalated_despite_suggestion(
    filters: Filters, rows: DailyRows | None = None
) -> list[tuple[str, Share]]:
    """Per reason: escalations (hops from L1) requested after the escalate form had shown at
    least one article for the case: ones an existing article might have answered."""
    sums: dict[str, list[int]] = {}
    for row in _rows(filters, rows).rows(Figure.SUGGESTED):
        counts = sums.setdefault(row.reason, [0, 0])
        counts[0] += row.part
        counts[1] += row.total
    return [(reason, Share(*sums[reason])) for reason in Reason.values if reason in sums]


REPEATS_LISTED = 10  # pairs listed per category (the count covers them all)
REPEATS_READ = 200  # the latest repeats of the range read to list them


@dataclass
class RepeatsOfCategory:
    category: str
    escalations: int = 0  # escalations from L1 requested in the range in this category
    repeat_count: int = 0  # those asking again a question answered within 30 days before
    undecided: int = 0  # not decided yet (the every-minute check has not seen them yet)
    repeats: list[RepeatCheck] = field(default_factory=list)  # the latest few of them

    @property
    def share(self) -> Share:
        return Share(self.repeat_count, self.escalations)


def repeat_escalations(filters: Filters, rows: DailyRows | None = None) -> list[RepeatsOfCategory]:
    """Per category, the escalations from L1 requested in the range that ask again a question
    answered within 30 days before: the measure of know-how not reused. Each escalation is
    decided once, within a minute of it, by ``knowledge.repeats.check_repeats`` (its
    ``RepeatCheck`` row); the decisions are counted per day (``reports.knowhow_rows``: rolled up
    for the days that are over, live for the others), with up to ``REPEATS_LISTED`` pairs per
    category, the latest, to link to (from the range's latest ``REPEATS_READ`` repeats). Most
    repeats first. Two queries, whatever the range (the live days' counts, the pairs), with
    the rolled-up rows the other figures share."""
    rows = _rows(filters, rows)
    per: dict[str, RepeatsOfCategory] = {}
    repeats_per_day: dict[dt.date, int] = defaultdict(int)
    for row in rows.rows(Figure.REPEATS):
        found = per.setdefault(row.category_name, RepeatsOfCategory(row.category_name))
        found.escalations += row.total
        found.repeat_count += row.part
        repeats_per_day[row.day] += row.part
    for row in rows.rows(Figure.REPEATS_UNDECIDED):
        per.setdefault(
            row.category_name, RepeatsOfCategory(row.category_name)
        ).undecided += row.total
    # the latest repeats of the range, newest decision first, read from its latest days that
    # hold REPEATS_READ of them (the counts say which): without that bound, PostgreSQL walked
    # the checks backwards through every hop of the range when the filter's repeats are few
    # (none for team L2 at 1,000,000 cases: 100,000 hops looked up, 0.7 s); up to
    # REPEATS_LISTED of them per category are listed, the count covers them all
    since = until = filters.until
    counted = 0
    for day in sorted((d for d, n in repeats_per_day.items() if n), reverse=True):
        since = midnight(day)
        counted += repeats_per_day[day]
        if counted >= REPEATS_READ:
            break
    listed = (
        RepeatCheck.objects.filter(
            earlier__isnull=False,
            escalation__requested_at__gte=since,
            escalation__requested_at__lt=until,
            escalation__from_tier=Tier.L1,
            escalation__case__category__isnull=False,
        )
        .filter(cases_of_team(filters.team, "escalation__case__"))
        .select_related("escalation__case__category", "earlier__case")
        .order_by("-escalation_id")[:REPEATS_READ]
    )
    for check in listed:
        # (a case moved since its day was rolled up to a category with nothing counted in
        # the range: counted where it was, not listed)
        counted = per.get(check.escalation.case.category.name)
        if counted is not None and len(counted.repeats) < REPEATS_LISTED:
            counted.repeats.append(check)
    return sorted(per.values(), key=lambda c: (-c.repeat_count, -c.escalations, c.category))


PUBLISHED_WITHIN = dt.timedelta(days=7)


@dataclass(frozen=True)
class ReusableAnswers:
    reusable: int  # answers in the range marked reusable
    not_reusable: int
    published: int  # reusable ones whose article was published within 7 days of the answer

    @property
    def share(self) -> Share:
        return Share(self.published, self.reusable)


def reusable_answers(filters: Filters, rows: DailyRows | None = None) -> ReusableAnswers:
    """Of the answers returned in the range (by the answer's time), how many were called
    reusable and not reusable (per day: rolled up for the days that are over, live for the
    others), and how many reusable ones became a published article within
    ``PUBLISHED_WITHIN`` of the answer (so far: a recent answer may still be published). An
    article's ``published_at`` is its latest approval, so one revised and approved again after
    the seven days no longer counts; hence counted live, from the articles drafted from
    answers (far fewer than the answers). Two queries (the live days' counts, the published
    ones) with the rolled-up rows the other figures share."""
    found = _rows(filters, rows).rows(Figure.REUSABLE)
    reusable = sum(row.part for row in found)
    decided = sum(row.total for row in found)
    published = (
        Article.objects.filter(
            source_escalation__answered_at__gte=filters.since,
            source_escalation__answered_at__lt=filters.until,
            source_escalation__reusable=True,
            published_at__lte=F("source_escalation__answered_at") + PUBLISHED_WITHIN,
        )
        .filter(cases_of_team(filters.team, "source_escalation__case__"))
        .aggregate(n=Count("source_escalation", distinct=True))["n"]
    )
    return ReusableAnswers(reusable, decided - reusable, published)


# --- per person (managers only) --------------------------------------------------------------


def escalations_per_operator(
    filters: Filters, rows: DailyRows | None = None
) -> list[tuple[str, int]]:
    """Escalations requested by hand in the range, per requester."""
    counts: dict[int, list] = {}
    for row in _rows(filters, rows).rows(Figure.ESCALATIONS):
        if row.person_id is not None:
            counts.setdefault(row.person_id, [row.person_name, row.person_username, 0])[2] += (
                row.total
            )
    ordered = sorted(counts.values(), key=lambda c: (-c[2], c[1]))
    return [(name, n) for name, _username, n in ordered]


def handling_per_handler(
    filters: Filters, rows: DailyRows | None = None
) -> list[tuple[str, Durations]]:
    """Per person who answered in the range: answers and the time from request to answer."""
    per: dict[int, tuple[str, dict[int, int]]] = {}
    for row in _rows(filters, rows).rows(Figure.ANSWER):
        if row.person_id is not None:
            _add(per.setdefault(row.person_id, (row.person_name, {}))[1], row.durations)
    return sorted(
        ((name, Durations.of(histogram)) for name, histogram in per.values()),
        key=lambda row: (-row[1].count, row[0]),
    )


# --- reviews of the flow ---------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueReview:
    kind: str  # "rule" | "team" | "article"
    subject: object
    owner: object
    due: dt.date


def overdue_reviews(*, today: dt.date | None = None) -> list[OverdueReview]:
    today = today or timezone.localdate()
    rules = EscalationRule.objects.filter(is_active=True, next_review_on__lt=today).select_related(
        "category", "target_team", "review_owner"
    )
    teams = Team.objects.filter(next_review_on__lt=today).select_related("review_owner")
    articles = Article.objects.filter(
        status=ArticleStatus.PUBLISHED, review_due__lt=today
    ).select_related("owner")
    rows = [
        *(OverdueReview("rule", r, r.review_owner, r.next_review_on) for r in rules),
        *(OverdueReview("team", t, t.review_owner, t.next_review_on) for t in teams),
        *(OverdueReview("article", a, a.owner, a.review_due) for a in articles),
    ]
    return sorted(rows, key=lambda r: (r.due, r.kind, str(r.subject)))


def rules_nobody_present() -> list[str]:
    """The flow page's "nobody present" gaps: rules whose target team has no present member and
    no delegate standing in."""
    return [gap.message for gap in flow_page().gaps if gap.kind == "nobody_present"]


PRIORITY_LABELS = dict(Priority.choices)
TIER_LABELS = dict(Tier.choices)
