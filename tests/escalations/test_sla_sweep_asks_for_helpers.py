"""A sweep whose first batch is full (more is due than one batch holds) asks for helper sweeps
once, after that batch has committed; a sweep that takes everything in one batch asks nobody.
The periodic task passes the request on to the worker's other processes
(tests/integration/test_celery_worker_sla.py runs that with a real worker)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from escalations import services
from escalations.models import Level, SLAEvent, SLATimer, TimerKind
from escalations.services.sla_sweep import sla_sweep
from tests.factories import make_case, make_sla_policy


@pytest.fixture
def due_warnings(operator):
    """``make(n)``: n cases in progress whose first-response warning is due."""
    make_sla_policy()
    start = timezone.now() - dt.timedelta(hours=1)

    def make(n: int) -> None:
        with time_machine.travel(start, tick=False):
            cases = [
                services.case_start_work(case=make_case(owner=operator), actor=operator)
                for _ in range(n)
            ]
        SLATimer.objects.filter(case__in=cases, kind=TimerKind.RESOLUTION).update(
            next_level=Level.WARN_HANDLER, next_fire_at=start
        )
        SLATimer.objects.filter(case__in=cases).exclude(kind=TimerKind.RESOLUTION).update(
            next_fire_at=None
        )

    return make


def sweep_counting_requests(batch_size: int) -> tuple[list[int], int]:
    asked: list[int] = []

    def on_backlog() -> None:  # what is committed when the sweep asks
        asked.append(SLAEvent.objects.count())

    result = sla_sweep(batch_size=batch_size, on_backlog=on_backlog)
    return asked, result.warnings


def test_a_full_first_batch_asks_for_helpers_once_after_it_committed(due_warnings):
    due_warnings(7)
    asked, warnings = sweep_counting_requests(batch_size=3)
    assert warnings == 7
    assert asked == [3]  # once, with the first batch's three warnings already written


def test_a_sweep_that_takes_everything_in_one_batch_asks_nobody(due_warnings):
    due_warnings(2)
    asked, warnings = sweep_counting_requests(batch_size=3)
    assert (asked, warnings) == ([], 2)


def test_nothing_due_asks_nobody(db):
    asked, warnings = sweep_counting_requests(batch_size=3)
    assert (asked, warnings) == ([], 0)
