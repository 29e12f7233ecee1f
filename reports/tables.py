"""The dashboard's reports as tables (title, headers, rows) with the bars of their chart: what
the page shows and what the CSV export writes, from the same figures (``selectors``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from escalations.models import CaseStatus, NudgeKind, Reason
from reports import hesitation, selectors
from reports.charts import bar_chart
from reports.daily import DailyRows
from reports.selectors import Filters


@dataclass
class Report:
    key: str
    title: str
    headers: list[str]
    rows: list[list[object]]
    bars: list[tuple[str, float, str]] = field(default_factory=list)
    chart_title: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, admin changelist query)

    @property
    def chart(self):
        return bar_chart(self.bars, title=self.chart_title or self.title) if self.bars else ""


def minutes(value: dt.timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds() / 60:.1f}"


def percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def _open_cases(filters: Filters) -> Report:
    rows = selectors.open_cases(filters)
    statuses = dict(CaseStatus.choices)
    per_status: dict[str, int] = {}
    for status, _tier, n in rows:
        per_status[status] = per_status.get(status, 0) + n
    return Report(
        "open_cases",
        _("Open cases by status and tier"),
        [_("Status"), _("Tier"), _("Cases")],
        [[statuses[s], selectors.TIER_LABELS[t], n] for s, t, n in rows],
        [(str(statuses[s]), n, str(n)) for s, n in per_status.items()],
        _("Open cases by status"),
    )


def _sla_now(filters: Filters) -> Report:
    now = selectors.sla_now(filters)
    team = f"&assigned_team__id__exact={filters.team.pk}" if filters.team else ""
    at_risk = _("At risk now (a warning has fired, no deadline passed)")
    breached = _("Breached now (a running timer is past its deadline)")
    return Report(
        "sla_now",
        _("Open cases at risk and breached now"),
        [_("SLA"), _("Cases")],
        [[at_risk, now.at_risk], [breached, now.breached]],
        [
            (at_risk, now.at_risk, str(now.at_risk)),
            (breached, now.breached, str(now.breached)),
        ],
        links=[(at_risk, f"sla=at_risk{team}"), (breached, f"sla=breached{team}")],
    )


def _sla_breached_in_period(filters: Filters) -> Report:
    found = selectors.sla_breached_in_period(filters)
    team = f"&assigned_team__id__exact={filters.team.pk}" if filters.team else ""
    dates = f"sla_breached_from={filters.start:%Y-%m-%d}&sla_breached_to={filters.end:%Y-%m-%d}"
    cases = _("Cases with an SLA breach recorded in the period")
    breaches = _("SLA breaches recorded in the period (each notified once)")
    return Report(
        "sla_breached_in_period",
        _("SLA breached in the period (%(start)s – %(end)s)")
        % {"start": filters.start.isoformat(), "end": filters.end.isoformat()},
        [_("SLA"), _("Count")],
        [[cases, found.cases], [breaches, found.breaches]],
        [(cases, found.cases, str(found.cases)), (breaches, found.breaches, str(found.breaches))],
        links=[(cases, f"{dates}{team}")],
    )


def _compliance(filters: Filters, by: str, figures) -> Report:
    labels = selectors.PRIORITY_LABELS if by == "priority" else selectors.TIER_LABELS
    return Report(
        f"sla_compliance_{by}",
        _("SLA compliance per priority") if by == "priority" else _("SLA compliance per tier"),
        [
            _("Priority") if by == "priority" else _("Tier"),
            _("Met (7 days)"),
            _("Met or missed (7 days)"),
            _("Compliance (7 days)"),
            _("Met (30 days)"),
            _("Met or missed (30 days)"),
            _("Compliance (30 days)"),
        ],
        [
            [
                labels.get(c.key, c.key),
                c.met_7,
                c.total_7,
                percent(c.rate_7),
                c.met_30,
                c.total_30,
                percent(c.rate_30),
            ]
            for c in figures
        ],
        [
            (str(labels.get(c.key, c.key)), (c.rate_30 or 0) * 100, percent(c.rate_30))
            for c in figures
        ],
        _("Compliance over 30 days (%)"),
    )


def _over_time(filters: Filters, by: str, counted) -> Report:
    data = selectors.escalations_over_time(filters, by=by, counted=counted())
    reasons = dict(Reason.choices)
    names = [reasons.get(k, k) if by == "reason" else k for k in data.keys]
    period = _("Week of") if filters.period == "week" else _("Day")
    return Report(
        f"escalations_by_{by}",
        _("Escalations by reason") if by == "reason" else _("Escalations by category"),
        [period, *names, _("Total")],
        [
            [
                date_format(day, "Y-m-d"),
                *(data.counts.get((day, k), 0) for k in data.keys),
                sum(data.counts.get((day, k), 0) for k in data.keys),
            ]
            for day in data.periods
        ],
        [
            (str(name), data.totals[k], str(data.totals[k]))
            for name, k in zip(names, data.keys, strict=True)
        ],
        _("Escalations in the period"),
    )


def _durations(filters: Filters, rows: DailyRows) -> Report:
    per_tier = selectors.durations_per_tier(filters, rows)
    measures = {
        "escalate": _("Time to escalate"),
        "acknowledge": _("Time to acknowledge"),
        "answer": _("Time to answer"),
    }
    rows, bars = [], []
    for tier in sorted(per_tier):
        for key, label in measures.items():
            d = per_tier[tier][key]
            rows.append(
                [selectors.TIER_LABELS[tier], label, d.count, minutes(d.median), minutes(d.p90)]
            )
            if d.median is not None:
                name = f"{selectors.TIER_LABELS[tier]}: {label}"
                bars.append((name, d.median.total_seconds() / 60, minutes(d.median)))
    return Report(
        "durations",
        _("Time to escalate, acknowledge and answer per tier"),
        [
            _("Escalated to"),
            _("Measure"),
            _("Escalations"),
            _("Median (minutes)"),
            _("90th percentile (minutes)"),
        ],
        rows,
        bars,
        _("Median (minutes)"),
    )


def _time_to_escalate(filters: Filters, daily: DailyRows) -> Report:
    """No hesitation (issue 20): how long before escalating, per team and reason."""
    reasons = dict(Reason.choices)
    rows, bars = [], []
    for row in hesitation.time_to_escalate(filters, daily):
        label = f"{row.team} / {reasons.get(row.reason, row.reason)}"
        rows.append(
            [
                row.team,
                reasons.get(row.reason, row.reason),
                row.work.count,
                minutes(row.work.median),
                minutes(row.work.p90),
                row.hold.count,
                minutes(row.hold.median),
                minutes(row.hold.p90),
            ]
        )
        if row.work.median is not None:
            bars.append((label, row.work.median.total_seconds() / 60, minutes(row.work.median)))
    return Report(
        "time_to_escalate",
        _("Time to escalate from the start of work and of a hold, per team and reason"),
        [
            _("Escalated to"),
            _("Reason"),
            _("From start of work: escalations"),
            _("Median (minutes)"),
            _("90th percentile (minutes)"),
            _("From start of hold: escalations"),
            _("Median (minutes)"),
            _("90th percentile (minutes)"),
        ],
        rows,
        bars,
        _("Median from the start of work (minutes)"),
    )


def _nudges_followed(filters: Filters, daily: DailyRows) -> Report:
    kinds = dict(NudgeKind.choices)
    figures = hesitation.nudges_followed(filters, daily)
    return Report(
        "nudges_followed",
        _("Nudges sent and followed (escalated after the nudge, before resolution)"),
        [_("Nudge"), _("Sent"), _("Followed"), _("Share")],
        [[kinds[f.kind], f.sent, f.followed, percent(f.rate)] for f in figures],
        [(str(kinds[f.kind]), f.followed, f"{f.followed}/{f.sent}") for f in figures],
        _("Nudges followed"),
    )


def _knowledge(filters: Filters, rows: DailyRows) -> Report:
    share = selectors.solved_at_l1_with_article(filters, rows)
    return Report(
        "solved_at_l1",
        _("Cases solved at L1 with a knowledge article"),
        [_("Solved at L1 with an article"), _("Resolved cases"), _("Share")],
        [[share.part, share.total, percent(share.rate)]],
        [
            (_("Solved at L1 with an article"), share.part, str(share.part)),
            (_("Resolved cases"), share.total, str(share.total)),
        ],
    )


def _repeats(filters: Filters, daily: DailyRows) -> Report:
    per_category = selectors.repeat_escalations(filters, daily)
    rows, bars, links = [], [], []
    for c in per_category:
        pairs = ", ".join(
            f"{r.escalation.case.reference} ← {r.earlier.case.reference}" for r in c.repeats
        )
        if c.repeat_count > len(c.repeats):
            pairs = _("%(pairs)s and %(n)s more") % {
                "pairs": pairs,
                "n": c.repeat_count - len(c.repeats),
            }
        rows.append(
            [c.category, c.escalations, c.repeat_count, percent(c.share.rate), c.undecided, pairs]
        )
        if c.repeat_count:
            bars.append((c.category, c.repeat_count, str(c.repeat_count)))
            ids = sorted({r.escalation.case_id for r in c.repeats})
            label = (
                _("%(category)s: the %(n)s cases")
                if len(ids) == c.repeat_count
                else _("%(category)s: the latest %(n)s cases")
            )
            links.append(
                (
                    label % {"category": c.category, "n": len(ids)},
                    "id__in=" + ",".join(map(str, ids)),
                )
            )
    return Report(
        "repeat_escalations",
        _("Repeat escalations: questions answered within the 30 days before"),
        [
            _("Category"),
            _("Escalations from L1"),
            _("Repeats"),
            _("Share"),
            _("Not checked yet"),
            _("Case ← the case whose answer it repeats"),
        ],
        rows,
        bars,
        _("Repeat escalations per category"),
        links=links,
    )


def _reusable_answers(filters: Filters, daily: DailyRows) -> Report:
    found = selectors.reusable_answers(filters, daily)
    reusable, published = _("Reusable answers"), _("Published as an article within 7 days")
    return Report(
        "reusable_answers",
        _("Reusable answers turned into published articles within 7 days"),
        [reusable, _("Not reusable"), published, _("Share")],
        [[found.reusable, found.not_reusable, found.published, percent(found.share.rate)]],
        [
            (reusable, found.reusable, str(found.reusable)),
            (published, found.published, str(found.published)),
        ],
    )


def _suggestions(filters: Filters, daily: DailyRows) -> Report:
    rows = selectors.escalated_despite_suggestion(filters, daily)
    reasons = dict(Reason.choices)
    return Report(
        "escalated_with_suggestion",
        _("Escalations after an article was suggested"),
        [_("Reason"), _("Escalations from L1"), _("An article was suggested"), _("Share")],
        [[reasons[r], s.total, s.part, percent(s.rate)] for r, s in rows],
        [(str(reasons[r]), s.part, str(s.part)) for r, s in rows],
        _("Escalations after an article was suggested"),
    )


def _per_operator(filters: Filters, daily: DailyRows) -> Report:
    rows = selectors.escalations_per_operator(filters, daily)
    return Report(
        "escalations_per_operator",
        _("Escalations per operator"),
        [_("Operator"), _("Escalations")],
        [[name, n] for name, n in rows],
        [(name, n, str(n)) for name, n in rows],
    )


def _per_handler(filters: Filters, daily: DailyRows) -> Report:
    rows = selectors.handling_per_handler(filters, daily)
    return Report(
        "answers_per_handler",
        _("Answers per handler"),
        [_("Handler"), _("Answers"), _("Median (minutes)"), _("90th percentile (minutes)")],
        [[name, d.count, minutes(d.median), minutes(d.p90)] for name, d in rows],
        [(name, d.median.total_seconds() / 60, minutes(d.median)) for name, d in rows if d.median],
        _("Median time to answer (minutes)"),
    )


def build(filters: Filters, *, person_figures: bool, only: str | None = None) -> list[Report]:
    """The reports in the page's order: reasons and categories first (blameless); per-person
    figures last and only when ``person_figures``. ``only``: just the report of that key."""
    rows = DailyRows(filters)  # the per-day rows every date-range figure sums (loaded once)
    cache: dict[str, list] = {}

    def counted() -> list:  # the reason and the category charts count the same rows
        if "counts" not in cache:
            cache["counts"] = selectors.escalation_counts(filters, rows)
        return cache["counts"]

    builders: list[tuple[str, Callable[[], list[Report]]]] = [
        ("escalations_by_reason", lambda: [_over_time(filters, "reason", counted)]),
        ("escalations_by_category", lambda: [_over_time(filters, "category", counted)]),
        ("escalated_with_suggestion", lambda: [_suggestions(filters, rows)]),
        ("solved_at_l1", lambda: [_knowledge(filters, rows)]),
        ("repeat_escalations", lambda: [_repeats(filters, rows)]),
        ("reusable_answers", lambda: [_reusable_answers(filters, rows)]),
        ("open_cases", lambda: [_open_cases(filters)]),
        ("sla_now", lambda: [_sla_now(filters)]),
        ("sla_breached_in_period", lambda: [_sla_breached_in_period(filters)]),
        ("sla_compliance", lambda: _both_compliance(filters, rows)),
        ("durations", lambda: [_durations(filters, rows)]),
        ("time_to_escalate", lambda: [_time_to_escalate(filters, rows)]),
        ("nudges_followed", lambda: [_nudges_followed(filters, rows)]),
    ]
    if person_figures:
        builders += [
            ("escalations_per_operator", lambda: [_per_operator(filters, rows)]),
            ("answers_per_handler", lambda: [_per_handler(filters, rows)]),
        ]
    reports = []
    for key, make in builders:
        if only is None or only == key or (key == "sla_compliance" and only.startswith(key)):
            reports += make()
    return [r for r in reports if only is None or r.key == only]


def _both_compliance(filters: Filters, rows: DailyRows) -> list[Report]:
    figures = selectors.sla_compliance(filters, rows)
    return [
        _compliance(filters, "priority", figures["priority"]),
        _compliance(filters, "tier", figures["tier"]),
    ]


def keys(*, person_figures: bool) -> list[str]:
    base = [
        "escalations_by_reason",
        "escalations_by_category",
        "escalated_with_suggestion",
        "solved_at_l1",
        "repeat_escalations",
        "reusable_answers",
        "open_cases",
        "sla_now",
        "sla_breached_in_period",
        "sla_compliance_priority",
        "sla_compliance_tier",
        "durations",
        "time_to_escalate",
        "nudges_followed",
    ]
    return base + (["escalations_per_operator", "answers_per_handler"] if person_figures else [])
