"""The hold and callback timers ride the same batched sweep: a batch of their warnings or
breaches costs the same statements for one timer as for several (the promisers and the team
leads come with the timers in the sweep's one SELECT)."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations import services
from escalations.models import SLAEvent
from escalations.services import callback_promise
from escalations.services.sla_sweep import sla_sweep
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, give_emails, hold_policy
from tests.factories import HANDOFF, make_case

START = SATURDAY_EVENING


@pytest.fixture
def setup(org, operator, colleague, supervisor):
    org["l1"].lead = colleague
    org["l1"].save()
    give_emails(operator, colleague, supervisor)
    hold_policy()


def sweep_queries(moment) -> int:
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as ctx:
        sla_sweep()
    return len(ctx.captured_queries)


def promise(count, operator):
    with time_machine.travel(START, tick=False):
        for _ in range(count):
            callback_promise(
                case=make_case(owner=operator),
                actor=operator,
                number="090-1234-5678",
                window_start=START + 30 * MIN,
                window_end=START + 60 * MIN,
            )


def hold(count, operator):
    with time_machine.travel(START, tick=False):
        for _ in range(count):
            case = services.case_start_work(case=make_case(owner=operator), actor=operator)
            services.case_escalate(
                case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
            )


@pytest.mark.parametrize("make", [promise, hold], ids=["callbacks", "holds"])
def test_one_or_five_breaches_cost_the_same(setup, operator, make):
    make(1, operator)
    one = sweep_queries(START + 3 * MIN if make is hold else START + 61 * MIN)
    fired = SLAEvent.objects.count()
    make(5, operator)
    five = sweep_queries(START + 4 * MIN if make is hold else START + 62 * MIN)

    assert fired == 3  # the late sweep skips both warnings and records the breach
    assert SLAEvent.objects.count() - fired == 5 * 3
    assert one == five
