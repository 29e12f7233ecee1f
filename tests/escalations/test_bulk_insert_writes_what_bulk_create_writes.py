"""``bulk.new`` builds the instance ``Model(**values)`` builds, and ``bulk_insert`` (COPY on
PostgreSQL, one INSERT for a few rows) writes the rows ``bulk_create`` writes: keys set on the
objects, foreign keys taken from related objects saved after they were assigned, choices as
their values, JSON payloads shared by several rows, ``auto_now`` fields stamped, NULLs kept."""

import datetime as dt
import uuid

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from escalations.models import Escalation, Level, Reason, SLAEvent, SLATimer, TimerKind
from kit.bulk import FEW, bulk_insert, new
from notifications.models import Notification, NotificationChannel
from tests.factories import make_case, make_sla_policy


def notification_values(case, user, payload):
    return {
        "event_id": uuid.uuid4(),
        "event_type": "sla.breached",
        "channel": NotificationChannel.EMAIL,
        "recipient": user,
        "address": "sv@example.jp",
        "subject": "[違反] 請求額が違う",
        "payload": payload,
        "case": case,
    }


def comparable(obj, *, skip=("id", "event_id", "created_at", "next_attempt_at")):
    row = type(obj).objects.get(pk=obj.pk)
    return {k: v for k, v in model_to_dict(row).items() if k not in skip}


def test_new_builds_the_instance_the_constructor_builds(operator):
    case = make_case(owner=operator)
    payload = {"text": "期限超過", "due_at": "2026-11-23T10:00:00Z"}
    built, made = (
        new(Notification, **notification_values(case, operator, payload)),
        Notification(**notification_values(case, operator, payload)),
    )
    skip = {"_state", "event_id", "created_at", "next_attempt_at"}
    assert {k: v for k, v in vars(built).items() if k not in skip} == {
        k: v for k, v in vars(made).items() if k not in skip
    }
    assert built.recipient is operator and built.case is case  # cached, no query
    assert built._state.adding and built.pk is None


def test_new_refuses_a_field_the_model_does_not_have(db):
    with pytest.raises(TypeError, match="unexpected field 'colour'"):
        new(Notification, colour="red")


@pytest.mark.parametrize("copies", [1, FEW], ids=["a few rows: one INSERT", "more: COPY"])
def test_inserted_rows_equal_bulk_created_ones(copies, operator, supervisor, org):
    make_sla_policy()
    case = make_case(owner=operator)
    shared = {"text": "共有の本文", "n": 1, "nested": {"a": [1, 2]}}
    users = [operator, supervisor] * copies
    inserted = bulk_insert(
        [new(Notification, **notification_values(case, u, shared)) for u in users]
    )
    created = Notification.objects.bulk_create(
        [Notification(**notification_values(case, u, shared)) for u in users]
    )
    assert all(n.pk and not n._state.adding for n in inserted)
    assert [comparable(n) for n in inserted] == [comparable(n) for n in created]
    assert Notification.objects.get(pk=inserted[0].pk).payload == shared


def test_foreign_keys_of_objects_saved_after_assignment_are_written(operator, org):
    policy = make_sla_policy()
    case = make_case(owner=operator)
    now = timezone.now()
    hop = new(
        Escalation,
        case=case,
        number=1,
        from_tier=1,
        to_tier=2,
        to_team=org["l2"],
        reason=Reason.KNOWLEDGE_GAP,
        customer_wants="返金",
        tried="説明",
        customer_mood="calm",
        requested_by=operator,
        requested_at=now,
    )
    timer = new(
        SLATimer,
        case=case,
        escalation=hop,  # assigned while the hop has no key yet
        kind=TimerKind.ACKNOWLEDGE,
        policy=policy,
        budget=dt.timedelta(minutes=15),
        started_at=now,
        running_since=now,
        due_at=now + dt.timedelta(minutes=15),
        next_level=Level.WARN_HANDLER,
    )
    bulk_insert([hop])
    bulk_insert([timer])
    event = new(SLAEvent, timer=timer, case=case, level=Level.BREACH, fired_at=now, due_at=now)
    bulk_insert([event])
    stored = SLATimer.objects.get(pk=timer.pk)
    assert stored.escalation_id == hop.pk and stored.kind == "acknowledge"
    assert (stored.next_level, stored.stopped_at, stored.met) == (1, None, None)
    assert SLAEvent.objects.get(pk=event.pk).timer_id == timer.pk
    assert Escalation.objects.get(pk=hop.pk).reason == "knowledge_gap"


NEXT_HOP = (
    "(SELECT COALESCE(MAX(number), 0) + 1 FROM escalations_escalation WHERE case_id = %s)",
    lambda hop: [hop.case_id],
)


def a_hop(case, org, operator):
    return new(
        Escalation,
        case=case,
        from_tier=1,
        to_tier=2,
        to_team=org["l2"],
        reason=Reason.KNOWLEDGE_GAP,
        requested_by=operator,
        requested_at=timezone.now(),
    )


@pytest.mark.postgres
def test_a_column_drawn_in_the_insert_is_read_back(operator, org):
    case, other = make_case(owner=operator), make_case(owner=operator)
    bulk_insert([a_hop(case, org, operator)], drawn={"number": NEXT_HOP})

    hops = bulk_insert(
        [a_hop(case, org, operator), a_hop(other, org, operator)], drawn={"number": NEXT_HOP}
    )

    assert [hop.number for hop in hops] == [2, 1]
    assert [Escalation.objects.get(pk=hop.pk).number for hop in hops] == [2, 1]


def test_columns_are_drawn_only_for_a_few_new_rows_on_postgresql(operator, org, db):
    from django.db import connection

    case = make_case(owner=operator)
    too_many = [a_hop(case, org, operator) for _ in range(FEW + 1)]
    with pytest.raises(ValueError):
        bulk_insert(too_many, drawn={"number": NEXT_HOP})
    if connection.vendor != "postgresql":
        with pytest.raises(ValueError):
            bulk_insert([a_hop(case, org, operator)], drawn={"number": NEXT_HOP})
