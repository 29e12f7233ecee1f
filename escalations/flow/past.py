"""The escalation flow page as it was at the end of a past day, read from django-simple-history
(``as_of``): the rules, teams, members and people of that day, with what differs from now
marked on each rule and team. A constant number of queries whatever the number of rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from escalations.models import Category, EscalationRule
from kit.history import latest_rows_as_of
from kit.values import plain_value

from .selectors import Configuration, FlowPage, RuleView, TeamView, flow_page

EARLIEST = dt.date(2000, 1, 1)
RULE_FIELDS = [
    "category",
    "priority",
    "reason",
    "target_tier",
    "target_team",
    "target_user",
    "guidance",
    "review_owner",
    "next_review_on",
]
TEAM_FIELDS = ["name", "tier", "is_tier_default", "lead", "phone", "email", "review_owner"]


@dataclass
class Comparison:
    day: dt.date
    moment: dt.datetime  # the end of ``day``, local time: the state shown
    now: FlowPage
    added_rules: list[RuleView] = field(default_factory=list)  # there now, not then
    added_teams: list[TeamView] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.added_rules) + len(self.added_teams)


def parse_day(raw: str, *, today: dt.date) -> tuple[dt.date | None, str | None]:
    """``?date=YYYY-MM-DD`` → the day (``None`` for today's page) and a message when refused."""
    raw = raw.strip()
    if not raw:
        return None, None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None, _("The date must be a day such as 2026-05-01: showing today's flow.")
    if day > today:
        return None, _("The date is in the future: showing today's flow.")
    if day < EARLIEST:
        return None, _("The date is too far back: showing today's flow.")
    if day == today:
        return None, None
    return day, None


def end_of(day: dt.date) -> dt.datetime:
    start = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    return start - dt.timedelta(microseconds=1)


def configuration_as_of(moment: dt.datetime) -> Configuration:
    """The configuration as it was at ``moment``: five queries."""
    every_category = {
        row.id: _instance(row) for row in latest_rows_as_of(Category.history.all(), moment)
    }
    categories = sorted(
        (c for c in every_category.values() if c.is_active), key=lambda c: (c.sort_order, c.name)
    )
    team_rows = list(latest_rows_as_of(Team.history.all(), moment))
    teams = sorted((_instance(row) for row in team_rows), key=lambda t: (t.tier, t.name))
    through = apps.get_model("accounts", "HistoricalTeam_members")
    memberships: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in through.objects.filter(
        history_id__in=[row.history_id for row in team_rows]
    ).values_list("team_id", "user_id"):
        memberships[team_id].append(user_id)
    rules = [
        _instance(row)
        for row in latest_rows_as_of(EscalationRule.history.all(), moment)
        if row.is_active
    ]
    # a rule whose team has no history then (set up before the history was kept) is not drawn
    rules = [r for r in rules if r.target_team_id in {t.pk for t in teams}]
    rules.sort(key=lambda r: (r.target_tier, r.category_id or 0, r.priority or 0, r.reason))
    wanted = {pk for ids in memberships.values() for pk in ids}
    wanted |= {t.lead_id for t in teams} | {t.review_owner_id for t in teams}
    wanted |= {r.target_user_id for r in rules} | {r.review_owner_id for r in rules}
    delegates = User.history.filter(history_date__lte=moment, delegate_id__isnull=False)
    people = {
        row.id: _instance(row)
        for row in latest_rows_as_of(
            User.history.filter(
                Q(id__in=wanted - {None}) | Q(id__in=delegates.values("delegate_id"))
            ),
            moment,
        )
    }
    _resolve(User._meta.get_field("delegate"), people.values(), people)
    by_id = {t.pk: t for t in teams}
    _resolve(Team._meta.get_field("review_owner"), teams, people)
    _resolve(Team._meta.get_field("lead"), teams, people)
    fields = EscalationRule._meta
    _resolve(fields.get_field("category"), rules, every_category)
    _resolve(fields.get_field("target_team"), rules, by_id)
    _resolve(fields.get_field("target_user"), rules, people)
    _resolve(fields.get_field("review_owner"), rules, people)
    return Configuration(categories, teams, memberships, rules, people)


def _instance(row):
    """The object as its history row saw it, without the query simple-history's ``instance``
    makes for fields it does not track (a user's password)."""
    return row.instance_type(**{f.attname: getattr(row, f.attname) for f in row.tracked_fields})


def _resolve(fk, objects, known: dict) -> None:
    """Set each object's ``fk`` to the object of that time (no query when it is read)."""
    for obj in objects:
        fk.set_cached_value(obj, known.get(getattr(obj, fk.attname)))


def compare(
    *, day: dt.date, category_id: int | None = None, team_id: int | None = None
) -> tuple[FlowPage, Comparison]:
    """The page at the end of ``day`` and how it differs from the page now: each rule and team
    of that day carries its differences (``changes``); what is there now and was not then is
    listed on the comparison."""
    moment = end_of(day)
    past = flow_page(
        category_id=category_id,
        team_id=team_id,
        now=moment,
        configuration=configuration_as_of(moment),
    )
    now = flow_page(category_id=category_id, team_id=team_id)
    comparison = Comparison(day=day, moment=moment, now=now)

    now_rules = {view.rule.pk: view for view in now.rules}
    for view in past.rules:
        current = now_rules.get(view.rule.pk)
        if current is None:
            view.changes.append(_("No longer active or deleted now."))
        else:
            view.changes += _field_changes(view.rule, current.rule, RULE_FIELDS)
            if _name(current.recipient) != _name(view.recipient):
                view.changes.append(
                    _("Receives now: %(person)s") % {"person": _name(current.recipient)}
                )
    past_rule_ids = {view.rule.pk for view in past.rules}
    comparison.added_rules = [v for v in now.rules if v.rule.pk not in past_rule_ids]

    now_teams = {v.team.pk: v for tier in now.tiers for v in tier.teams}
    past_team_ids = set()
    for tier in past.tiers:
        for view in tier.teams:
            past_team_ids.add(view.team.pk)
            current = now_teams.get(view.team.pk)
            if current is None:
                view.changes.append(_("Deleted now."))
                continue
            view.changes += _field_changes(view.team, current.team, TEAM_FIELDS)
            view.changes += _people_changes(view, current)
    comparison.added_teams = [v for v in now_teams.values() if v.team.pk not in past_team_ids]
    return past, comparison


def _name(person) -> str:
    return str(person) if person is not None else _("(none)")


def _field_changes(then, now, names: list[str]) -> list[str]:
    changes = []
    for name in names:
        f = type(now)._meta.get_field(name)
        old, new = getattr(then, f.attname), getattr(now, f.attname)
        if old == new:
            continue
        value = (
            _name(getattr(now, name)) if f.is_relation else plain_value(f, new, empty=_("(none)"))
        )
        label = str(f.verbose_name)
        changes.append(
            _("%(field)s now: %(value)s") % {"field": label[:1].upper() + label[1:], "value": value}
        )
    return changes


def _people_changes(then: TeamView, now: TeamView) -> list[str]:
    """Members joined and left since, and the absence and extension of those in both."""

    def everyone(view: TeamView) -> dict[int, User]:
        return {p.pk: p for p in [*view.present, *(a.person for a in view.absent)]}

    old, new = everyone(then), everyone(now)
    changes = [
        _("Joined since: %(person)s") % {"person": new[pk]} for pk in new.keys() - old.keys()
    ]
    changes += [_("Left since: %(person)s") % {"person": old[pk]} for pk in old.keys() - new.keys()]
    for pk in old.keys() & new.keys():
        before, after = old[pk], new[pk]
        if before.is_absent != after.is_absent:
            changes.append(
                (
                    _("%(person)s is absent now")
                    if after.is_absent
                    else _("%(person)s is present now")
                )
                % {"person": after}
            )
        if before.extension != after.extension:
            changes.append(
                _("%(person)s: extension now %(number)s")
                % {"person": after, "number": after.extension or _("(none)")}
            )
    return sorted(changes)
