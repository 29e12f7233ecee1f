"""Reads for "no hesitation" (issue 20): the open nudge of a case (its header) and the stalled
calls a supervisor watches (the case queue's "stalled" view). A nudge is open once it was sent
and until the case moved on (escalated, resolved, hold ended, answered)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from escalations.models import Case, Nudge

OPEN = Q(sent_at__isnull=False, cleared_at__isnull=True)


def open_nudge(case: Case) -> Nudge | None:
    """The case's latest open nudge, with its rule's target (one query)."""
    return (
        Nudge.objects.filter(OPEN, case=case)
        .select_related("rule__target_team", "rule__target_user__delegate")
        .order_by("-sent_at", "-pk")
        .first()
    )


def stalled(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Of ``cases`` (already filtered by the visibility rule), those with an open nudge."""
    return cases.filter(Exists(Nudge.objects.filter(OPEN, case=OuterRef("pk"))))
