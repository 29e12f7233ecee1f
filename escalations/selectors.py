"""Reads: which cases a user sees, and where an escalation goes."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Team, User
from escalations.models import (
    OPEN_STATUSES,
    Case,
    Category,
    Customer,
    Escalation,
    EscalationRule,
)
from escalations.oncall import OnCall
from escalations.policy import user_team_ids
from kit.configcache import ConfigCache


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Operators: their own and their team's cases. Supervisors and specialists: their team's
    and what is (or was) escalated to their team. Managers and administrators: everything.
    What it depends on is :func:`visibility_key`'s: change both together."""
    cases = Case.objects.all()
    if user.is_superuser or user.has_perm("escalations.view_all_cases"):
        return cases
    team_ids = user_team_ids(user)
    escalated_to_my_team = Escalation.objects.filter(case=OuterRef("pk"), to_team__in=team_ids)
    return cases.filter(
        Q(owner=user)
        | Q(handler=user)
        | Q(owner_team__in=team_ids)
        | Q(assigned_team__in=team_ids)
        | Exists(escalated_to_my_team)
    )


def visibility_key(user: User) -> tuple:
    """Everything :func:`cases_visible_to`'s SQL and parameters depend on, as a hashable key:
    two users (or one user at two moments) with the same key see the same cases by the same
    query. The API keeps per key its compiled locked read
    (``kit.statemachine.StateMachine.read_locked``) and its case list's built query
    (``escalations.api.views``): a new input of the rule goes into the key too. Change both
    together."""
    if user.is_superuser or user.has_perm("escalations.view_all_cases"):
        return ("all",)
    return ("own and teams'", user.pk, tuple(sorted(user_team_ids(user))))


def _load_active_categories() -> dict[int, Category]:
    return {category.pk: category for category in Category.objects.filter(is_active=True)}


# read once per process, and again when a category is saved or deleted (in any process)
ACTIVE_CATEGORIES = ConfigCache("active-categories", _load_active_categories)
ACTIVE_CATEGORIES.watch(Category)


def active_category(pk: int) -> Category | None:
    """The active category ``pk`` (a copy of the process's), or None: no query while the
    categories are unchanged."""
    category = ACTIVE_CATEGORIES.get().get(pk)
    return None if category is None else copy.copy(category)


# Customers a create named, kept per process (up to ``KNOWN_CUSTOMERS_MAX``; then forgotten
# all at once) and forgotten in every process when a customer is saved or deleted: a create
# for a customer seen before reads no customer. Not the whole table (it is large): filled as
# creates name them.
KNOWN_CUSTOMERS_MAX = 10_000
KNOWN_CUSTOMERS = ConfigCache("known-customers", dict)
KNOWN_CUSTOMERS.watch(Customer)


def known_customer(pk: int) -> Customer | None:
    """The customer ``pk`` (a copy of the process's), or None when there is none: no query for
    a customer read before while no customer was saved or deleted since."""
    known: dict[int, Customer] = KNOWN_CUSTOMERS.get()
    customer = known.get(pk)
    if customer is None:
        customer = Customer.objects.filter(pk=pk).first()
        if customer is None:
            return None
        if len(known) >= KNOWN_CUSTOMERS_MAX:
            known.clear()
        known[pk] = customer
    return copy.copy(customer)


def case_is_visible_to(case: Case, user: User) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


@dataclass(frozen=True)
class Routing:
    """The escalation matrix as every escalation reads it: the active rules (with their
    target teams and categories) and the teams by tier, the tier's default team first."""

    rules: tuple[EscalationRule, ...]
    teams: tuple[Team, ...]


def _load_routing() -> Routing:
    rules = EscalationRule.objects.filter(is_active=True).select_related("target_team", "category")
    teams = Team.objects.order_by("tier", "-is_tier_default", "pk")
    return Routing(tuple(rules), tuple(teams))


# Read once per process and again when a rule, team or category changes (in any process):
# escalating reads no rule from the database. People (a rule's target person, its review
# owner) are not kept: who is absent changes all day, so they are read when a rule names one,
# in the escalation's transaction (the API's escalate reads the target persons of the rules
# that may route the case in its locked read of the case:
# escalations.services.escalate_drawn.drawn_with_the_case).
ROUTING: ConfigCache[Routing] = ConfigCache("escalation-routing", _load_routing)
ROUTING.watch(EscalationRule, Team, Category)


