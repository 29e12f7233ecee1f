"""The flow page's "who answers" table: for every team above L1 and every rule, who answers an
escalation at a moment (now, or the page's ``?at=``): the rule's person or the team's on-call
person, after absences and delegates (``escalations.oncall.Presence``: the absence periods,
the one rule), with their extension. And the rules the daily coverage check found with nobody
present in the coming week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Team, Tier, User
from escalations.models import CoverageGap, EscalationRule
from escalations.oncall import Answer, Presence

# How long a day's coverage check is shown: until the next day's has run.
SHOWN_FOR = dt.timedelta(days=1)


@dataclass
class WhoAnswers:
    at: dt.datetime  # local
    is_now: bool
    teams: list[tuple[Team, Answer]]
    rules: list[tuple[EscalationRule, Answer]]


def who_answers(
    *,
    at: dt.datetime,
    now: dt.datetime,
    teams: list[Team],
    rules: list[EscalationRule],
    people: dict[int, User],
    members: dict[int, list[int]],
) -> WhoAnswers:
    """One query (the absence periods; one more for people ``people`` lacks, e.g. a delegate
    named only in a period), whatever the number of teams and rules."""
    presence = Presence(
        start=at,
        end=at,
        named_ids=[r.target_user_id for r in rules if r.target_user_id],
        people=people,
        members=members,
    )
    return WhoAnswers(
        at=timezone.localtime(at),
        is_now=abs(at - now) < dt.timedelta(minutes=1),
        teams=[
            (team, presence.answer(team_id=team.pk, named_id=None, at=at))
            for team in teams
            if team.tier > Tier.L1
        ],
        rules=[
            (
                rule,
                presence.answer(team_id=rule.target_team_id, named_id=rule.target_user_id, at=at),
            )
            for rule in rules
        ],
    )


def coverage_gaps(today: dt.date) -> list[tuple[str, str]]:
    """The latest coverage check's rules with nobody present in the coming week: (message,
    the rule's anchor on the page). One query."""
    found: dict[int, CoverageGap] = {}
    for gap in (
        CoverageGap.objects.filter(checked_on__gte=today - SHOWN_FOR, rule__is_active=True)
        .select_related("rule__category", "rule__target_team")
        .order_by("-checked_on")
    ):
        found.setdefault(gap.rule_id, gap)
    return [
        (
            _(
                "Rule %(rule)s: nobody present on its chain from %(when)s "
                "(%(hours)s business hours in the week checked on %(day)s)."
            )
            % {
                "rule": gap.rule,
                "when": date_format(timezone.localtime(gap.first_gap_at), "SHORT_DATETIME_FORMAT"),
                "hours": gap.hours,
                "day": gap.checked_on.isoformat(),
            },
            f"rule-{gap.rule_id}",
        )
        for gap in found.values()
    ]
