"""Webhooks go only to http(s) URLs outside this machine and the private network unless
WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on; the delivery log never shows an internal host or port;
deactivating a subscription cancels its waiting deliveries."""

import socket

import pytest
from django.urls import reverse

from integrations.models import WebhookDelivery, WebhookSubscription
from notifications import delivery, outbox
from notifications.models import Notification, NotificationStatus
from tests.factories import TeamFactory, UserFactory, make_case

REFUSED = [
    "ftp://crm.example.jp/hooks",
    "file:///etc/passwd",
    "http://127.0.0.1:8000/admin/",
    "http://localhost/hooks",
    "http://[::1]/hooks",
    "http://10.1.2.3/hooks",
    "http://192.168.0.10/hooks",
    "http://172.16.5.5/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://0.0.0.0/hooks",
]


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-user", role="administrator")


@pytest.fixture
def checked(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


def subscription_form(url, **extra):
    return {
        "name": "CRM",
        "url": url,
        "event_types": ["case.created"],
        "is_active": "on",
        **extra,
    }


@pytest.mark.parametrize("url", REFUSED)
def test_the_admin_refuses_a_subscription_to_an_internal_or_non_http_url(
    client, administrator, checked, url
):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:integrations_webhooksubscription_add"), subscription_form(url)
    )

    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hooks", "ftp://vendor.example.jp/"])
def test_the_admin_refuses_such_a_team_webhook(client, administrator, checked, url):
    team = TeamFactory(name="ベンダー", tier=4)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:accounts_team_change", args=[team.pk]),
        {"name": team.name, "tier": 4, "webhook_url": url, "members": []},
    )

    assert "webhook_url" in response.context["adminform"].form.errors


def test_a_public_https_url_is_accepted(client, administrator, checked, monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 443))]
    )
    client.force_login(administrator)

    response = client.post(
        reverse("admin:integrations_webhooksubscription_add"),
        subscription_form("https://crm.example.jp/hooks"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert WebhookSubscription.objects.get().url == "https://crm.example.jp/hooks"


def test_a_name_that_resolves_inside_is_refused_at_delivery(org, operator, checked, monkeypatch):
    WebhookSubscription.objects.create(
        name="CRM", url="https://crm.example.jp/hooks", event_types=["case.created"]
    )
    make_case(owner=operator)
    row = Notification.objects.get(channel="webhook")
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.5", 443))])

    assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert "10.0.0.5" not in row.last_error and "RefusedAddress" in row.last_error


def test_the_delivery_log_does_not_show_internal_hosts_or_ports(client, org, operator):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    WebhookSubscription.objects.create(
        name="CRM", url=f"http://127.0.0.1:{port}/hooks", event_types=["case.created"]
    )
    make_case(owner=operator)
    row = Notification.objects.get(channel="webhook")

    assert delivery.deliver(row.pk) == "retry"

    row.refresh_from_db()
    assert str(port) not in row.last_error and "127.0.0.1" not in row.last_error
    assert row.last_error == "URLError: the receiver could not be reached"
    admin = UserFactory(username="admin-user", role="administrator")
    client.force_login(admin)
    page = client.get(reverse("admin:integrations_webhookdelivery_changelist"))
    cell = page.content.decode().split('class="field-last_error">', 1)[1].split("</td>", 1)[0]
    assert cell == "URLError: the receiver could not be reached"


def test_deactivating_a_subscription_cancels_its_waiting_deliveries(
    client, org, operator, administrator
):
    subscription = WebhookSubscription.objects.create(
        name="CRM", url="http://127.0.0.1:9/hooks", event_types=["case.created"]
    )
    for _ in range(3):
        make_case(owner=operator)
    rows = list(Notification.objects.filter(webhook_delivery__subscription=subscription))
    client.force_login(administrator)

    client.post(
        reverse("admin:integrations_webhooksubscription_change", args=[subscription.pk]),
        {k: v for k, v in subscription_form(subscription.url).items() if k != "is_active"},
    )

    assert len(rows) == 3
    assert set(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    ) == {NotificationStatus.CANCELLED}
    assert delivery.deliver(rows[0].pk) == "skipped"
    assert outbox.retry_now([r.pk for r in rows]) == 0


def test_a_delivery_of_a_subscription_deactivated_meanwhile_is_cancelled(org, operator):
    subscription = WebhookSubscription.objects.create(
        name="CRM", url="http://127.0.0.1:9/hooks", event_types=["case.created"]
    )
    make_case(owner=operator)
    row = WebhookDelivery.objects.get(subscription=subscription).notification
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    assert delivery.deliver(row.pk) == "cancelled"
    row.refresh_from_db()
    assert row.status == NotificationStatus.CANCELLED
