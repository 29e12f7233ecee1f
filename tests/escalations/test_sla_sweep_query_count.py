"""The sweep's cost grows with what is due, never with what is open: it takes due timers
through the index on ``next_fire_at``, in batches, and a batch costs the same few statements
whether it holds 2 timers or 500 (warnings, and breaches that escalate cases further).

The open cases are bulk-created rows (no services, no history): one running resolution timer
each, 24/7 calendar, 8 h budget, started at START, so nothing is due before START + 4 h."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations.models import Case, CaseStatus, Customer, Level, SLAEvent, SLATimer, TimerKind
from escalations.priority import Impact, Priority, Urgency
from escalations.services.sla_sweep import sla_sweep
from notifications.models import Notification
from tests.factories import make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
NOW = START + dt.timedelta(hours=1)
BUDGET = dt.timedelta(hours=8)

# Every sweep records its heartbeat (ops: one UPDATE of the heartbeat row).
HEARTBEAT = 1
# Nothing due: one batch that finds nothing (SAVEPOINT, SELECT ... LIMIT, RELEASE SAVEPOINT).
IDLE_QUERIES = 3 + HEARTBEAT
# Each batch: SAVEPOINT, SELECT ... FOR UPDATE SKIP LOCKED ... LIMIT, RELEASE SAVEPOINT.
PER_BATCH = 3
# Each batch that found warnings, whatever their number: SELECT their cases and the people to
# notify (handlers), UPDATE the timers' next rungs, INSERT the events, INSERT the notifications.
PER_WARNING_BATCH = 5
# Once per sweep: the teams, the policies, the calendar's opening hours and exception days.
PER_SWEEP = 4
# Once per process while they are unchanged (kit.configcache): the webhook subscriptions
# (integrations; none here), read by the first sweep that has something to report.
FIRST_IN_PROCESS = 1


@pytest.fixture
def policy(db):
    return make_sla_policy()


@pytest.fixture
def handler(operator):
    operator.email = "operator@example.jp"
    operator.save()
    return operator


def open_cases(count: int, *, owner, category, policy) -> list[SLATimer]:
    """``count`` cases in progress with a running resolution timer, in a few INSERTs."""
    first = Case.objects.count()
    customers = Customer.objects.bulk_create(
        Customer(name=f"一括 {first + i}") for i in range(count // 100 + 1)
    )
    cases = Case.objects.bulk_create(
        Case(
            reference=f"B-{first + i:06d}",
            subject="一括作成",
            customer=customers[i // 100],
            category=category,
            impact=Impact.MEDIUM,
            urgency=Urgency.HIGH,
            priority=Priority.P2,
            owner=owner,
            handler=owner,
            status=CaseStatus.IN_PROGRESS,
            created_at=START,
        )
        for i in range(count)
    )
    return SLATimer.objects.bulk_create(
        SLATimer(
            case=case,
            kind=TimerKind.RESOLUTION,
            policy=policy,
            budget=BUDGET,
            started_at=START,
            running_since=START,
            due_at=START + BUDGET,
            next_level=Level.WARN_HANDLER,
            next_fire_at=START + BUDGET / 2,
        )
        for case in cases
    )


def make_due(timers: list[SLATimer]) -> None:
    SLATimer.objects.filter(pk__in=[t.pk for t in timers]).update(next_fire_at=START)


def sweep(**kwargs):
    with time_machine.travel(NOW, tick=False):
        return sla_sweep(**kwargs)


def test_an_idle_sweep_costs_the_same_for_10_and_10000_open_cases(
    handler, billing, policy, django_assert_num_queries
):
    open_cases(10, owner=handler, category=billing, policy=policy)
    with django_assert_num_queries(IDLE_QUERIES):
        assert sweep().batches == 0

    open_cases(9_990, owner=handler, category=billing, policy=policy)
    assert SLATimer.objects.filter(next_fire_at__isnull=False).count() == 10_000
    with django_assert_num_queries(IDLE_QUERIES):
        assert sweep().batches == 0


def expected_queries(warnings: int, batch_size: int) -> int:
    working = -(-warnings // batch_size)
    batches = working + 1  # and the last one, which finds nothing
    return PER_SWEEP + PER_BATCH * batches + PER_WARNING_BATCH * working + HEARTBEAT


def test_due_warnings_cost_queries_per_warning_and_per_batch_not_per_open_case(
    handler, billing, policy, django_assert_num_queries
):
    timers = open_cases(20, owner=handler, category=billing, policy=policy)
    make_due(timers[:6])
    with django_assert_num_queries(expected_queries(6, batch_size=4) + FIRST_IN_PROCESS):
        result = sweep(batch_size=4)  # 4 + 9 + 10 + 1 + 1 = 25
    assert (result.warnings, result.batches) == (6, 2)

    timers += open_cases(9_980, owner=handler, category=billing, policy=policy)
    make_due(timers[6:12])
    with django_assert_num_queries(expected_queries(6, batch_size=4)):
        assert sweep(batch_size=4).warnings == 6

    make_due(timers[12:24])
    with django_assert_num_queries(expected_queries(12, batch_size=4)):  # 4 + 12 + 15 + 1 = 32
        result = sweep(batch_size=4)
    assert (result.warnings, result.batches) == (12, 3)
    assert SLAEvent.objects.filter(level=Level.WARN_HANDLER).count() == 24
    assert Notification.objects.filter(recipient=handler, event_type="sla.warning").count() == 24
