"""Who is a team's on-call contact at a moment: pure functions (no ORM) over a ``Rotation``,
and one selector that reads the rotations of teams.

The rule (``on_call_at``):

1. An override covering the moment wins (the latest started, if several).
2. Otherwise the moment belongs to a *shift day*: the local date, or the day before when the
   moment is before the handover time; a shift day that is not a business day belongs to the
   last business day before it. So a shift runs from a business day's handover to the next
   business day's handover: nights, weekends and holidays belong to the last business day's
   person.
3. The members take turns in order, one business day each, from the first business day on or
   after ``starts_on``. Before that day, or without members: nobody.

Business days come from the caller (``is_business_day``): the escalations pass their default
business calendar (opening hours, Japanese public holidays, closures); ``japanese_business_day``
(Monday to Friday, no Japanese public holiday) is the stand-in without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

from accounts.models import OnCallMember, OnCallOverride, OnCallRotation, User
from kit.configcache import ConfigCache

BusinessDay = Callable[[dt.date], bool]
MAX_DAYS_BACK = 60  # a longer closure than this ends the search: nobody is on call
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Override:
    starts_at: dt.datetime
    ends_at: dt.datetime
    user_id: int


@dataclass(frozen=True)
class Rotation:
    member_ids: tuple[int, ...]
    starts_on: dt.date
    handover: dt.time
    tz: ZoneInfo
    overrides: tuple[Override, ...] = ()


@lru_cache(maxsize=16)
def _japanese_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Japan(years=[year]))


def japanese_business_day(day: dt.date) -> bool:
    """Monday to Friday, not a Japanese public holiday (振替休日 and 国民の休日 included)."""
    return day.weekday() < 5 and day not in _japanese_holidays(day.year)


def shift_day(at: dt.datetime, rotation: Rotation, is_business_day: BusinessDay) -> dt.date | None:
    """The business day whose shift the moment ``at`` belongs to (``None``: none found within
    ``MAX_DAYS_BACK`` days)."""
    local = at.astimezone(rotation.tz)
    day = local.date()
    if local.time() < rotation.handover:
        day -= _DAY
    for _ in range(MAX_DAYS_BACK):
        if is_business_day(day):
            return day
        day -= _DAY
    return None


def business_days_between(start: dt.date, end: dt.date, is_business_day: BusinessDay) -> int:
    """How many business days lie in ``[start, end)`` (0 when ``end <= start``)."""
    count = 0
    day = start
    while day < end:
        count += is_business_day(day)
        day += _DAY
    return count


def on_call_at(
    rotation: Rotation, at: dt.datetime, *, is_business_day: BusinessDay = japanese_business_day
) -> int | None:
    """The id of the person on call at ``at`` (aware), or ``None`` (see the module's rule)."""
    chosen: Override | None = None
    for override in rotation.overrides:
        if override.starts_at <= at < override.ends_at and (
            chosen is None or override.starts_at >= chosen.starts_at
        ):
            chosen = override
    if chosen is not None:
        return chosen.user_id
    if not rotation.member_ids:
        return None
    day = shift_day(at, rotation, is_business_day)
    if day is None or day < rotation.starts_on:
        return None
    turn = business_days_between(rotation.starts_on, day, is_business_day)
    return rotation.member_ids[turn % len(rotation.member_ids)]


def _load() -> dict[int, Rotation]:
    """Every active rotation by team id: three queries (rotations, turns, overrides)."""
    tz = timezone.get_default_timezone()
    found: dict[int, Rotation] = {}
    for rotation in OnCallRotation.objects.filter(is_active=True).prefetch_related(
        "turns", "overrides"
    ):
        found[rotation.team_id] = Rotation(
            member_ids=tuple(turn.user_id for turn in rotation.turns.all()),
            starts_on=rotation.starts_on,
            handover=rotation.handover_at,
            tz=tz,
            overrides=tuple(
                Override(o.starts_at, o.ends_at, o.user_id) for o in rotation.overrides.all()
            ),
        )
    return found


# Read once per process and again when any rotation changes: escalating reads no rotation
# from the database (only the person on call, when a rule leaves the person to the rotation).
ROTATIONS = ConfigCache("oncall", _load)
ROTATIONS.watch(OnCallRotation, OnCallMember, OnCallOverride)


def rotations() -> dict[int, Rotation]:
    """The active rotation of each team, by team id (from the configuration cache)."""
    return ROTATIONS.get()


def people_of(rotations_: Iterable[Rotation]) -> dict[int, User]:
    """Everyone these rotations name, by id: one query (none without rotations)."""
    ids = {pk for r in rotations_ for pk in (*r.member_ids, *(o.user_id for o in r.overrides))}
    return {user.pk: user for user in User.objects.filter(pk__in=ids)} if ids else {}
