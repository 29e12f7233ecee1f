"""The daily coverage check: rules whose chain ends with nobody present at some business hour
of the coming week (the rule's person, else the team's on-call person, and their delegates
all absent; or, for a rule that names nobody, nobody of the team present). Each such rule is
recorded once a day (``CoverageGap``) and its owner told in-app once; the flow page lists
them. A fixed number of queries whatever the number of rules."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from escalations.models import CoverageGap, EscalationRule
from escalations.oncall import BusinessDays, OnCall, Presence
from notifications import outbox
from notifications.models import InboxKind

WEEK = dt.timedelta(days=7)


def rule_gaps(
    rules: list[EscalationRule], *, start: dt.datetime, end: dt.datetime
) -> dict[int, list[dt.datetime]]:
    """The business hours from ``start`` to ``end`` at which each rule's chain ends with
    nobody present, by rule id (rules without any are left out)."""
    days = BusinessDays(today=timezone.localdate(start))
    presence = Presence(
        start=start,
        end=end,
        on_call=OnCall(days=days),
        named_ids=[r.target_user_id for r in rules if r.target_user_id],
    )
    found: dict[int, list[dt.datetime]] = {}
    for hour in days.hours(start, end):
        for rule in rules:
            answer = presence.answer(
                team_id=rule.target_team_id, named_id=rule.target_user_id, at=hour
            )
            if answer.nobody_present:
                found.setdefault(rule.pk, []).append(hour)
    return found


def coverage_check(*, now: dt.datetime | None = None) -> list[CoverageGap]:
    """Record today's gaps of the active rules over the coming week and tell each rule's owner
    (once per rule and day: a second run the same day records and tells nothing new). The
    gaps recorded by this run."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = list(
        EscalationRule.objects.filter(is_active=True).select_related(
            "review_owner", "category", "target_team"
        )
    )
    gaps = rule_gaps(rules, start=now, end=now + WEEK)
    if not gaps:
        return []
    with transaction.atomic():
        known = set(
            CoverageGap.objects.filter(checked_on=today, rule__in=list(gaps)).values_list(
                "rule_id", flat=True
            )
        )
        new = [
            CoverageGap(rule=rule, checked_on=today, first_gap_at=hours[0], hours=len(hours))
            for rule in rules
            if (hours := gaps.get(rule.pk)) and rule.pk not in known
        ]
        created = CoverageGap.objects.bulk_create(new, ignore_conflicts=True)
        with outbox.batched():
            for gap in created:
                if gap.rule.review_owner is None:
                    continue
                outbox.notify_in_app(
                    [gap.rule.review_owner],
                    kind=InboxKind.NOBODY_PRESENT,
                    title=_("Rule %(rule)s: nobody present on its chain from %(when)s")
                    % {
                        "rule": gap.rule,
                        "when": date_format(
                            timezone.localtime(gap.first_gap_at), "SHORT_DATETIME_FORMAT"
                        ),
                    },
                    payload={"rule": gap.rule_id, "hours": gap.hours},
                )
    return created
