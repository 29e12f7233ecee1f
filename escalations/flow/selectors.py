"""Reads for the escalation flow page, built from the live configuration.

A constant number of queries whatever the number of teams, members, rules or policies: the
people are loaded once (members, leads, rule targets and everyone who is somebody's delegate, so
every delegate chain resolves in memory with the same ``User.effective_recipient`` the
escalations use), and the escalation matrix is resolved with the same ``match_rule``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, Tier, User
from escalations.models import Category, EscalationRule, Reason, SLAPolicy
from escalations.priority import PRIORITY_MATRIX, Impact, Priority, Urgency
from escalations.selectors import match_rule

from . import answers, wording


@dataclass
class Gap:
    kind: str  # "nobody_present" | "no_lead" | "rule_review_due" | "team_review_due" | "no_rule"
    # | "no_default_team" | "nobody_in_week" (the daily coverage check)
    message: str
    anchor: str  # the id of the element on the page the gap is about


@dataclass
class Absent:
    person: User
    delegate: User | None  # the present person who receives in their place, if any


@dataclass
class TeamView:
    team: Team
    lead: User | None
    present: list[User]
    absent: list[Absent]
    review_due: bool
    gaps: list[Gap] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # how it differs from now (past dates)

    @property
    def anchor(self) -> str:
        return f"team-{self.team.pk}"

    @property
    def reachable(self) -> bool:
        """Somebody present receives what is sent to this team."""
        return bool(self.present) or any(a.delegate is not None for a in self.absent)


@dataclass
class TierView:
    tier: int
    label: str
    teams: list[TeamView]
    default_team: Team | None  # takes the escalations to this tier that no rule matches

    @property
    def anchor(self) -> str:
        return f"tier-{self.tier}"


@dataclass
class RuleView:
    rule: EscalationRule
    recipient: User | None  # the named person or their present delegate
    review_due: bool
    gaps: list[Gap] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # how it differs from now (past dates)

    @property
    def anchor(self) -> str:
        return f"rule-{self.rule.pk}"


@dataclass
class Route:
    """Where an L1 escalation of the selected category goes, for one priority and reason."""

    rule: RuleView | None
    # no rule: the default team of the next tier up (as the service); None: the case stays
    fallback_team: Team | None


@dataclass
class PolicyView:
    policy: SLAPolicy
    categories: list[Category]
    priority_lines: list[str]
    hop_lines: list[str]


@dataclass
class Reviews:
    last_reviewed: dt.date | None  # the most recent review
    oldest_reviewed: dt.date | None  # the least recent review
    next_due: dt.date | None  # the earliest next review
    without_date: int  # how many have no next review date

    @classmethod
    def of(cls, items) -> Reviews:
        last = [i.last_reviewed_on for i in items if i.last_reviewed_on]
        due = [i.next_review_on for i in items if i.next_review_on]
        return cls(
            max(last, default=None),
            min(last, default=None),
            min(due, default=None),
            sum(1 for i in items if i.next_review_on is None),
        )


@dataclass
class FlowPage:
    generated_at: dt.datetime
    today: dt.date
    categories: list[Category]
    teams: list[Team]
    category: Category | None
    team: Team | None
    tiers: list[TierView]
    rules: list[RuleView]
    priority_matrix: list[tuple[str, list[str]]]  # impact label, priority per urgency
    urgencies: list[str]
    routes: list[tuple[str, list[Route]]]  # per priority: one route per reason (category only)
    reasons: list[str]
    policies: list[PolicyView]
    gaps: list[Gap]
    answers: answers.WhoAnswers  # who answers now (or at the page's ?at=)
    rule_reviews: Reviews  # the review dates the page is based on
    team_reviews: Reviews


def _people(rules: list[EscalationRule]) -> dict[int, User]:
    """Everyone the page may show, by id, with ``delegate`` resolved in memory: one query.

    A delegate chain only passes through people who are somebody's delegate, so loading the
    members, the leads, the rules' named people and every delegate closes every chain."""
    is_member = Team.members.through.objects.filter(user_id=OuterRef("pk"))
    is_lead = Team.objects.filter(lead_id=OuterRef("pk"))
    is_delegate = User.objects.filter(delegate_id=OuterRef("pk"))
    named = [r.target_user_id for r in rules if r.target_user_id]
    people = {
        user.pk: user
        for user in User.objects.filter(
            Exists(is_member) | Exists(is_lead) | Exists(is_delegate) | Q(pk__in=named)
        )
    }
    delegate_field = User._meta.get_field("delegate")
    for user in people.values():
        delegate_field.set_cached_value(user, people.get(user.delegate_id))
    return people


