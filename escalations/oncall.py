"""Who answers an escalation at a moment, and the business days and hours that decide it.

The routing order (``escalations.selectors.escalation_target``): the person the rule names →
else the target team's on-call person (``accounts.oncall``) → the delegate chain of whoever
that is → nobody present: the team's queue (and the rule's owner is told).

Business days and hours are those of the default SLA policy's calendar (opening hours,
Japanese public holidays, closures; read from the SLA configuration cache, no query), or
Monday to Friday without Japanese public holidays when no policy exists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.absence import absent_at, absent_between, recipient_at
from accounts.models import Team, User
from accounts.oncall import Rotation, japanese_business_day, on_call_at, people_of, rotations
from escalations.sla.calendar import Schedule, open_intervals_on
from escalations.sla.config import sla_config

HOUR = dt.timedelta(hours=1)
OPENS, CLOSES = dt.time(9), dt.time(18)  # the business hours without a calendar


def _at(day: dt.date, t: dt.time, tz) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=tz)


class BusinessDays:
    """The default business calendar's days and hours."""

    def __init__(self, *, today: dt.date | None = None) -> None:
        self._today = today
        self._schedule: Schedule | None = None
        self._loaded = False
        self._days: dict[dt.date, bool] = {}

    @property
    def today(self) -> dt.date:
        """The day the schedule is built for: the one given, else today, taken when first
        needed (an escalation whose rule names a person, or whose team has no rotation, asks
        no business day)."""
        if self._today is None:
            self._today = timezone.localdate()
        return self._today

    @property
    def schedule(self) -> Schedule | None:
        """The default calendar's schedule, read when first needed (no query when the SLA
        configuration is cached)."""
        if not self._loaded:
            policy = sla_config().default
            if policy is not None:
                self._schedule = sla_config().schedules(self.today).get(policy.calendar)
            self._loaded = True
        return self._schedule

    def is_business_day(self, day: dt.date) -> bool:
        if day not in self._days:
            if self.schedule is None:
                self._days[day] = japanese_business_day(day)
            else:
                self._days[day] = self.schedule.always_open or bool(
                    open_intervals_on(self.schedule, day)
                )
        return self._days[day]

    def hours(self, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
        """The start of every business hour (on the hour, local) from ``start`` to ``end``:
        the moments the coverage check looks at."""
        tz = timezone.get_default_timezone()
        found = []
        day = timezone.localtime(start).date()
        while dt.datetime.combine(day, dt.time(0), tzinfo=tz) < end:
            if self.schedule is None:
                spans = (
                    [(_at(day, OPENS, tz), _at(day, CLOSES, tz))]
                    if japanese_business_day(day)
                    else []
                )
            else:
                spans = open_intervals_on(self.schedule, day)
            for low, high in spans:
                moment = low.replace(minute=0, second=0, microsecond=0)
                if moment < low:
                    moment += HOUR
                while moment < high:
                    if start <= moment < end:
                        found.append(moment)
                    moment += HOUR
            day += dt.timedelta(days=1)
        return found


class OnCall:
    """Who is on call in each team at any moment: the rotations from the configuration cache
    (no query), the people they name read once when first asked (one query)."""

    def __init__(self, *, days: BusinessDays | None = None) -> None:
        self.days = days or BusinessDays()
        self.rotations: dict[int, Rotation] = rotations()
        self._people: dict[int, User] | None = None

    def person_id(self, team_id: int, at: dt.datetime) -> int | None:
        rotation = self.rotations.get(team_id)
        if rotation is None:
            return None
        return on_call_at(rotation, at, is_business_day=self.days.is_business_day)

    def person(self, team_id: int, at: dt.datetime) -> User | None:
        """The team's on-call person at ``at`` (``None``: no rotation, or nobody's turn)."""
        pk = self.person_id(team_id, at)
        if pk is None:
            return None
        if self._people is None:
            self._people = people_of(self.rotations.values())
        return self._people.get(pk)


@dataclass(frozen=True)
class Answer:
    """Who answers an escalation to a team at a moment."""

    named: User | None  # the rule's person, else the team's on-call person
    on_call: bool  # ``named`` comes from the rotation
    person: User | None  # who answers after absences and delegates; None: the team's queue
    present: list[User]  # the team's members present then (who sees the queue)

    @property
    def nobody_present(self) -> bool:
        """The chain ends with nobody present (a named person and all their delegates are
        absent, or nobody of the team is present when nobody is named)."""
        return self.person is None if self.named is not None else not self.present


class Presence:
    """Who is present, on call and answering at any moment from ``start`` to ``end``: the
    absence periods (the one rule, ``accounts.absence``), the people and the memberships read
    once (three queries, four with a rotation; one when the caller passes the ``people``,
    everyone who is a member, lead or delegate, with ``delegate`` resolved, and the
    ``members`` of each team, as the flow page does), the rest in memory."""

    def __init__(
        self,
        *,
        start: dt.datetime,
        end: dt.datetime,
        on_call: OnCall | None = None,
        named_ids: Iterable[int] = (),
        people: dict[int, User] | None = None,
        members: dict[int, list[int]] | None = None,
    ) -> None:
        self.on_call = on_call or OnCall()
        self.periods = absent_between(None, start, end)
        rotation_ids = {
            pk
            for rotation in self.on_call.rotations.values()
            for pk in (*rotation.member_ids, *(o.user_id for o in rotation.overrides))
        }
        period_delegates = {
            p.delegate_id for found in self.periods.values() for p in found if p.delegate_id
        }
        ids = {*named_ids, *rotation_ids, *period_delegates}
        if people is None:
            is_member = Team.members.through.objects.filter(user_id=OuterRef("pk"))
            is_lead = Team.objects.filter(lead_id=OuterRef("pk"))
            is_delegate = User.objects.filter(delegate_id=OuterRef("pk"))
            people = {
                user.pk: user
                for user in User.objects.filter(
                    Exists(is_member) | Exists(is_lead) | Exists(is_delegate) | Q(pk__in=ids)
                )
            }
        elif missing := ids - people.keys():  # only those the caller has not loaded
            people = {**people, **{u.pk: u for u in User.objects.filter(pk__in=missing)}}
        self.people = people
        if members is None:
            members = defaultdict(list)
            for team_id, user_id in Team.members.through.objects.values_list("team_id", "user_id"):
                members[team_id].append(user_id)
        self.members = members

    def is_present(self, person: User, at: dt.datetime) -> bool:
        return person.is_active and absent_at(self.periods.get(person.pk, []), at) is None

    def answer(self, *, team_id: int, named_id: int | None, at: dt.datetime) -> Answer:
        on_call = False
        if named_id is None:
            named_id = self.on_call.person_id(team_id, at)
            on_call = named_id is not None
        named = self.people.get(named_id) if named_id is not None else None
        present = [
            self.people[pk]
            for pk in self.members.get(team_id, [])
            if pk in self.people and self.is_present(self.people[pk], at)
        ]
        person = recipient_at(named, at, self.periods, self.people) if named else None
        return Answer(named, on_call, person, present)
