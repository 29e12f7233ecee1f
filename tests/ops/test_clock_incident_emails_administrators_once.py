"""When the SLA clock stops, administrators get one email per incident, sent from the web
side (``/readyz``, polled by the load balancer), not through the worker's outbox."""

import datetime as dt

import pytest
from django.core import mail

from ops.models import ClockIncident
from tests.factories import UserFactory
from tests.ops.helpers import sweep_finished

pytestmark = pytest.mark.django_db


def test_one_email_per_incident(client, manager, settings):
    UserFactory(username="admin1", email="admin1@example.jp", role="administrator")
    UserFactory(username="admin2", email="admin2@example.jp", role="administrator")
    stale = dt.timedelta(seconds=4 * settings.SLA_SWEEP_INTERVAL_SECONDS)

    sweep_finished(stale)
    client.get("/readyz")
    client.get("/readyz")
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["admin1@example.jp", "admin2@example.jp"]
    assert "SLA" in mail.outbox[0].subject
    assert ClockIncident.objects.filter(closed_at__isnull=True).count() == 1

    sweep_finished(dt.timedelta(seconds=1))  # the clock runs again: the incident closes
    client.get("/readyz")
    assert not ClockIncident.objects.filter(closed_at__isnull=True).exists()
    assert len(mail.outbox) == 1

    sweep_finished(stale)  # a new incident: a new email
    client.get("/readyz")
    assert len(mail.outbox) == 2


def test_no_email_when_switched_off(client, settings):
    UserFactory(username="admin1", email="admin1@example.jp", role="administrator")
    settings.OPS_INCIDENT_EMAILS = False
    sweep_finished(dt.timedelta(hours=1))
    client.get("/readyz")
    assert mail.outbox == []
