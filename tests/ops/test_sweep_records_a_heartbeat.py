"""Every SLA sweep records when it finished (the heartbeat the banner and /readyz read)."""

import datetime as dt

import pytest
from django.utils import timezone

from escalations.services.sla_sweep import sla_sweep
from ops.models import SweepHeartbeat
from ops.status import clock_status

pytestmark = pytest.mark.django_db


def test_a_sweep_records_its_heartbeat():
    assert SweepHeartbeat.objects.get(pk=1).finished_at is None  # made by the migration
    assert "sweep_stopped" in clock_status().problems
    now = timezone.now()
    sla_sweep(now=now)
    assert SweepHeartbeat.objects.get(pk=1).finished_at == now
    assert "sweep_stopped" not in clock_status().problems
    later = now + dt.timedelta(seconds=30)
    sla_sweep(now=later)
    assert SweepHeartbeat.objects.get(pk=1).finished_at == later


def test_a_missing_heartbeat_row_is_made_again():
    SweepHeartbeat.objects.all().delete()
    now = timezone.now()
    sla_sweep(now=now)
    assert SweepHeartbeat.objects.get(pk=1).finished_at == now
