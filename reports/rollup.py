"""The nightly rollup of the dashboard's figures: one ``RolledUpDay`` and its ``DailyFigure``
rows per local day that is over (``reports.daily`` says what each row counts and by which
event's day).

Idempotent and safe to run twice or at once: each day is written in its own transaction that
begins by inserting the day's ``RolledUpDay`` (unique per day); a second run, or one running at
the same moment, finds the day there (or waits for the first transaction and then finds it) and
skips it. The day's escalations not yet checked for repeats are checked first, in the same
transaction (``knowledge.repeats``), so its repeat figures do not change afterwards. A
rolled-up day keeps the cases as they were when it was rolled up (their teams, priority,
category); :func:`rebuild_days` counts them again as they are now."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from escalations.models import Case
from knowledge.repeats import decide_requested_between
from reports.daily import DAY, midnight, rows_of_days
from reports.models import DailyFigure, RolledUpDay

BATCH_SIZE = 1000


def _write_day(day: dt.date) -> int:
    RolledUpDay.objects.create(day=day)
    # the day's hops the every-minute repeat check has not decided yet (its workers were
    # down, or it looked past them): decided now, so the day's repeat figures are final
    decide_requested_between(midnight(day), midnight(day + DAY))
    rows = [row.model() for row in rows_of_days([day])]
    DailyFigure.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _check_over(day: dt.date, today: dt.date) -> None:
    if day >= today:
        raise ValueError(f"{day} is not over yet (today is {today}).")


def rollup_day(*, day: dt.date, today: dt.date | None = None) -> bool:
    """Roll up ``day`` unless it is already: True when this call wrote it."""
    _check_over(day, today or timezone.localdate())
    try:
        with transaction.atomic():
            _write_day(day)
    except IntegrityError:  # rolled up already, by an earlier run or one running now
        return False
    return True


def first_day() -> dt.date | None:
    """The day the first case was opened: nothing the dashboard counts happened before."""
    first = Case.objects.aggregate(first=Min("created_at"))["first"]
    return timezone.localdate(first) if first is not None else None


def rollup_finished_days(*, today: dt.date | None = None) -> list[dt.date]:
    """Roll up every day that is over and has no rollup yet; the days written by this call."""
    today = today or timezone.localdate()
    start = first_day()
    if start is None:
        return []
    done = set(
        RolledUpDay.objects.filter(day__gte=start, day__lt=today).values_list("day", flat=True)
    )
    written = []
    day = start
    while day < today:
        if day not in done and rollup_day(day=day, today=today):
            written.append(day)
        day += DAY
    return written


def rebuild_days(*, start: dt.date, end: dt.date, today: dt.date | None = None) -> int:
    """Roll up the days from ``start`` to ``end`` (inclusive, all over) again, whether or not
    they were: each day's old rows are replaced in the same transaction. Returns the rows
    written."""
    today = today or timezone.localdate()
    if start > end:
        raise ValueError(f"{start} is after {end}.")
    _check_over(end, today)
    written = 0
    day = start
    while day <= end:
        with transaction.atomic():
            DailyFigure.objects.filter(day=day).delete()
            RolledUpDay.objects.filter(day=day).delete()
            written += _write_day(day)
        day += DAY
    return written
