"""Delivery of subscription webhooks through the outbox: signed with the subscription's own
secret (HMAC-SHA256 over ``timestamp.body``), retried while the receiver refuses, and shown in
the admin's delivery log, from where it can be retried."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import WebhookDelivery, WebhookSubscription
from notifications import delivery
from notifications.models import Notification, NotificationStatus
from tests.factories import UserFactory, make_case

SECRET = "subscription-secret"


class Receiver:
    """Answers 200 to requests signed with ``SECRET``, 401 otherwise."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Escalation-Timestamp"]
                mac = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
                signed = hmac.compare_digest(
                    self.headers["X-Escalation-Signature"], f"sha256={mac.hexdigest()}"
                )
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(200 if signed else 401)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def subscribe(url, secret=SECRET):
    return WebhookSubscription.objects.create(
        name="CRM", url=url, secret=secret, event_types=["case.created"]
    )


def test_a_subscription_webhook_is_signed_with_its_secret_and_delivered(org, operator, receiver):
    subscribe(receiver.url)
    case = make_case(owner=operator)
    row = Notification.objects.get(event_type="case.created")

    assert delivery.deliver(row.pk) == "sent"

    (request,) = receiver.requests
    body = json.loads(request["body"])
    assert (body["type"], body["case"]["reference"]) == ("case.created", case.reference)
    assert request["headers"]["X-Escalation-Event"] == "case.created"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)


def test_a_wrong_secret_is_refused_by_the_receiver_and_retried(org, operator, receiver):
    subscribe(receiver.url, secret="not-the-receivers")
    make_case(owner=operator)
    row = Notification.objects.get(event_type="case.created")

    assert delivery.deliver(row.pk) == "retry"

    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)
    assert "401" in row.last_error


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-user", role="administrator")


def test_the_delivery_log_shows_each_delivery_and_retries_it(
    client, org, operator, administrator, receiver
):
    subscribe(receiver.url, secret="wrong")
    for _ in range(3):
        make_case(owner=operator)
    rows = list(Notification.objects.filter(event_type="case.created"))
    for row in rows:
        delivery.deliver(row.pk)
    client.force_login(administrator)

    page = client.get(reverse("admin:integrations_webhookdelivery_changelist"))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("案件作成") >= 3  # the event by its label, not its code
    assert ">case.created<" not in html
    assert "HTTPError" in html
    response = client.post(
        reverse("admin:integrations_webhookdelivery_changelist"),
        {
            "action": "retry",
            "_selected_action": list(WebhookDelivery.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    now = timezone.now()
    assert all(
        n.next_attempt_at <= now and n.status == NotificationStatus.PENDING
        for n in Notification.objects.filter(pk__in=[r.pk for r in rows])
    )


def test_subscriptions_are_managed_in_the_admin_by_administrators(client, administrator, operator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:integrations_webhooksubscription_add"),
        {
            "name": "CRM",
            "url": "https://crm.example.jp/hooks",
            "new_secret": "s",
            "event_types": ["case.created", "sla.breached"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert WebhookSubscription.objects.get().event_types == ["case.created", "sla.breached"]
    client.force_login(operator)
    assert (
        client.get(reverse("admin:integrations_webhooksubscription_changelist")).status_code == 403
    )
