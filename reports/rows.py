"""The rows the dashboard's date-range figures are summed from (:class:`Row`, the shape of
``reports.DailyFigure``) and what the queries that make them share: local days as intervals,
the team filter, the local day of a timestamp (``reports.daily`` makes and reads them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from reports.models import DailyFigure

DAY = dt.timedelta(days=1)

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(slots=True)
class Row:
    """One day's figure for one combination of keys (a stored or a live ``DailyFigure``)."""

    day: dt.date
    figure: str
    owner_team_id: int | None = None
    assigned_team_id: int | None = None
    priority: int | None = None
    tier: int | None = None
    reason: str = ""
    category_id: int | None = None
    person_id: int | None = None
    to_team_id: int | None = None
    sent_on: dt.date | None = None
    part: int = 0
    total: int = 0
    durations: dict[int, int] = field(default_factory=dict)
    # shown, not stored: read through the foreign keys
    category_name: str = ""
    person_name: str = ""
    person_username: str = ""
    to_team_name: str | None = None

    def key(self) -> tuple:
        return (
            self.day,
            self.figure,
            self.owner_team_id,
            self.assigned_team_id,
            self.priority,
            self.tier,
            self.reason,
            self.category_id,
            self.person_id,
            self.to_team_id,
            self.sent_on,
        )

    def model(self) -> DailyFigure:
        return DailyFigure(
            day=self.day,
            figure=self.figure,
            owner_team_id=self.owner_team_id,
            assigned_team_id=self.assigned_team_id,
            priority=self.priority,
            tier=self.tier,
            reason=self.reason,
            category_id=self.category_id,
            person_id=self.person_id,
            to_team_id=self.to_team_id,
            sent_on=self.sent_on,
            part=self.part,
            total=self.total,
            durations={str(us): n for us, n in sorted(self.durations.items())},
        )


def midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the current (local) time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def intervals_of(days: Iterable[dt.date]) -> list[Interval]:
    """The days as [local midnight, next local midnight) intervals, contiguous days merged."""
    intervals: list[Interval] = []
    previous = None
    for day in sorted(days):
        if previous is not None and day == previous + DAY:
            intervals[-1] = (intervals[-1][0], midnight(day + DAY))
        else:
            intervals.append((midnight(day), midnight(day + DAY)))
        previous = day
    return intervals


def within(field_name: str, intervals: list[Interval]) -> Q:
    """``field_name`` in one of the intervals. Without intervals, an empty one: the query still
    runs (and finds nothing at once through the index), so the number of queries stays put."""
    if not intervals:
        now = timezone.now()
        intervals = [(now, now)]
    condition = Q()
    for since, until in intervals:
        condition |= Q(**{f"{field_name}__gte": since, f"{field_name}__lt": until})
    return condition


@contextmanager
def planned_for_their_days() -> Iterator[None]:
    """The statements of the block planned for their own parameters on every run, never
    prepared: what the live queries need, whose days range from today alone to weeks.

    On PostgreSQL a statement run ``DB_PREPARE_THRESHOLD`` times on one connection is prepared
    (config/settings.py), and after a few runs of a prepared statement PostgreSQL may keep one
    generic plan for it, made without the parameters' values. For the live queries that plan
    was chosen after the rollup's or the page's first runs and then kept for any number of
    days (at 1,000,000 cases, two days live took a minute: the hops from L1 were joined to
    every article suggestion for each hop, ``article_ids <> $5`` being estimated to match
    none). Planning each run costs a few milliseconds; these queries take tens to hundreds.
    psycopg's ``prepare_threshold`` (public; ``None``: prepare nothing, and run statements
    prepared before unprepared) is set for the block and put back after it: the only place
    that reaches the driver's connection (tested in
    tests/reports/test_live_queries_are_planned_for_their_days.py)."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    threshold = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = threshold


def cases_of_team(team, prefix: str = "") -> Q:
    """A case belongs to a team when the team keeps its customer or works on it now."""
    if team is None:
        return Q()
    return Q(**{f"{prefix}owner_team": team}) | Q(**{f"{prefix}assigned_team": team})


def local_day(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=timezone.get_current_timezone())


def microseconds(value: dt.timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


class Rows:
    """Rows summed by their keys."""

    def __init__(self) -> None:
        self.by_key: dict[tuple, Row] = {}

    def add(self, row: Row, *, part: int = 0, total: int = 0, duration=None, n: int = 0) -> None:
        found = self.by_key.setdefault(row.key(), row)
        found.part += part
        found.total += total
        if duration is not None:
            us = microseconds(duration)
            found.durations[us] = found.durations.get(us, 0) + n

    def list(self) -> list[Row]:
        return list(self.by_key.values())
