"""Where an escalation goes: the target the escalation matrix names for each case, with the rules
loaded once and each situation looked up once (``TargetFinder``), and why a case has nowhere to go
(``nowhere_to_go``). Moved out of ``escalations.services.escalate`` (past ~600 lines), a pure
move."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from escalations.models import Case
from escalations.oncall import OnCall
from escalations.selectors import (
    Target,
    active_rules,
    escalation_target,
    next_tier_without_default,
)


def nowhere_to_go(case: Case, tier: int | None) -> ValidationError:
    """Why ``case`` cannot be escalated: no tier above, or (code ``no_default_team``) no rule
    matches and the next tier, ``tier``, has no default team. Either way the case stays where
    it is."""
    if tier is not None:
        return ValidationError(
            _(
                "No escalation rule matches and tier L%(tier)s has no default team: the case "
                "stays in its current queue. Ask an administrator to add a rule or to "
                "designate a default team for L%(tier)s."
            )
            % {"tier": tier},
            code="no_default_team",
        )
    return ValidationError(
        _("There is no team above tier L%(tier)s to escalate to. Ask an administrator.")
        % {"tier": case.tier},
        code="no_tier_above",
    )


class TargetFinder:
    """``escalation_target`` with the rules loaded once and each situation looked up once.
    ``people``: persons rules name, read in this transaction already (``drawn_with_the_case``):
    a rule naming one of them reads no one; a rule naming someone else reads them."""

    def __init__(self, *, people: Sequence[User] = ()) -> None:
        self._people = {person.pk: person for person in people}
        self._rules: list | None = None
        self._on_call: OnCall | None = None
        self._found: dict[tuple, Target | None] = {}
        self._without_default: dict[int, int | None] = {}

    def find(self, case: Case, reason: str) -> Target | None:
        key = (case.category_id, case.priority, reason, case.tier)
        if key not in self._found:
            if self._rules is None:
                self._rules = active_rules()  # copies: each may hold its own person
                for rule in self._rules:
                    person = self._people.get(rule.target_user_id)
                    if person is not None:
                        rule.target_user = person
                self._on_call = OnCall()
            self._found[key] = escalation_target(
                case, reason, rules=self._rules, on_call=self._on_call
            )
        return self._found[key]

    def tier_without_default(self, above_tier: int) -> int | None:
        """``next_tier_without_default``, looked up once per tier."""
        if above_tier not in self._without_default:
            self._without_default[above_tier] = next_tier_without_default(above_tier)
        return self._without_default[above_tier]
