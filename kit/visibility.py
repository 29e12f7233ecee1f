"""Who may see a case, for the apps below escalations: ``notifications`` (the outbox) and
``integrations`` (webhook deliveries) keep rows about cases but may not import the app that
decides who sees them. The escalations app connects its one rule
(``escalations.selectors.cases_visible_to``) at start-up; the lower apps filter through it."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kit.hooks import Hook

visible_cases = Hook(
    "visible_cases(user) -> QuerySet of the cases the user may see. Connected once, by the "
    "escalations app."
)


def only_visible_cases(queryset: QuerySet, user, *, through: str = "case") -> QuerySet:
    """The rows of ``queryset`` whose case (reached by the lookup ``through``) the user may
    see, and the rows about no case. With no rule connected, no row about a case at all."""
    allowed = Q(**{f"{through}__isnull": True})
    for cases in visible_cases(user):
        allowed |= Q(**{f"{through}__in": cases})
    return queryset.filter(allowed)
