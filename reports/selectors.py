"""The dashboard's figures. Each is computed in the database (grouped aggregates), in a number
of queries that does not depend on the number of cases. Percentiles use PostgreSQL's
``percentile_cont``; SQLite has no such aggregate, so there the durations come back as one
``values_list`` and the percentiles are computed the same way (linear interpolation)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncWeek
from django.utils import timezone

from accounts.models import Team, Tier
from escalations.models import Case as CaseModel
from escalations.models import CaseStatus, Escalation, EscalationRule, Reason
from escalations.priority import Priority
from escalations.sla.models import Level, SLATimer
from knowledge.models import Article, ArticleStatus, CaseArticle, Deflection, LinkKind

CLOSED_STATUSES = [CaseStatus.RESOLVED, CaseStatus.CLOSED]


@dataclass(frozen=True)
class Filters:
    start: dt.date  # first day, inclusive (local time)
    end: dt.date  # last day, inclusive
    team: Team | None = None
    period: str = "day"  # "day" | "week"

    @property
    def since(self) -> dt.datetime:
        return _midnight(self.start)

    @property
    def until(self) -> dt.datetime:
        return _midnight(self.end + dt.timedelta(days=1))


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _cases_of_team(team: Team | None, prefix: str = "") -> Q:
    """A case belongs to a team when the team keeps its customer or works on it now."""
    if team is None:
        return Q()
    return Q(**{f"{prefix}owner_team": team}) | Q(**{f"{prefix}assigned_team": team})


# --- open cases and SLA now ------------------------------------------------------------------


def open_cases(filters: Filters) -> list[tuple[str, int, int]]:
    """(status, tier, count) of the open cases now, in the state machine's and tiers' order."""
    rows = (
        CaseModel.objects.exclude(status__in=CLOSED_STATUSES)
        .filter(_cases_of_team(filters.team))
        .values_list("status", "tier")
        .annotate(n=Count("pk"))
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
    (resolving stops them all)."""
    now = now or timezone.now()
    running = SLATimer.objects.filter(stopped_at__isnull=True, running_since__isnull=False).filter(
        _cases_of_team(filters.team, "case__")
    )
    late = running.filter(due_at__lte=now)
    breached = late.values("case").distinct().count()
    at_risk = (
        running.filter(due_at__gt=now)
        .exclude(next_level=Level.WARN_HANDLER)
        .exclude(Exists(late.filter(case=OuterRef("case"))))
        .values("case")
        .distinct()
        .count()
    )
    return SLANow(at_risk, breached)


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


def sla_compliance(filters: Filters) -> dict[str, list[Compliance]]:
    """Met / total of the timers stopped in the 7 and the 30 days up to the range's last day,
    per case priority and per tier (a hop's timers count for the tier escalated to; the case's
    first response and resolution timers for L1)."""
    until = filters.until
    since_7, since_30 = until - dt.timedelta(days=7), until - dt.timedelta(days=30)
    timers = SLATimer.objects.filter(
        stopped_at__gte=since_30, stopped_at__lt=until, met__isnull=False
    ).filter(_cases_of_team(filters.team, "case__"))
    recent = Q(stopped_at__gte=since_7)
    aggregates = {
        "met_7": Count("pk", filter=recent & Q(met=True)),
        "total_7": Count("pk", filter=recent),
        "met_30": Count("pk", filter=Q(met=True)),
        "total_30": Count("pk"),
    }
    # One scan of the window, grouped by priority and tier (at most 4 x 4 rows), summed here.
    rows = (
        timers.annotate(for_tier=Coalesce(F("escalation__to_tier"), Value(Tier.L1)))
        .values_list("case__priority", "for_tier")
        .annotate(**aggregates)
        .order_by()
    )
    sums: dict[str, dict[int, list[int]]] = {"priority": {}, "tier": {}}
    for priority, tier, *counts in rows:
        for by, key in (("priority", priority), ("tier", tier)):
            total = sums[by].setdefault(key, [0, 0, 0, 0])
            for i, n in enumerate(counts):
                total[i] += n
    return {by: [Compliance(key, *sums[by][key]) for key in sorted(sums[by])] for by in sums}


# --- escalations over time -------------------------------------------------------------------


def escalations_in_range(filters: Filters) -> QuerySet[Escalation]:
    return Escalation.objects.filter(
        requested_at__gte=filters.since, requested_at__lt=filters.until
    ).filter(_cases_of_team(filters.team, "case__"))


@dataclass
class OverTime:
    periods: list[dt.date]
    keys: list[str]
    counts: dict[tuple[dt.date, str], int]
    totals: dict[str, int] = field(default_factory=dict)


