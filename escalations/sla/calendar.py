"""Business-time arithmetic over opening-hour calendars (pure Python: no ORM, no settings).

Semantics:

- Opening intervals are local wall-clock ``[start, end)`` in ``Schedule.tz``; an end of
  ``time(0)`` means 24:00. Per date, ``extra_open_dates`` beats ``closed_dates``, which beats
  ``weekly``. ``always_open`` counts every real second and ignores everything else.
- All arithmetic is on real (UTC) time, microsecond-exact. On a DST day an interval that spans
  the jump is shorter/longer by the jump (Europe/Berlin 00:00-06:00 is 5 h on the spring day,
  7 h on the autumn day); a 09:00-18:00 day, which does not span it, is still 9 h. Wall-clock
  boundaries are resolved with ``fold=0`` (PEP 495): a boundary inside a spring-forward gap uses
  the pre-transition offset (it moves later by the gap; an interval that collapses is dropped),
  and an ambiguous autumn boundary means its first occurrence.
- A deadline that falls exactly on a closing moment *is* that closing moment: Mon 17:00 + 1 h is
  Mon 18:00, not Tue 09:00 (``is_open`` is False there, intervals being half-open).
- ``amount == 0`` returns ``start`` unchanged (the same instant, expressed in ``Schedule.tz``),
  even outside opening hours.
- A schedule without any opening raises ``ValueError(NO_OPENING)``; so does a scan that finds
  no opening during ``MAX_IDLE_DAYS`` consecutive days (e.g. only past extra days).
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[dt.time, dt.time]
Span = tuple[dt.datetime, dt.datetime]

MIDNIGHT = dt.time(0)
MAX_IDLE_DAYS = 3 * 366
NO_OPENING = "calendar has no opening hours"
_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)
_UTC = dt.UTC


def _offset(t: dt.time) -> dt.timedelta:
    return dt.timedelta(
        hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond
    )


def validate_intervals(intervals: Iterable[Interval]) -> None:
    """Raise ValueError for inverted/empty or overlapping intervals (touching ones are fine)."""
    spans: list[tuple[dt.timedelta, dt.timedelta]] = []
    for start, end in intervals:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"interval times must be naive wall-clock times: {start}-{end}")
        low, high = _offset(start), _DAY if end == MIDNIGHT else _offset(end)
        if high <= low:
            raise ValueError(f"inverted or empty interval {start}-{end}")
        spans.append((low, high))
    spans.sort()
    for (_, previous_end), (low, _) in pairwise(spans):
        if low < previous_end:
            raise ValueError(f"overlapping intervals {sorted(spans)}")


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours in ``tz`` with closed / extra-open dates, or 24/7."""

    tz: ZoneInfo
    weekly: Mapping[int, Sequence[Interval]]
    closed_dates: frozenset[dt.date] = frozenset()
    extra_open_dates: Mapping[dt.date, Sequence[Interval]] = field(default_factory=dict)
    always_open: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        for weekday, intervals in self.weekly.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday)..6 (Sunday), got {weekday!r}")
            validate_intervals(intervals)
        for intervals in self.extra_open_dates.values():
            validate_intervals(intervals)

    @property
    def has_openings(self) -> bool:
        """Whether any opening exists at all (structurally)."""
        return self.always_open or any(self.weekly.values()) or any(self.extra_open_dates.values())


def japanese_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """Japanese public holidays, incl. 振替休日 and 国民の休日, named in Japanese."""
    return dict(sorted(holidays.Japan(years=list(years), language="ja").items()))


def _utc(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {moment!r}")
    return moment.astimezone(_UTC)


def _wall(schedule: Schedule, day: dt.date, t: dt.time, *, end: bool = False) -> dt.datetime:
    if end and t == MIDNIGHT:
        day += _DAY
    return dt.datetime.combine(day, t, tzinfo=schedule.tz).astimezone(_UTC)


def _intervals(schedule: Schedule, day: dt.date) -> Sequence[Interval]:
    if schedule.always_open:
        return [(MIDNIGHT, MIDNIGHT)]
    if day in schedule.extra_open_dates:
        return schedule.extra_open_dates[day]
    if day in schedule.closed_dates:
        return []
    return schedule.weekly.get(day.weekday(), [])


def _utc_spans(schedule: Schedule, day: dt.date) -> list[Span]:
    """Opening spans of ``day`` in UTC, sorted, empty ones dropped, touching ones merged."""
    spans = sorted(
        (_wall(schedule, day, start), _wall(schedule, day, end, end=True))
        for start, end in _intervals(schedule, day)
    )
    merged: list[Span] = []
    for low, high in spans:
        if high <= low:
            continue  # collapsed inside a DST gap
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def open_intervals_on(schedule: Schedule, day: dt.date) -> list[Span]:
    """Opening spans of the local date ``day`` as aware datetimes in ``schedule.tz``."""
    return [
        (low.astimezone(schedule.tz), high.astimezone(schedule.tz))
        for low, high in _utc_spans(schedule, day)
    ]


def add_business_time(schedule: Schedule, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The moment at which ``amount`` of business time has elapsed since ``start``."""
    current = _utc(start, "start")
    if amount < _ZERO:
        raise ValueError(f"amount must not be negative, got {amount}")
    if not schedule.has_openings:
        raise ValueError(NO_OPENING)
    if amount == _ZERO:
        return current.astimezone(schedule.tz)
    if schedule.always_open:
        return (current + amount).astimezone(schedule.tz)
    remaining = amount
    # The previous local date too: its spans can never reach past its midnight, but cheap safety.
    day = current.astimezone(schedule.tz).date() - _DAY
    idle_days = 0
    while idle_days <= MAX_IDLE_DAYS:
        spans = [(max(low, current), high) for low, high in _utc_spans(schedule, day)]
        spans = [(low, high) for low, high in spans if low < high]
        for low, high in spans:
            if remaining <= high - low:
                return (low + remaining).astimezone(schedule.tz)
            remaining -= high - low
        idle_days = 0 if spans else idle_days + 1
        day += _DAY
    raise ValueError(f"{NO_OPENING} during {MAX_IDLE_DAYS} consecutive days before {day}")


def business_time_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Business time inside ``[start, end)``; zero when ``end <= start``."""
    low, high = _utc(start, "start"), _utc(end, "end")
    if high <= low:
        return _ZERO
    if schedule.always_open:
        return high - low
    total = _ZERO
    day = low.astimezone(schedule.tz).date() - _DAY
    last = high.astimezone(schedule.tz).date()
    while day <= last:
        for span_low, span_high in _utc_spans(schedule, day):
            overlap = min(span_high, high) - max(span_low, low)
            if overlap > _ZERO:
                total += overlap
        day += _DAY
    return total


def is_open(schedule: Schedule, moment: dt.datetime) -> bool:
    """Whether ``moment`` lies inside an opening interval (start included, end excluded)."""
    instant = _utc(moment, "moment")
    if schedule.always_open:
        return True
    day = instant.astimezone(schedule.tz).date()
    return any(
        low <= instant < high
        for candidate in (day - _DAY, day)
        for low, high in _utc_spans(schedule, candidate)
    )
