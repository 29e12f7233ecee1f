"""``kit.together.insert_together`` (and ``insert_all``) write rows referring to new rows of the
same statement (outbox rows without a key, their webhook deliveries): on PostgreSQL in one
statement, each reference found by the referred row's unique field (the event id), not by the
order the rows come back in; elsewhere one INSERT per model, in order. Many rows (more than
``FEW``) go by ``COPY`` with the keys drawn first, and are linked as well."""

import uuid

import pytest
from django.db import connection

from integrations.models import WebhookDelivery, WebhookSubscription
from kit.bulk import FEW, new
from kit.together import insert_all, insert_together
from notifications.models import Notification, NotificationChannel


def _rows(count: int, subscriptions: list[WebhookSubscription]):
    notifications = [
        new(
            Notification,
            event_id=uuid.uuid4(),
            event_type="case.created",
            channel=NotificationChannel.WEBHOOK,
            address=f"http://127.0.0.1:9/{i}",
            subject=f"row {i}",
            payload={"i": i},
        )
        for i in range(count)
    ]
    # the deliveries in the reverse order: each must find its own row whatever the order
    deliveries = [
        new(WebhookDelivery, subscription=subscriptions[i % 2], notification=notifications[i])
        for i in reversed(range(count))
    ]
    return notifications, deliveries


@pytest.fixture
def subscriptions(db):
    return [
        WebhookSubscription.objects.create(name=name, url=f"http://127.0.0.1:9/{name}", secret="s")
        for name in ("a", "b")
    ]


def _check(notifications, deliveries, subscriptions):
    for i, notification in enumerate(notifications):
        assert notification.pk is not None
        delivery = WebhookDelivery.objects.get(notification_id=notification.pk)
        assert delivery.subscription_id == subscriptions[i % 2].pk
        assert Notification.objects.get(pk=notification.pk).subject == f"row {i}"
    for delivery in deliveries:
        assert delivery.pk is not None
        assert delivery.notification_id == delivery.notification.pk


def test_new_rows_and_the_rows_referring_to_them_in_one_statement(
    subscriptions, django_assert_num_queries
):
    notifications, deliveries = _rows(3, subscriptions)

    postgresql = connection.vendor == "postgresql"
    with django_assert_num_queries(1 if postgresql else 2):
        insert_together([*notifications, *deliveries])

    _check(notifications, deliveries, subscriptions)


def test_many_rows_are_copied_then_linked(subscriptions):
    notifications, deliveries = _rows(FEW + 5, subscriptions)

    insert_all([*notifications, *deliveries])

    _check(notifications, deliveries, subscriptions)


def test_a_reference_to_a_new_row_without_a_unique_field_is_refused(subscriptions):
    if connection.vendor != "postgresql":
        pytest.skip("elsewhere the rows are written one model after the other")
    subscription = new(WebhookSubscription, name="c", url="http://127.0.0.1:9/c", secret="s")
    notifications, _deliveries = _rows(1, subscriptions)
    delivery = new(WebhookDelivery, subscription=subscription, notification=notifications[0])

    with pytest.raises(ValueError, match="unique field"):
        insert_together([subscription, *notifications, delivery])
