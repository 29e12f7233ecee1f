import datetime as dt

from django.urls import reverse

from escalations import services
from escalations.models import SLATimer, TimerKind
from tests.factories import HANDOFF, UserFactory, make_sla_policy


def _inline_data(prefix, rows, fields):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data[f"{prefix}-{i}-id"] = str(row.pk)
        data[f"{prefix}-{i}-policy"] = str(row.policy_id)
        for name, value in fields(row).items():
            data[f"{prefix}-{i}-{name}"] = value
    return data


def test_saving_a_policy_in_the_admin_moves_the_open_deadlines(client, case, operator):
    policy = make_sla_policy()
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    ack = SLATimer.objects.get(kind=TimerKind.ACKNOWLEDGE)
    before = ack.due_at
    client.force_login(UserFactory(username="root", is_superuser=True))
    hops = list(policy.hop_targets.order_by("to_tier"))
    data = {
        "name": policy.name,
        "calendar": str(policy.calendar_id),
        "is_default": "on",
        "warn_handler_percent": "50",
        "warn_lead_percent": "75",
        **_inline_data(
            "priority_targets",
            list(policy.priority_targets.order_by("priority")),
            lambda t: {
                "priority": str(t.priority),
                "first_response": str(t.first_response),
                "resolution": str(t.resolution),
            },
        ),
        **_inline_data(
            "hop_targets",
            hops,
            lambda t: {
                "to_tier": str(t.to_tier),
                "acknowledge": "0:45:00" if t.to_tier == 2 else str(t.acknowledge),
                "answer": str(t.answer),
            },
        ),
    }
    response = client.post(reverse("admin:escalations_slapolicy_change", args=[policy.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ack.refresh_from_db()
    assert ack.due_at - before == dt.timedelta(minutes=30)
