"""Before the outcome field, a hop escalated further had its running timers stopped as met.
The migration finds them (the hop was escalated further, the next hop was requested at the
moment they stopped) and makes them superseded; a timer whose breach was recorded becomes
missed; the other stopped timers keep their verdict. Rolling back writes what the old code
wrote (superseded -> met), so the old rows are made by rolling the real ones back."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from escalations import services
from escalations.models import Level, SLAEvent, SLATimer, TimerKind, TimerOutcome
from escalations.services.sla_sweep import sla_sweep
from tests.factories import HANDOFF, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
BEFORE = [("escalations", "0009_link_notes_and_hops_to_their_transitions")]
AFTER = [("escalations", "0011_sla_timer_outcome_constraint")]


def at(minutes: int):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def back_to_the_latest_schema():
    """Whatever happens in the test, the database ends at the latest migrations (the later
    tests, and later apps' migrations such as 0012's customer lookup keys, need them)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def outcomes() -> dict[tuple[str, str, int], tuple[str, bool | None]]:
    """Read as values: at 0011 the hop's table lacks the columns later migrations add."""
    rows = SLATimer.objects.exclude(stopped_at=None).values_list(
        "case__subject", "kind", "escalation__to_tier", "outcome", "met"
    )
    return {
        (subject, kind, 1 if to_tier is None else to_tier): (outcome, met)
        for subject, kind, to_tier, outcome, met in rows
    }


@pytest.mark.django_db(transaction=True)
def test_rows_recorded_met_when_their_hop_was_handed_on_become_superseded(
    org, operator, supervisor, billing, back_to_the_latest_schema
):
    make_sla_policy()
    with at(0):
        late = make_case(owner=operator, category=billing, subject="late")
        passed_on = make_case(owner=operator, category=billing, subject="passed on")
        answered = make_case(owner=operator, category=billing, subject="answered")
    with at(5):
        for case in (late, passed_on, answered):
            services.case_start_work(case=case, actor=operator)
            services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)
    with at(10):
        services.case_acknowledge(case=passed_on, actor=supervisor)
        services.case_return_to_owner(case=answered, actor=supervisor, answer="回答")
    with at(21):  # late's acknowledgement (due +20) breaches: escalated to L3 by the sweep
        assert sla_sweep().escalated == 1
    with at(30):
        services.case_escalate(
            case=passed_on, actor=supervisor, reason="technical_fault", handoff=HANDOFF
        )
    now = outcomes()
    superseded = (TimerOutcome.SUPERSEDED, None)
    met, missed = (TimerOutcome.MET, True), (TimerOutcome.MISSED, False)
    assert {key: now[key] for key in now if key[2] == 2} == {
        ("late", TimerKind.ACKNOWLEDGE, 2): missed,
        ("late", TimerKind.ANSWER, 2): superseded,
        ("passed on", TimerKind.ACKNOWLEDGE, 2): met,
        ("passed on", TimerKind.ANSWER, 2): superseded,
        ("answered", TimerKind.ACKNOWLEDGE, 2): met,
        ("answered", TimerKind.ANSWER, 2): met,
    }

    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:  # the old schema: no outcome column
            # what the old code recorded: the two answers never given as met, as the real one
            cursor.execute(
                "SELECT COUNT(*) FROM escalations_slatimer WHERE met = %s AND kind = %s",
                [True, TimerKind.ANSWER],
            )
            assert cursor.fetchone()[0] == 3
            # and a breach recorded on a timer stopped as met (a stop at the very deadline)
            breached = SLAEvent.objects.get(level=Level.BREACH).timer_id
            cursor.execute(
                "UPDATE escalations_slatimer SET met = %s WHERE id = %s", [True, breached]
            )
    finally:
        migrate(AFTER)

    assert outcomes() == now