def _sort_key(user: User) -> tuple[str, str]:
    return (user.furigana or "", str(user))


def _team_view(team: Team, member_ids: list[int], people: dict[int, User], today) -> TeamView:
    lead = people.get(team.lead_id) if team.lead_id else None
    ids = list(dict.fromkeys([*member_ids, *([team.lead_id] if team.lead_id else [])]))
    persons = sorted((people[i] for i in ids if i in people and people[i].is_active), key=_sort_key)
    present = [p for p in persons if not p.is_absent]
    absent = [Absent(p, p.effective_recipient()) for p in persons if p.is_absent]
    review_due = team.next_review_on is not None and team.next_review_on < today
    view = TeamView(team, lead, present, absent, review_due)
    if lead is None:
        view.gaps.append(
            Gap("no_lead", _("Team %(team)s has no lead.") % {"team": team.name}, view.anchor)
        )
    if review_due:
        view.gaps.append(
            Gap(
                "team_review_due",
                _("The contact list of %(team)s was due for review on %(date)s.")
                % {"team": team.name, "date": team.next_review_on.isoformat()},
                view.anchor,
            )
        )
    return view


def _rule_view(rule: EscalationRule, teams: dict[int, TeamView], today) -> RuleView:
    named = rule.target_user
    recipient = named.effective_recipient() if named is not None else None
    review_due = rule.next_review_on is not None and rule.next_review_on < today
    view = RuleView(rule, recipient, review_due)
    target = teams.get(rule.target_team_id)
    if target is not None and not target.reachable:
        view.gaps.append(
            Gap(
                "nobody_present",
                _("Rule %(rule)s: nobody of %(team)s is present and no delegate stands in.")
                % {"rule": rule, "team": rule.target_team.name},
                view.anchor,
            )
        )
    if review_due:
        view.gaps.append(
            Gap(
                "rule_review_due",
                _("Rule %(rule)s was due for review on %(date)s.")
                % {"rule": rule, "date": rule.next_review_on.isoformat()},
                view.anchor,
            )
        )
    return view


def _policies(category: Category | None) -> list[PolicyView]:
    """Every SLA policy (or, for one category, the one its cases use): four queries."""
    policies = list(
        SLAPolicy.objects.select_related("calendar").prefetch_related(
            "categories", "priority_targets", "hop_targets"
        )
    )
    if category is not None:
        named = [p for p in policies if any(c.pk == category.pk for c in p.categories.all())]
        policies = named[:1] or [p for p in policies if p.is_default]
    views = []
    for policy in policies:
        business = not policy.calendar.always_open
        views.append(
            PolicyView(
                policy,
                list(policy.categories.all()),
                [
                    wording.priority_sentence(
                        target.get_priority_display(),
                        target.first_response,
                        target.resolution,
                        business=business,
                    )
                    for target in policy.priority_targets.all()
                ],
                [
                    wording.hop_sentence(
                        f"L{target.to_tier}", target.acknowledge, target.answer, business=business
                    )
                    for target in policy.hop_targets.all()
                ],
            )
        )
    return views


def _routes(category: Category, rules: list[RuleView], teams: list[Team]) -> list:
    """For an L1 operator with a case of ``category``: where each priority and reason goes."""
    by_rule = {view.rule.pk: view for view in rules}
    fallback = _default_team_above(Tier.L1, teams)
    table = []
    for priority in Priority:
        row = []
        for reason in Reason:
            rule = match_rule(
                [view.rule for view in rules],
                category_id=category.pk,
                priority=priority,
                reason=reason,
                above_tier=Tier.L1,
            )
            row.append(Route(by_rule[rule.pk], None) if rule is not None else Route(None, fallback))
        table.append((priority.label, row))
    return table


def _default_team_above(tier: int, teams: list[Team]) -> Team | None:
    """Where an escalation from ``tier`` that no rule matches goes: the default team of the
    next tier up that has teams (``escalation_target``'s rule), or ``None``."""
    above = [t for t in teams if t.tier > tier]
    if not above:
        return None
    next_tier = min(t.tier for t in above)
    return next((t for t in above if t.tier == next_tier and t.is_tier_default), None)


