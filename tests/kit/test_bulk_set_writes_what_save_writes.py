"""``bulk_set`` writes each object's fields as ``save(update_fields=...)`` would: on PostgreSQL
the rows travel as one JSON parameter and are cast back by the columns' types, so every kind
of value the sweep writes (texts, choices, numbers, foreign keys, NULLs, aware times with
microseconds, durations, booleans) must come back exactly."""

import datetime as dt

from django.forms.models import model_to_dict
from django.utils import timezone

from escalations.models import CaseStatus, Level, SLATimer, TimerKind, TimerOutcome
from kit.bulk import bulk_set
from tests.factories import make_case, make_sla_policy


def test_every_kind_of_value_comes_back_as_saved(operator, org):
    policy = make_sla_policy()
    cases = [make_case(owner=operator) for _ in range(3)]
    now = timezone.now().replace(microsecond=123456)
    timers = [
        SLATimer.objects.create(
            case=case,
            kind=TimerKind.RESOLUTION,
            policy=policy,
            budget=dt.timedelta(hours=8),
            started_at=now,
            running_since=now,
        )
        for case in cases
    ]
    fields = ["due_at", "next_level", "next_fire_at", "consumed", "met", "outcome", "stopped_at"]
    expected = []
    for i, timer in enumerate(timers):
        timer.due_at = now + dt.timedelta(days=i, seconds=7, microseconds=1)
        timer.next_level = Level.BREACH if i else None  # an enum member, and NULL
        timer.next_fire_at = None if i == 2 else now - dt.timedelta(microseconds=999999)
        timer.consumed = dt.timedelta(days=-1 if i == 1 else 2, seconds=59, microseconds=5)
        timer.met = [True, None, False][i]  # as the outcome says (a check constraint)
        timer.outcome = [TimerOutcome.MET, "", TimerOutcome.MISSED][i]
        timer.stopped_at = now if i == 1 else None
        expected.append({f: getattr(timer, f) for f in fields})

    assert bulk_set(timers, fields) == 3
    for timer, values in zip(timers, expected, strict=True):
        timer.refresh_from_db()
        assert {f: getattr(timer, f) for f in fields} == values

    for case in cases:
        case.tier, case.assigned_team, case.handler = 3, org["l2"], None
    cases[0].subject = "請求額が違う\t'タブ' \\ \"引用\" \n改行"
    before = [model_to_dict(type(c).objects.get(pk=c.pk)) for c in cases]
    bulk_set(cases, ["subject", "tier", "assigned_team", "handler"])
    for case, row in zip(cases, before, strict=True):
        row.update(subject=case.subject, tier=3, assigned_team=org["l2"].pk, handler=None)
        assert model_to_dict(type(case).objects.get(pk=case.pk)) == row
    assert type(cases[0]).objects.get(pk=cases[0].pk).status != CaseStatus.CLOSED
