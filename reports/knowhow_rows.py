"""The dashboard's know-how figures (issue 20) as rows per local day.

Repeat escalations (``repeats``): the hops from L1
(with a category) by their request's day, per category and the case's owner and assigned
teams; part = those decided to repeat a question answered within the 30 days before (their
``knowledge.RepeatCheck`` names an earlier hop), total = all of them. The hops not decided yet
(the every-minute check has not seen them) are rows of their own (``repeats_undecided``): the
rollup decides a day's hops before writing it (``reports.rollup``), so a rolled-up day has
none, and its figures are those of the live query for ever (a decision depends only on the
answers given before the hop, so it never changes, unless ``manage.py check_repeats
--recheck`` decides again: then rebuild those days with ``manage.py rollup_days``).

Reusable answers (``reusable``): the answers by their day, per the case's owner and assigned
teams; part = called reusable, total = called reusable or not (set once, when the answer is
returned). Whether a reusable answer became a published article within 7 days can change for
days after the answer (and an article approved again later no longer counts), so it is not
rolled up: ``reports.selectors.reusable_answers`` counts it from the articles' side.

One grouped query each over the given days (the hops' request-time and answer-time indexes)."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.models import Tier
from escalations.models import Escalation
from reports.models import Figure
from reports.rows import Interval, Row, Rows, cases_of_team, local_day, within


def escalations_from_l1():
    """The hops the repeat figure counts: from L1, of a case with a category."""
    return Escalation.objects.filter(from_tier=Tier.L1, case__category__isnull=False)


def live_repeats(intervals: list[Interval], team=None) -> list[Row]:
    rows = (
        escalations_from_l1()
        .filter(within("requested_at", intervals), cases_of_team(team, "case__"))
        .annotate(day=local_day("requested_at"))
        .values_list(
            "day",
            "case__owner_team",
            "case__assigned_team",
            "case__category",
            "case__category__name",
        )
        .annotate(
            n=Count("pk"),
            repeats=Count("pk", filter=Q(repeat_check__earlier__isnull=False)),
            undecided=Count("pk", filter=Q(repeat_check__isnull=True)),
        )
        .order_by()
    )
    found = Rows()
    for day, owner_team, assigned_team, category, category_name, n, repeats, undecided in rows:
        for figure, part, total in (
            (Figure.REPEATS, repeats, n),
            (Figure.REPEATS_UNDECIDED, 0, undecided),
        ):
            if total:
                row = Row(day, figure, owner_team, assigned_team, category_id=category)
                row.category_name = category_name
                found.add(row, part=part, total=total)
    return found.list()


def live_reusable(intervals: list[Interval], team=None) -> list[Row]:
    rows = (
        Escalation.objects.filter(within("answered_at", intervals), reusable__isnull=False)
        .filter(cases_of_team(team, "case__"))
        .annotate(day=local_day("answered_at"))
        .values_list("day", "case__owner_team", "case__assigned_team")
        .annotate(n=Count("pk"), reusable=Count("pk", filter=Q(reusable=True)))
        .order_by()
    )
    found = Rows()
    for day, owner_team, assigned_team, n, reusable in rows:
        found.add(Row(day, Figure.REUSABLE, owner_team, assigned_team), part=reusable, total=n)
    return found.list()
