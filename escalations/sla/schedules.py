"""Build the pure ``Schedule`` of a ``BusinessCalendar`` from the database."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from functools import lru_cache
from typing import Any

from escalations.models import BusinessCalendar, CalendarDayKind
from escalations.sla.calendar import Schedule, japanese_holidays

HOLIDAY_YEARS_AROUND = 2  # holidays are loaded for this many years before and after today


def build_schedule(calendar: BusinessCalendar, *, today: dt.date) -> Schedule:
    """Two queries (opening hours, exception days) for one calendar."""
    weekly: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for hours in calendar.opening_hours.all():
        weekly[hours.weekday].append((hours.start, hours.end))
    closed: set[dt.date] = set()
    if calendar.japanese_holidays:
        years = range(today.year - HOLIDAY_YEARS_AROUND, today.year + HOLIDAY_YEARS_AROUND + 1)
        closed.update(_holidays(tuple(years)))
    extra: dict[dt.date, list[tuple[dt.time, dt.time]]] = {}
    for day in calendar.days.all():
        if day.kind == CalendarDayKind.CLOSED:
            closed.add(day.date)
        elif day.start is not None and day.end is not None:
            extra[day.date] = [(day.start, day.end)]
    return Schedule(
        tz=zoneinfo.ZoneInfo(calendar.time_zone),
        weekly={day: sorted(spans) for day, spans in weekly.items()},
        closed_dates=frozenset(closed),
        extra_open_dates=extra,
        always_open=calendar.always_open,
    )


@lru_cache(maxsize=8)
def _holidays(years: tuple[int, ...]) -> frozenset[dt.date]:
    return frozenset(japanese_holidays(years))


class ScheduleCache:
    """Schedules by calendar id for the length of one operation (a sweep, a recompute)."""

    # the most answers ``remember`` keeps (a process's cache lives a day: bounded)
    REMEMBERED = 4096

    def __init__(self, *, today: dt.date) -> None:
        self.today = today
        self._schedules: dict[int, Schedule] = {}
        self._answers: dict[tuple, Any] = {}

    def get(self, calendar: BusinessCalendar) -> Schedule:
        if calendar.pk not in self._schedules:
            self._schedules[calendar.pk] = build_schedule(calendar, today=self.today)
        return self._schedules[calendar.pk]

    def remembered(self, key: tuple) -> Any:
        """What ``remember`` kept under ``key`` (a computation on these schedules), or None."""
        return self._answers.get(key)

    def remember(self, key: tuple, answer: Any) -> Any:
        if len(self._answers) >= self.REMEMBERED:
            self._answers.clear()
        self._answers[key] = answer
        return answer
