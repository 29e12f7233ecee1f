"""The teams a person belongs to, kept per process (``kit.configcache``): every case request
asks (the visibility rule, the sides of a transition, the home team of a new case), and they
change seldom. Read again after any team is saved or deleted or any team's members change, in
any process."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from accounts.models import Team, User
from kit.configcache import ConfigCache


@dataclass(frozen=True)
class Memberships:
    team_ids: frozenset[int]  # member or lead
    home_team: Team | None  # the lowest-tier team they are a member of (by tier, then name)


# user id -> their memberships
MEMBERSHIPS: ConfigCache[dict[int, Memberships]] = ConfigCache("team-memberships", dict)
MEMBERSHIPS.watch(Team, Team.members.through)


def _load(user_id: int) -> Memberships:
    member = Team.members.through.objects.filter(team=OuterRef("pk"), user_id=user_id)
    teams = list(
        Team.objects.filter(Q(members=user_id) | Q(lead=user_id))
        .distinct()
        .annotate(is_member=Exists(member))
        .order_by("tier", "name")
    )
    home = next((team for team in teams if team.is_member), None)
    return Memberships(frozenset(team.pk for team in teams), home)


def memberships(user: User) -> Memberships:
    known = MEMBERSHIPS.get()
    found = known.get(user.pk)
    if found is None:
        found = known[user.pk] = _load(user.pk)
    return found


def team_ids(user: User) -> frozenset[int]:
    """Ids of the teams ``user`` is a member or the lead of."""
    return memberships(user).team_ids


def home_team(user: User) -> Team | None:
    """The team a case owned by ``user`` belongs to: their lowest-tier team (a copy of the
    kept row: the caller may hold on to it)."""
    home = memberships(user).home_team
    return None if home is None else copy.copy(home)
