"""``/metrics``: Prometheus text with django-prometheus's request metrics and our gauges,
only for the scraper (an allowed address or the bearer token); the gauges move when cases
fall due and are swept."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from escalations import services
from escalations.services.sla_sweep import sla_sweep
from ops.outbox import NotificationStatus
from tests.factories import HANDOFF, CustomerFactory, make_case, make_sla_policy
from tests.ops.helpers import notification

pytestmark = pytest.mark.django_db


def metrics(client, **extra) -> dict[str, float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    values = {}
    for line in response.content.decode().splitlines():
        if line.startswith("escalation_"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    assert "# TYPE django_http_requests_latency_seconds_by_view_method histogram" in (
        response.content.decode()
    )
    return values


def test_other_addresses_get_404_unless_they_bring_the_token(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.9"]
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert metrics(client, HTTP_AUTHORIZATION="Bearer scrape-secret") is not None


def test_the_gauges_move_when_cases_fall_due_and_are_swept(client, org, operator):
    make_sla_policy()
    start = timezone.now() - dt.timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            case = make_case(owner=operator, customer=CustomerFactory())
            services.case_start_work(case=case, actor=operator)
            services.case_escalate(
                case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
            )
    notification(status=NotificationStatus.FAILED)

    before = metrics(client)
    assert before['escalation_open_cases{status="escalated",tier="L2"}'] == 3
    assert before["escalation_sla_sweep_lag_seconds"] > 30 * 60  # due since 45 minutes
    assert before["escalation_outbox_failed"] == 1
    assert before['escalation_sla_events_last_minute{kind="breach"}'] == 0

    sla_sweep()

    after = metrics(client)
    assert after["escalation_sla_sweep_lag_seconds"] == 0
    assert after['escalation_open_cases{status="escalated",tier="L3"}'] == 3
    assert 'escalation_open_cases{status="escalated",tier="L2"}' not in after
    assert after['escalation_sla_events_last_minute{kind="breach"}'] >= 3
    assert after['escalation_sla_events_last_minute{kind="warning"}'] >= 3
    assert after["escalation_sla_sweep_last_finished_age_seconds"] < 60


def test_the_outbox_gauges_count_what_waits(client):
    assert metrics(client)["escalation_outbox_backlog"] == 0
    notification(due_ago=dt.timedelta(minutes=2))
    notification()
    values = metrics(client)
    assert values["escalation_outbox_backlog"] == 2
    assert values["escalation_outbox_oldest_pending_age_seconds"] >= 120
