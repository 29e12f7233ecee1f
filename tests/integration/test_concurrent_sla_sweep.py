"""Two SLA sweeps running at the same moment (a slow sweep overlapping the next beat) share the
due timers through ``SELECT ... FOR UPDATE SKIP LOCKED``: each level fires once and each
breached case is escalated once. PostgreSQL only (SQLite has no row locks)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations import services
from escalations.models import CaseStatus, Escalation, Level, SLAEvent, SLATimer, TimerKind
from escalations.services.sla_sweep import sla_sweep
from tests.factories import HANDOFF, CustomerFactory, make_case, make_sla_policy
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
CASES = 20


@pytest.fixture
def escalated_cases(org, operator):
    """20 cases escalated to L2 at START; nobody acknowledges (15 min)."""
    make_sla_policy()
    cases = []
    with time_machine.travel(START, tick=False):
        for _ in range(CASES):
            case = make_case(owner=operator, customer=CustomerFactory())
            services.case_start_work(case=case, actor=operator)
            services.case_escalate(
                case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
            )
            cases.append(case)
    return cases


def test_two_sweeps_at_once_fire_each_level_once_and_escalate_each_case_once(escalated_cases, org):
    # 12 min: both warnings of every acknowledgement (7.5 and 11.25 min) are due
    with time_machine.travel(START + dt.timedelta(minutes=12), tick=False):
        warned, errors = run_together(lambda: sla_sweep(batch_size=3))
    assert errors == []
    assert sum(r.warnings for r in warned) == 2 * CASES
    assert all(r.batches > 0 for r in warned)  # both took a share

    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        results, errors = run_together(lambda: sla_sweep(batch_size=3))

    assert errors == []
    assert len(results) == 2 and all(r.batches > 0 for r in results)  # both took a share
    assert sum(r.escalated for r in results) == CASES
    assert sum(r.breaches for r in results) == CASES
    assert sum(r.warnings for r in results) == 0
    acks = SLATimer.objects.filter(kind=TimerKind.ACKNOWLEDGE, escalation__number=1)
    assert acks.count() == CASES
    for ack in acks:
        assert sorted(ack.events.values_list("level", flat=True)) == [
            Level.WARN_HANDLER,
            Level.WARN_LEAD,
            Level.BREACH,
        ]
    assert SLAEvent.objects.count() == 3 * CASES
    for case in escalated_cases:
        case.refresh_from_db()
        assert (case.status, case.tier, case.assigned_team) == (
            CaseStatus.ESCALATED,
            3,
            org["l3"],
        )
        assert Escalation.objects.filter(case=case).count() == 2
        automatic = case.history.filter(history_change_reason__startswith="escalate_further")
        assert automatic.count() == 1


def test_two_sweeps_after_an_outage_escalate_each_case_once(escalated_cases, org):
    # Both targets of every L2 hop are long past: acknowledgement and answer breach together.
    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        results, errors = run_together(lambda: sla_sweep(batch_size=6))
        leftover = sla_sweep()  # whatever was deferred

    assert errors == []
    assert sum(r.escalated for r in results) + leftover.escalated == CASES
    for case in escalated_cases:
        case.refresh_from_db()
        assert (case.status, case.tier) == (CaseStatus.ESCALATED, 3)
        assert Escalation.objects.filter(case=case).count() == 2
