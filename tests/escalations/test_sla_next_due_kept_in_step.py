"""``Case.sla_next_due`` (the work queue's SLA sort, indexed) is the nearest deadline of the
case's running timers after every path that starts, stops, pauses, resumes or recomputes a
timer: the database keeps it (triggers of escalations migration 0021), in the statement that
changes the timer. ``tests/conftest.py`` checks every case after every test that uses the
database; these walk each path by name and check the value itself."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction

from escalations import services
from escalations.models import Case, SLATimer, TimerKind
from escalations.services.hold import callback_keep, callback_miss, callback_promise, hold_start
from escalations.services.sla_sweep import sla_sweep
from escalations.sla import next_due, timers
from tests.escalations.hold_setup import hold_policy
from tests.factories import HANDOFF, make_case
from tests.sla_next_due import assert_sla_next_due

JST = ZoneInfo("Asia/Tokyo")
MONDAY = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def policy(db):
    return hold_policy()


def stored(case) -> dt.datetime | None:
    return Case.objects.values_list("sla_next_due", flat=True).get(pk=case.pk)


def running(case, kind) -> SLATimer:
    return SLATimer.objects.get(case=case, kind=kind, stopped_at__isnull=True)


def at(minutes: int):
    return time_machine.travel(MONDAY + minutes * MIN, tick=False)


def test_opening_and_taking_a_case_store_its_first_response_deadline(org, operator, policy):
    with at(0):
        case = make_case(owner=operator)
    assert stored(case) == running(case, TimerKind.FIRST_RESPONSE).due_at
    with at(1):
        services.case_start_work(case=case, actor=operator)
    # the first response was met: the resolution deadline is the nearest now
    assert stored(case) == running(case, TimerKind.RESOLUTION).due_at
    assert_sla_next_due(case)


def test_escalating_acknowledging_and_answering_move_it(org, operator, supervisor, policy):
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    with at(5):
        services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    assert stored(case) == running(case, TimerKind.ACKNOWLEDGE).due_at
    with at(6):
        services.case_acknowledge(case=Case.objects.get(pk=case.pk), actor=supervisor)
    assert stored(case) == running(case, TimerKind.ANSWER).due_at
    with at(20):
        services.case_return_to_owner(
            case=Case.objects.get(pk=case.pk), actor=supervisor, answer="日割り計算です"
        )
    assert stored(case) == running(case, TimerKind.RESOLUTION).due_at
    assert_sla_next_due(case)


def test_waiting_for_the_customer_empties_it_and_resuming_sets_it_again(org, operator, policy):
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    with at(10):
        services.case_wait_for_customer(case=case, actor=operator)
    assert stored(case) is None  # the resolution clock is paused: nothing runs
    with at(60 * 24 * 3):
        services.case_resume(case=Case.objects.get(pk=case.pk), actor=operator)
    assert stored(case) == running(case, TimerKind.RESOLUTION).due_at
    assert_sla_next_due(case)


def test_resolving_empties_it(org, operator, policy):
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    with at(30):
        services.case_resolve(case=case, actor=operator, resolution="説明して了承", close=True)
    assert stored(case) is None
    assert_sla_next_due(case)


def test_a_hold_and_a_callback_bring_it_nearer_and_their_end_moves_it_back(
    org, operator, supervisor, policy
):
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
        services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    with at(1):
        hold_start(case=Case.objects.get(pk=case.pk), actor=operator)
    hold = running(case, TimerKind.HOLD_ACKNOWLEDGE)
    assert stored(case) == hold.due_at == MONDAY + 3 * MIN  # wall clock: 2 minutes
    with at(2):
        services.case_acknowledge(case=Case.objects.get(pk=case.pk), actor=supervisor)
    assert_sla_next_due(case)
    with at(3):
        callback = callback_promise(
            case=Case.objects.get(pk=case.pk),
            actor=operator,
            number="090-1234-5678",
            window_start=MONDAY + 4 * MIN,
            window_end=MONDAY + 9 * MIN,
        )
    assert stored(case) == MONDAY + 9 * MIN
    with at(5):
        callback_keep(callback=callback, actor=operator, outcome="返金手続きを案内")
    assert stored(case) == running(case, TimerKind.ANSWER).due_at
    with at(6):
        second = callback_promise(
            case=Case.objects.get(pk=case.pk),
            actor=operator,
            number="090-1234-5678",
            window_start=MONDAY + 7 * MIN,
            window_end=MONDAY + 8 * MIN,
        )
    assert stored(case) == MONDAY + 8 * MIN
    with at(7):
        callback_miss(callback=second, actor=operator, reason="お客様の都合")
    assert stored(case) == running(case, TimerKind.ANSWER).due_at
    assert_sla_next_due(case)


def test_the_sweeps_breach_escalation_moves_it_to_the_next_hop(org, operator, policy):
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
        services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    with at(60 * 3):  # past the 15 business minutes to acknowledge
        sla_sweep()
    case.refresh_from_db()
    assert case.tier == 3
    assert stored(case) == running(case, TimerKind.ACKNOWLEDGE).due_at
    assert running(case, TimerKind.ACKNOWLEDGE).escalation.to_tier == 3
    assert_sla_next_due(case)


def test_a_policy_change_recomputes_it_with_the_deadlines(org, operator, policy):
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    before = stored(case)
    policy.priority_targets.update(resolution=dt.timedelta(minutes=60))
    with at(1):
        assert timers.recompute_for_policy(policy.pk) == 1
    assert stored(case) == running(case, TimerKind.RESOLUTION).due_at < before
    assert_sla_next_due(case)


def test_saving_a_case_read_before_its_timers_changed_does_not_write_a_stale_deadline(
    org, operator, policy
):
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    stale = Case.objects.get(pk=case.pk)  # with the resolution deadline of 8 hours
    policy.priority_targets.update(resolution=dt.timedelta(minutes=60))
    with at(1):
        timers.recompute_for_policy(policy.pk)
    stale.subject = "請求額が違う（再）"
    stale.save()  # every column, sla_next_due included
    assert stale.sla_next_due > running(case, TimerKind.RESOLUTION).due_at  # stale in memory
    assert stored(case) == running(case, TimerKind.RESOLUTION).due_at
    assert_sla_next_due(case)


def test_a_timer_deleted_or_moved_to_another_case_recomputes_both(org, operator, policy):
    with at(0):
        first = services.case_start_work(case=make_case(owner=operator), actor=operator)
    with at(30):
        second = make_case(owner=operator)
    timer = running(second, TimerKind.FIRST_RESPONSE)
    SLATimer.objects.filter(pk=timer.pk).update(case=first)
    assert stored(first) == timer.due_at  # nearer than first's resolution deadline
    assert stored(second) == running(second, TimerKind.RESOLUTION).due_at
    SLATimer.objects.filter(pk=timer.pk).delete()
    assert stored(first) == running(first, TimerKind.RESOLUTION).due_at
    assert_sla_next_due(first, second)


def test_the_history_of_the_case_does_not_record_it(org, operator, policy):
    with at(0):
        case = make_case(owner=operator)
    rows = case.history.count()
    with at(1):
        services.case_start_work(case=case, actor=operator)
    assert case.history.count() == rows + 1  # the transition's own row
    assert "sla_next_due" not in {f.name for f in case.history.model._meta.fields}


@pytest.mark.postgres
def test_postgresql_has_the_triggers(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
            ["escalations_%sla_next_due%"],
        )
        assert {row[0] for row in cursor.fetchall()} == {
            "escalations_case_sla_next_due",
            "escalations_slatimer_sla_next_due_insert",
            "escalations_slatimer_sla_next_due_update",
            "escalations_slatimer_sla_next_due_delete",
        }


def row_version(case) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text, ctid::text FROM escalations_case WHERE id = %s", [case.pk]
        )
        return ":".join(cursor.fetchone())


@pytest.mark.postgres
def test_postgresql_writes_a_case_only_when_its_value_changes(org, operator, policy):
    # one UPDATE per timer statement (migration 0022), of the cases whose value it changes:
    # a timer change that moves no deadline leaves the case row as it was
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
        other = services.case_start_work(case=make_case(owner=operator), actor=operator)
    resolution = running(case, TimerKind.RESOLUTION)
    before = row_version(case)
    SLATimer.objects.filter(case=case).update(next_level=None, next_fire_at=None)
    # a timer due after the nearest deadline, a stopped one: neither is the nearest
    later, stopped = (
        SLATimer.objects.create(
            case=case,
            kind=TimerKind.CALLBACK,
            policy=resolution.policy,
            budget=resolution.budget,
            started_at=MONDAY,
            running_since=MONDAY,
            due_at=due,
            stopped_at=stopped_at,
        )
        for due, stopped_at in ((resolution.due_at + MIN, None), (MONDAY, MONDAY))
    )
    SLATimer.objects.filter(pk__in=[later.pk, stopped.pk]).delete()
    assert row_version(case) == before
    assert stored(case) == resolution.due_at
    # one statement moving both cases' deadlines: both recomputed
    SLATimer.objects.filter(kind=TimerKind.RESOLUTION).update(due_at=MONDAY + 5 * MIN)
    assert row_version(case) != before
    assert stored(case) == stored(other) == MONDAY + 5 * MIN
    assert_sla_next_due(case, other)


@pytest.mark.postgres
def test_a_block_of_timer_writes_recomputes_its_cases_once_at_its_end(org, operator, policy):
    # the SLA sweep's batch (escalations.sla.next_due.later): its timer statements leave the
    # cases alone, one UPDATE recomputes them at the end; after it, statements as always
    with at(0):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    resolution = running(case, TimerKind.RESOLUTION)
    with next_due.later([case.pk]):
        SLATimer.objects.filter(pk=resolution.pk).update(due_at=MONDAY + 5 * MIN)
        assert stored(case) == resolution.due_at  # not yet
    assert stored(case) == MONDAY + 5 * MIN
    SLATimer.objects.filter(pk=resolution.pk).update(due_at=MONDAY + 6 * MIN)
    assert stored(case) == MONDAY + 6 * MIN
    # a block that fails: its savepoint rolled back, the setting with it
    with pytest.raises(RuntimeError), transaction.atomic(), next_due.later([case.pk]):
        raise RuntimeError
    SLATimer.objects.filter(pk=resolution.pk).update(due_at=MONDAY + 7 * MIN)
    assert stored(case) == MONDAY + 7 * MIN
    assert_sla_next_due(case)
