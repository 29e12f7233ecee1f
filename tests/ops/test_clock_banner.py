"""A red banner on every admin page, for managers and administrators, when the last SLA sweep
is older than three intervals, notifications wait longer than the threshold, or deliveries
failed; nobody else sees it."""

import datetime as dt

import pytest
from django.urls import reverse

from ops.outbox import NotificationStatus
from tests.factories import UserFactory
from tests.ops.helpers import notification, sweep_finished

pytestmark = pytest.mark.django_db
BANNER = 'id="sla-clock-banner"'


def page(client, user, name="admin:index"):
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def test_a_running_clock_shows_no_banner(client, manager, settings):
    sweep_finished(dt.timedelta(seconds=settings.SLA_SWEEP_INTERVAL_SECONDS))
    assert BANNER not in page(client, manager)


def test_a_stopped_sweep_shows_the_banner_to_managers_and_administrators(
    client, manager, operator, supervisor, settings
):
    sweep_finished(dt.timedelta(seconds=3 * settings.SLA_SWEEP_INTERVAL_SECONDS + 5))
    administrator = UserFactory(username="admin1", role="administrator")
    for user in (manager, administrator):
        html = page(client, user)
        assert BANNER in html
        assert "No SLA sweep since" in html or "SLA スイープ" in html
        assert BANNER in page(client, user, "admin:escalations_case_changelist")
    for user in (operator, supervisor):
        assert BANNER not in page(client, user)


def test_notifications_waiting_past_the_threshold_show_the_banner(client, manager, settings):
    sweep_finished(dt.timedelta(seconds=1))
    settings.OPS_NOTIFICATION_STUCK_SECONDS = 300
    notification(due_ago=dt.timedelta(seconds=200))
    assert BANNER not in page(client, manager)
    notification(due_ago=dt.timedelta(seconds=400))
    assert BANNER in page(client, manager)


def test_failed_deliveries_show_the_banner(client, manager):
    sweep_finished(dt.timedelta(seconds=1))
    notification(status=NotificationStatus.FAILED)
    assert BANNER in page(client, manager)
