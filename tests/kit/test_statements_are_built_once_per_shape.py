"""The kit's INSERT statements are built once per shape and kept for the process
(``insert_returning``, ``insert_select_statement``, the history rows' columns): a statement of
another shape (another number of rows, keys given or not, other columns drawn by the
database, another source) is its own, and writes its own rows right; the values are the
call's own, never a kept one's."""

import uuid

import pytest
from django.db import connection

from escalations.models import Customer
from integrations.models import WebhookDelivery, WebhookSubscription
from kit.bulk import bulk_history, bulk_insert, insert_returning, new, rows_to_insert
from kit.together import insert_all, insert_select_statement, insert_together
from notifications.models import Notification, NotificationChannel, NotificationStatus
from tests.factories import UserFactory

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="INSERT ... RETURNING and ... SELECT: PostgreSQL"
)


def _webhook_rows(count: int, tag: str) -> list[Notification]:
    return [
        new(
            Notification,
            event_id=uuid.uuid4(),
            event_type="case.created",
            channel=NotificationChannel.WEBHOOK,
            address=f"http://127.0.0.1:9/{tag}/{i}",
            subject=f"{tag} {i}",
            payload={"tag": tag, "i": i},
        )
        for i in range(count)
    ]


def _stored(rows: list[Notification]) -> list[tuple]:
    by_key = Notification.objects.in_bulk([row.pk for row in rows])
    return [
        (by_key[row.pk].event_id, by_key[row.pk].subject, by_key[row.pk].payload) for row in rows
    ]


@postgresql
def test_each_number_of_rows_has_its_own_statement(db):
    written = []
    for count, tag in [(1, "a"), (3, "b"), (1, "c"), (2, "d")]:
        rows = _webhook_rows(count, tag)

        bulk_insert(rows)  # a few new rows: one INSERT ... RETURNING

        assert _stored(rows) == [(row.event_id, row.subject, row.payload) for row in rows]
        written += rows
    assert len({row.pk for row in written}) == 7 == Notification.objects.count()


@postgresql
def test_rows_with_their_keys_and_without_have_their_own_statements(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('notifications_notification', 'id')) "
            "FROM generate_series(1, 2)"
        )
        keys = [key for (key,) in cursor.fetchall()]
    keyed, keyless = _webhook_rows(2, "keyed"), _webhook_rows(2, "keyless")
    for row, key in zip(keyed, keys, strict=True):
        row.pk = key

    returned = []
    for rows in (keyed, keyless):
        sql, params, fields = insert_returning(rows, *rows_to_insert(rows))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            returned.append([key for (key,) in cursor.fetchall()])
        assert [field.attname for field in fields] == ["id"]

    assert returned[0] == keys
    assert len(set(returned[1]) - set(keys)) == 2
    for rows, keys_returned in zip((keyed, keyless), returned, strict=True):
        for row, key in zip(rows, keys_returned, strict=True):
            assert Notification.objects.get(pk=key).subject == row.subject


def test_rows_referring_to_new_rows_of_another_part_each_find_theirs(db):
    subscription = WebhookSubscription.objects.create(
        name="a", url="http://127.0.0.1:9/a", secret="s"
    )
    # the notification's INSERT first, then second in the statement: the delivery's reference
    # drawn from another part; then a delivery to a saved notification (nothing drawn)
    first = _webhook_rows(1, "first")
    first_delivery = new(WebhookDelivery, subscription=subscription, notification=first[0])
    insert_together([*first, first_delivery])

    before = new(WebhookSubscription, name="b", url="http://127.0.0.1:9/b", secret="s")
    second = _webhook_rows(1, "second")
    second_delivery = new(WebhookDelivery, subscription=subscription, notification=second[0])
    insert_together([before, *second, second_delivery])

    saved = bulk_insert(_webhook_rows(1, "saved"))
    saved_delivery = new(WebhookDelivery, subscription=subscription, notification=saved[0])
    insert_together([saved_delivery])

    for delivery, notification in [
        (first_delivery, first[0]),
        (second_delivery, second[0]),
        (saved_delivery, saved[0]),
    ]:
        assert WebhookDelivery.objects.get(pk=delivery.pk).notification_id == notification.pk
    assert before.pk is not None


def _bells(*, subject: str, columns: dict[str, str], source: str, params: list):
    template = new(
        Notification,
        event_id=None,
        event_type="inbox.escalated",
        channel=NotificationChannel.IN_APP,
        recipient_id=None,
        address="",
        subject=subject,
        payload={"subject": subject},
        status=NotificationStatus.SENT,
    )
    return insert_select_statement(
        template,
        columns={"event_id": "gen_random_uuid()", "recipient_id": "u.id", **columns},
        source=source,
        params=params,
        returning="recipient_id",
    )


@postgresql
def test_each_insert_select_has_its_own_columns_source_and_values(db):
    users = [UserFactory() for _ in range(3)]
    some = "accounts_user AS u WHERE u.id = ANY(%s)"
    one = "accounts_user AS u WHERE u.id = %s"
    statements = [
        _bells(subject="first", columns={}, source=some, params=[[u.pk for u in users[:2]]]),
        _bells(subject="", columns={"subject": "u.username"}, source=one, params=[users[2].pk]),
        _bells(subject="again", columns={}, source=some, params=[[users[0].pk]]),
    ]

    insert_all([], also=statements)

    assert [sorted(statement.rows) for statement in statements] == [
        sorted(u.pk for u in users[:2]),
        [users[2].pk],
        [users[0].pk],
    ]
    made = Notification.objects.filter(channel=NotificationChannel.IN_APP)
    assert sorted((bell.recipient_id, bell.subject, bell.payload["subject"]) for bell in made) == (
        sorted(
            [
                (users[0].pk, "first", "first"),
                (users[1].pk, "first", "first"),
                (users[2].pk, users[2].username, ""),
                (users[0].pk, "again", "again"),
            ]
        )
    )


def test_the_history_rows_of_each_model_copy_that_models_columns(db):
    subscription = new(WebhookSubscription, name="hook", url="http://127.0.0.1:9/h", secret="s")
    customer = new(Customer, name="顧客", external_id="C-1")
    for obj in (subscription, customer):
        bulk_insert([obj])
        obj._change_reason = "made here"

    bulk_history([subscription])
    bulk_history([customer])

    hooks = WebhookSubscription.history.filter(id=subscription.pk)
    customers = Customer.history.filter(id=customer.pk)
    assert list(hooks.values_list("name", "url", "history_change_reason")) == [
        ("hook", "http://127.0.0.1:9/h", "made here")
    ]
    assert list(customers.values_list("name", "external_id", "history_change_reason")) == [
        ("顧客", "C-1", "made here")
    ]


def test_the_statement_is_kept_per_model_so_other_fields_are_refused():
    """``insert_returning``'s statement is kept per model (hashing its fields cost more than
    the lookup): a caller passing fields other than ``rows_to_insert``'s for the objects is
    refused rather than given a statement of other columns."""
    rows = _webhook_rows(1, "fields")
    fields, row_of = rows_to_insert(rows)
    assert insert_returning(rows, fields, row_of)[0].startswith("INSERT INTO")
    with pytest.raises(ValueError, match="rows_to_insert"):
        insert_returning(rows, [field for field in fields if field.attname != "subject"], row_of)
