"""Breaches that escalate cases further are handled a batch at a time: the sweep locks the
batch's cases, escalates them all through one call of the escalate service, and writes hops,
history, timers, notes, events and notifications in bulk. A batch of 2 breaches and a batch of
6 cost the same number of statements."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.services import system_user
from escalations import services
from escalations.models import CaseStatus, Escalation, Level, SLAEvent, SLATimer, TimerKind
from escalations.services.sla_sweep import sla_sweep
from notifications.models import Notification
from tests.factories import HANDOFF, UserFactory, make_case, make_sla_policy

# The batch: SAVEPOINT, SELECT the due timers (2); lock the cases, the hops' open timers (all,
# then those we could lock) (3); what the timers point at: the hops, the teams, the policies, the
# people (4). The escalate service, for all the cases at once: UPDATE the cases,
# INSERT their history, lock the open hops, UPDATE them, INSERT their history, stop their timers
# (met or missed: one UPDATE), INSERT the new hops (their numbers drawn in the INSERT on
# PostgreSQL for up to kit.bulk.FEW hops; on SQLite the hops' last numbers are read first),
# INSERT their history, INSERT the timers, INSERT the notes, INSERT their history, clear the
# cases' open nudges (no hesitation), the present members of the teams escalated to (13: their
# bells are told at once; the in-app rows join the batch's one INSERT of notifications).
# The SLA policies, their hop targets and calendars, the webhook subscriptions and (issue 18's
# third pass) the escalation rules are the process's copy (kit.configcache,
# escalations.selectors.ROUTING), read when the fixture escalated the cases: none here.
# Then the calendar for the breached timers' next rungs (2), the manager group and its members,
# INSERT the events, INSERT the notifications, RELEASE SAVEPOINT (7): the breached timers were
# stopped with their hops, so no timer is written again; and the last batch, which finds nothing
# (3). On PostgreSQL a few rows go by one INSERT, more by COPY (kit.bulk.bulk_insert), which
# shows here as the SELECT drawing their keys from the sequence (Django's query capture does
# not see the COPY).
BREACH_SWEEP_QUERIES = 2 + 3 + 4 + 13 + 7 + 3 + 1  # + the sweep's heartbeat (ops)
HOP_NUMBERS_READ_ON_SQLITE = 1
# On PostgreSQL the batch's timer statements leave Case.sla_next_due to one recompute of the
# batch's cases at its end (escalations.sla.next_due.later): the setting that says so, and the
# recompute (instead of one UPDATE of the cases inside each of the timer statements)
NEXT_DUE_ONCE_ON_POSTGRESQL = 2


@pytest.fixture
def escalated(org, operator, supervisor):
    """``make(n)``: n cases escalated to L2 by the operator, their acknowledgement overdue."""
    make_sla_policy()
    system_user()  # made once, by whichever sweep comes first
    UserFactory(role="manager", username="manager-on-duty", email="manager@example.jp")
    supervisor.email = "sv@example.jp"
    supervisor.save()
    org["l2"].lead = supervisor
    org["l2"].save()
    start = timezone.now() - dt.timedelta(hours=1)

    def make(n: int) -> list:
        cases = []
        with time_machine.travel(start, tick=False):
            for _ in range(n):
                case = services.case_start_work(case=make_case(owner=operator), actor=operator)
                services.case_escalate(
                    case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
                )
                cases.append(case)
        # straight to the breach: the warnings are another test's business
        SLATimer.objects.filter(
            case__in=cases, kind=TimerKind.ACKNOWLEDGE, stopped_at__isnull=True
        ).update(next_level=Level.BREACH, next_fire_at=start + dt.timedelta(minutes=15))
        return cases

    return make


def breach_sweep(count: int, make) -> CaptureQueriesContext:
    cases = make(count)
    with CaptureQueriesContext(connection) as queries:
        result = sla_sweep(batch_size=50)
    assert (result.breaches, result.escalated, result.batches) == (count, count, 1)
    for case in cases:
        case.refresh_from_db()
        assert (case.status, case.tier) == (CaseStatus.ESCALATED, 3)
    return queries


def test_a_batch_of_breaches_costs_the_same_for_2_and_6(escalated, org):
    expected = BREACH_SWEEP_QUERIES + (
        HOP_NUMBERS_READ_ON_SQLITE if connection.vendor == "sqlite" else NEXT_DUE_ONCE_ON_POSTGRESQL
    )
    assert len(breach_sweep(2, escalated)) == expected
    assert len(breach_sweep(6, escalated)) == expected

    hops = Escalation.objects.filter(number=2)
    assert hops.count() == 8 and set(hops.values_list("to_team", flat=True)) == {org["l3"].pk}
    assert all(hop.is_automatic for hop in hops)
    assert SLAEvent.objects.filter(level=Level.BREACH).count() == 8
    # each breach: the manager and the L2 lead by email, once each
    assert Notification.objects.filter(event_type="sla.breached").count() == 16
    # the new hops run their own timers; the breached ones stopped
    assert SLATimer.objects.filter(escalation__number=2, stopped_at__isnull=True).count() == 16
    assert not SLATimer.objects.filter(escalation__number=1, stopped_at__isnull=True).exists()


def test_each_escalated_case_gets_one_history_row_and_one_handoff_note(escalated):
    cases = escalated(3)
    before = {case.pk: case.history.count() for case in cases}
    with translation.override("en"):
        sla_sweep()
    for case in cases:
        assert case.history.count() == before[case.pk] + 1
        row = case.history.first()
        assert row.history_user.username == "system"
        assert row.history_change_reason.startswith(
            "escalate_further: SLA breach: acknowledgement of escalation #1 overdue by"
        )
        assert case.notes.filter(kind="handoff").count() == 2
        hop = case.escalations.get(number=1)
        assert hop.outcome == "escalated_further"
        assert hop.history.first().history_change_reason == "escalate_further"
