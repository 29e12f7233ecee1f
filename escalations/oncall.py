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

from django.utils import timezone

from accounts.models import User
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
        today = today or timezone.localdate()
        policy = sla_config().default
        self.schedule: Schedule | None = (
            sla_config().schedules(today).get(policy.calendar) if policy is not None else None
        )
        self._days: dict[dt.date, bool] = {}

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
