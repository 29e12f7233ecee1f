import datetime as dt

import time_machine
from django.utils import timezone

from escalations import services
from escalations.models import CaseStatus, Level, SLAEvent, SLATimer, TimerKind
from escalations.services.sla_sweep import sla_sweep
from tests.factories import HANDOFF, make_sla_policy


def test_an_unacknowledged_escalation_is_escalated_further_once(case, operator, org):
    make_sla_policy()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        hop = services.case_escalate(
            case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
        )
    ack = SLATimer.objects.get(escalation=hop, kind=TimerKind.ACKNOWLEDGE)
    assert ack.due_at == start + dt.timedelta(minutes=15)
    assert ack.next_fire_at == start + dt.timedelta(minutes=7, seconds=30)

    later = start + dt.timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        first = sla_sweep()
        second = sla_sweep()
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED and case.tier == 3
    assert case.assigned_team == org["l3"] and case.owner == operator
    assert first.escalated == 1 and second.escalated == 0
    levels = sorted(SLAEvent.objects.filter(timer=ack).values_list("level", flat=True))
    assert levels == [Level.WARN_HANDLER, Level.WARN_LEAD, Level.BREACH]
    last = case.history.first()
    assert last.history_user.username == "system"
    assert last.history_change_reason.startswith("escalate_further: SLA")
    assert case.escalations.get(number=2).is_automatic