def escalation_counts(filters: Filters) -> list[tuple[dt.date, str, str, int]]:
    """(day or week, reason, category, escalations): one grouped query for both charts."""
    trunc = TruncWeek if filters.period == "week" else TruncDate
    rows = (
        escalations_in_range(filters)
        .annotate(period=trunc("requested_at", tzinfo=timezone.get_current_timezone()))
        .values_list("period", "reason", "case__category__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        (period.date() if isinstance(period, dt.datetime) else period, reason, category, n)
        for period, reason, category, n in rows
    ]


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


@dataclass(frozen=True)
class Durations:
    count: int
    median: dt.timedelta | None
    p90: dt.timedelta | None


def _durations(
    queryset: QuerySet, group: str, expressions: dict[str, object]
) -> dict[object, dict[str, Durations]]:
    """Median, p90 and count of each duration expression, per value of ``group``."""
    if connection.vendor == "postgresql":
        aggregates = {}
        for name, expression in expressions.items():
            aggregates[f"{name}__n"] = Count(expression)
            aggregates[f"{name}__median"] = Percentile(expression, 0.5)
            aggregates[f"{name}__p90"] = Percentile(expression, 0.9)
        result = {}
        for row in queryset.values(group).annotate(**aggregates).order_by():
            result[row[group]] = {
                name: Durations(row[f"{name}__n"], row[f"{name}__median"], row[f"{name}__p90"])
                for name in expressions
            }
        return result
    names = list(expressions)
    annotated = queryset.annotate(**{f"d_{n}": e for n, e in expressions.items()})
    seconds: dict[object, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for key, *values in annotated.values_list(group, *(f"d_{n}" for n in names)):
        for name, value in zip(names, values, strict=True):
            if value is not None:
                seconds[key][name].append(value.total_seconds())
    result = {}
    for key, per_name in seconds.items():
        result[key] = {}
        for name in names:
            values = sorted(per_name[name])
            median, p90 = percentile(values, 0.5), percentile(values, 0.9)
            result[key][name] = Durations(
                len(values),
                dt.timedelta(seconds=median) if median is not None else None,
                dt.timedelta(seconds=p90) if p90 is not None else None,
            )
    return result


def _since_request(field_name: str):
    return Case(
        When(**{f"{field_name}__isnull": False}, then=F(field_name) - F("requested_at")),
        output_field=DurationField(),
    )


def durations_per_tier(filters: Filters) -> dict[int, dict[str, Durations]]:
    """Per tier escalated to: time to escalate (case opened -> first escalation requested; first
    hops only), to acknowledge and to answer (hop requested -> acknowledged / answered)."""
    return _durations(
        escalations_in_range(filters),
        "to_tier",
        {
            "escalate": Case(
                When(number=1, then=F("requested_at") - F("case__created_at")),
                output_field=DurationField(),
            ),
            "acknowledge": _since_request("acknowledged_at"),
            "answer": _since_request("answered_at"),
        },
    )


# --- knowledge -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    part: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.part / self.total if self.total else None


def solved_at_l1_with_article(filters: Filters) -> Share:
    """Of the cases resolved in the range, those never escalated and solved with an article."""
    resolved = (
        CaseModel.objects.filter(
            resolved_at__gte=filters.since,
            resolved_at__lt=filters.until,
            status__in=CLOSED_STATUSES,
        )
        .filter(_cases_of_team(filters.team))
        .annotate(
            with_article=Exists(
                CaseArticle.objects.filter(case=OuterRef("pk"), kind=LinkKind.SOLVED_WITH)
            ),
            escalated=Exists(Escalation.objects.filter(case=OuterRef("pk"))),
        )
    )
    figures = resolved.aggregate(
        total=Count("pk"), part=Count("pk", filter=Q(with_article=True, escalated=False))
    )
    return Share(figures["part"], figures["total"])


def escalated_despite_suggestion(filters: Filters) -> list[tuple[str, Share]]:
    """Per reason: escalations (hops from L1) requested after the escalate form had shown at
    least one article for the case: ones an existing article might have answered."""
    suggested = Deflection.objects.filter(
        case=OuterRef("case"), shown_at__lte=OuterRef("requested_at")
    ).exclude(article_ids=[])
    rows = (
        escalations_in_range(filters)
        .filter(from_tier=Tier.L1)
        .annotate(suggested=Exists(suggested))
        .values_list("reason")
        .annotate(total=Count("pk"), part=Count("pk", filter=Q(suggested=True)))
        .order_by()
    )
    found = {reason: Share(part, total) for reason, total, part in rows}
    return [(reason, found[reason]) for reason in Reason.values if reason in found]


# --- per person (managers only) --------------------------------------------------------------


def escalations_per_operator(filters: Filters) -> list[tuple[str, int]]:
    rows = (
        escalations_in_range(filters)
        .filter(is_automatic=False)
        .values_list("requested_by__display_name", "requested_by__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "requested_by__username")
    )
    return [(name or username, n) for name, username, n in rows]


def handling_per_handler(filters: Filters) -> list[tuple[str, Durations]]:
    """Per person who answered: answers and the time from request to answer."""
    per = _durations(
        escalations_in_range(filters).filter(answered_by__isnull=False),
        "answered_by",
        {"answer": _since_request("answered_at")},
    )
    from accounts.models import User

    names = {u.pk: str(u) for u in User.objects.filter(pk__in=list(per))} if per else {}
    return sorted(
        ((names[pk], values["answer"]) for pk, values in per.items()),
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
    from escalations.flow.selectors import flow_page

    return [gap.message for gap in flow_page().gaps if gap.kind == "nobody_present"]


PRIORITY_LABELS = dict(Priority.choices)
TIER_LABELS = dict(Tier.choices)