def _default_team_gaps(teams: list[Team]) -> list[Gap]:
    """Every tier above L1 that has teams but no default team: an escalation to it that no rule
    matches has nowhere to go and stays where it is."""
    tiers = sorted({t.tier for t in teams if t.tier > Tier.L1})
    defaults = {t.tier for t in teams if t.is_tier_default}
    return [
        Gap(
            "no_default_team",
            _(
                "Tier L%(tier)s has no default team: an escalation to it that no rule matches "
                "stays in its current queue (its team lead is told)."
            )
            % {"tier": tier},
            f"tier-{tier}",
        )
        for tier in tiers
        if tier not in defaults
    ]


@dataclass
class Configuration:
    """What the page is drawn from: the active categories and rules, the teams, their members
    and the people (each with ``delegate`` resolved in memory)."""

    categories: list[Category]
    teams: list[Team]
    memberships: dict[int, list[int]]  # team id -> member ids
    rules: list[EscalationRule]
    people: dict[int, User]


def live_configuration() -> Configuration:
    """The configuration as it is now: five queries."""
    categories = list(Category.objects.filter(is_active=True))
    teams = list(Team.objects.select_related("review_owner"))
    memberships: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in Team.members.through.objects.values_list("team_id", "user_id"):
        memberships[team_id].append(user_id)
    rules = list(
        EscalationRule.objects.filter(is_active=True).select_related(
            "category", "target_team", "review_owner"
        )
    )
    people = _people(rules)
    for rule in rules:
        if rule.target_user_id:
            rule.target_user = people[rule.target_user_id]
    return Configuration(categories, teams, memberships, rules, people)


def flow_page(
    *,
    category_id: int | None = None,
    team_id: int | None = None,
    now: dt.datetime | None = None,
    at: dt.datetime | None = None,
    configuration: Configuration | None = None,
) -> FlowPage:
    """The page's data. A category and a team (ids; unknown ones are ignored and come back as
    ``None``) narrow the rules, routes and tiers shown; the gaps are always those of the whole
    configuration. ``configuration`` draws the page from another one than today's (the page
    at a past date, ``escalations.flow.past``), seen at ``now``. ``at``: the moment the "who
    answers" table is for (default: now)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    config = configuration or live_configuration()
    categories, teams, rules = config.categories, config.teams, config.rules
    memberships, people = config.memberships, config.people
    category = next((c for c in categories if c.pk == category_id), None)
    team = next((t for t in teams if t.pk == team_id), None)

    team_views = {t.pk: _team_view(t, memberships[t.pk], people, today) for t in teams}
    rule_views = [_rule_view(rule, team_views, today) for rule in rules]

    covered = {r.category_id for r in rules}
    category_gaps = [
        Gap(
            "no_rule",
            _("No escalation rule applies to the category %(category)s.") % {"category": c.name},
            "rules",
        )
        for c in categories
        if None not in covered and c.pk not in covered
    ]
    gaps = [
        *category_gaps,
        *_default_team_gaps(teams),
        *(gap for view in team_views.values() for gap in view.gaps),
        *(gap for view in rule_views for gap in view.gaps),
        *(Gap("nobody_in_week", text, anchor) for text, anchor in answers.coverage_gaps(today)),
    ]

    shown_rules = [
        view
        for view in rule_views
        if (category is None or view.rule.category_id in (None, category.pk))
        and (team is None or view.rule.target_team_id == team.pk)
    ]
    tiers = []
    for tier in Tier:
        views = [
            team_views[t.pk] for t in teams if t.tier == tier and (team is None or t.pk == team.pk)
        ]
        if views:
            default = next((t for t in teams if t.tier == tier and t.is_tier_default), None)
            tiers.append(TierView(tier.value, tier.label, views, default))

    return FlowPage(
        generated_at=now,
        today=today,
        categories=categories,
        teams=teams,
        category=category,
        team=team,
        tiers=tiers,
        rules=shown_rules,
        priority_matrix=[
            (impact.label, [PRIORITY_MATRIX[impact][urgency].label for urgency in Urgency])
            for impact in Impact
        ],
        urgencies=[urgency.label for urgency in Urgency],
        routes=_routes(category, rule_views, teams) if category is not None else [],
        reasons=[reason.label for reason in Reason],
        policies=_policies(category),
        gaps=gaps,
        answers=answers.who_answers(
            at=at or now, now=now, teams=teams, rules=rules, people=people, members=memberships
        ),
        rule_reviews=Reviews.of(rules),
        team_reviews=Reviews.of(teams),
    )
