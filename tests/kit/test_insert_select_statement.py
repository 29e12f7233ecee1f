"""``kit.together.insert_select_statement``: rows the database makes from a ``SELECT`` (e.g. a bell
per present member of a team, ``notifications.outbox.notify_team_in_app``), each the row
``bulk_insert`` writes for the template but for the columns given as SQL; a ``Returning`` in
``insert_together``'s (and ``insert_all``'s) ``also``, what it returns read back: in the one
statement for a few rows, run first on the ``COPY`` path (more than ``FEW`` rows)."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone

from kit.bulk import FEW, new
from kit.together import insert_all, insert_select_statement
from notifications.models import Loudness, Notification, NotificationChannel, NotificationStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="INSERT ... SELECT with gen_random_uuid()"
)


def _bells(users) -> tuple:
    now = timezone.now()
    template = new(
        Notification,
        event_id=None,
        event_type="inbox.escalated",
        channel=NotificationChannel.IN_APP,
        recipient_id=None,
        address="",
        subject="件名",
        payload={"reference": "R-1", "n": 1},
        status=NotificationStatus.SENT,
        sent_at=now,
        created_at=now,
        loudness=Loudness.LOUD,
    )
    statement = insert_select_statement(
        template,
        columns={"event_id": "gen_random_uuid()", "recipient_id": "u.id"},
        source="accounts_user AS u WHERE u.id = ANY(%s)",
        params=[[user.pk for user in users]],
        returning="recipient_id",
    )
    return template, statement


def _webhook_rows(count: int) -> list[Notification]:
    return [
        new(
            Notification,
            event_id=uuid.uuid4(),
            event_type="case.created",
            channel=NotificationChannel.WEBHOOK,
            address="http://127.0.0.1:9/",
            subject=f"row {i}",
            payload={"i": i},
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [1, FEW + 1], ids=["one statement", "copy"])
def test_the_rows_made_and_what_they_return(db, count):
    users = [UserFactory() for _ in range(3)]
    template, statement = _bells(users)
    rows = _webhook_rows(count)

    insert_all(rows, also=[statement])

    assert sorted(statement.rows) == sorted(user.pk for user in users)
    assert all(row.pk is not None for row in rows)
    made = Notification.objects.filter(channel=NotificationChannel.IN_APP)
    assert sorted(made.values_list("recipient_id", flat=True)) == sorted(u.pk for u in users)
    assert len({bell.event_id for bell in made}) == 3
    for bell in made:
        assert (
            bell.event_type,
            bell.address,
            bell.subject,
            bell.payload,
            bell.status,
            bell.sent_at,
            bell.created_at,
            bell.loudness,
            bell.intended_recipient_id,
            bell.attempts,
            bell.last_error,
            bell.case_id,
        ) == (
            template.event_type,
            "",
            "件名",
            {"reference": "R-1", "n": 1},
            NotificationStatus.SENT,
            template.sent_at,
            template.created_at,
            Loudness.LOUD,
            None,
            0,
            "",
            None,
        )