def active_rules() -> list[EscalationRule]:
    """The active escalation rules, each a copy of the kept one (the caller may hold on to it,
    and what it reads through it, e.g. its target person, is read for it alone)."""
    return [copy.copy(rule) for rule in ROUTING.get().rules]


def _next_tier_team(above_tier: int) -> Team | None:
    """The team of the next tier up that has teams, its default team if it has one."""
    return next((team for team in ROUTING.get().teams if team.tier > above_tier), None)


def match_rule(
    rules: Iterable[EscalationRule],
    *,
    category_id: int | None,
    priority: int | None,
    reason: str,
    above_tier: int,
) -> EscalationRule | None:
    """The rule for this situation: among the rules that fit and lead above ``above_tier``, the
    most specific one (category, priority and reason each count); on a tie, the lowest target
    tier (the next tier up), then the lowest id."""
    candidates = [
        rule
        for rule in rules
        if rule.target_tier > above_tier
        and rule.category_id in (None, category_id)
        and rule.priority in (None, priority)
        and rule.reason in ("", reason)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (-r.specificity, r.target_tier, r.pk))


@dataclass(frozen=True)
class Target:
    """Where an escalation goes."""

    tier: int
    team: Team
    person: User | None  # who receives it (after delegate routing); None: the team's queue
    routed_from: User | None  # the absent person the rule named, when a delegate stands in
    rule: EscalationRule | None
    on_call: bool = False  # the person came from the target team's on-call rotation

    @property
    def nobody_present(self) -> bool:
        """Someone was named (by the rule or the rotation) but everyone on their delegate
        chain is absent: the team's queue takes it, and the rule's owner is told."""
        return self.person is None and self.routed_from is not None


def escalation_target(
    case: Case,
    reason: str,
    *,
    rules: list[EscalationRule] | None = None,
    on_call: OnCall | None = None,
    at: dt.datetime | None = None,
) -> Target | None:
    """Where escalating ``case`` for ``reason`` goes, or ``None`` when it cannot go anywhere:
    nothing is configured above the case's tier, or no rule matches and the next tier up has
    no default team (:func:`next_tier_without_default` tells which). Without a matching rule,
    the default team of the next tier up takes it, never whichever team sorts first.

    Who in the team: the person the rule names, else the team's on-call person at ``at``
    (now; ``on_call`` reads the rotations, once per caller), then that person's delegate
    chain; nobody present: the team's queue (``Target.nobody_present``)."""
    rules = active_rules() if rules is None else rules
    rule = match_rule(
        rules,
        category_id=case.category_id,
        priority=case.priority,
        reason=reason,
        above_tier=case.tier,
    )
    if rule is not None:
        named = rule.target_user
        from_rotation = False
        if named is None:
            on_call = on_call or OnCall()
            named = on_call.person(rule.target_team_id, at or timezone.now())
            from_rotation = named is not None
        person = named.effective_recipient() if named is not None else None
        routed_from = named if named is not None and person != named else None
        return Target(
            rule.target_tier,
            copy.copy(rule.target_team),  # not the kept row: the case will hold on to it
            person,
            routed_from,
            rule,
            on_call=from_rotation,
        )
    # the next tier up that has teams, and its default team first if it has one
    team = _next_tier_team(case.tier)
    if team is None or not team.is_tier_default:
        return None
    return Target(team.tier, copy.copy(team), None, None, None)


def next_tier_without_default(above_tier: int) -> int | None:
    """The next tier up, when it has teams but no default team (an escalation no rule matches
    then has nowhere to go); ``None`` when it has one, or when there is no tier above."""
    team = _next_tier_team(above_tier)
    if team is None or team.is_tier_default:
        return None
    return team.tier


def caller_open_cases(
    *, user: User, phone_digits: str, limit: int = 20
) -> tuple[list[Customer], list[Case]]:
    """An incoming call: the customers whose number is ``phone_digits`` (``lookup.phone_key``,
    exact, indexed) and their open cases that ``user`` may see, newest first. Two queries."""
    customers = list(
        Customer.objects.filter(phone_digits=phone_digits).order_by("name", "pk")[:limit]
    )
    cases = list(
        cases_visible_to(user)
        .filter(customer__in=customers, status__in=OPEN_STATUSES)
        .select_related("customer", "category")
        .order_by("-created_at")[:limit]
    )
    return customers, cases
