"""What a person turned off is respected: an email of a kind they do not want is not sent (the
delivery marks it ``not_wanted``; checked when it is delivered, so a change of mind counts for
what is still queued), and the poll says per notification whether it raises a desktop
notification (the switch off: none; else the kinds chosen), in the same number of queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import delivery, outbox, preferences
from notifications.models import (
    InboxKind,
    Loudness,
    Notification,
    NotificationChannel,
    NotificationStatus,
)

POLL = "/notifications/poll/"


def email(users, kind):
    return outbox.notify_users(
        users, event_type="sla.warning", subject="[警告] C-1", payload={"text": "…"}, kind=kind
    )


def test_an_email_of_a_kind_turned_off_is_not_sent(operator, colleague, mailoutbox):
    for user in (operator, colleague):
        user.email = f"{user.username}@example.jp"
        user.save()
    preferences.inbox_settings_update(
        user=operator, actor=operator, email_kinds=[InboxKind.SLA_BREACHED]
    )
    rows = email([operator, colleague], InboxKind.SLA_WARNING)

    outcomes = {row.recipient.username: delivery.deliver(row.pk) for row in rows}

    assert outcomes == {"operator": "not_wanted", "colleague": "sent"}
    assert [m.to for m in mailoutbox] == [["colleague@example.jp"]]
    skipped = Notification.objects.get(recipient=operator)
    assert skipped.status == NotificationStatus.NOT_WANTED
    # a kind still wanted, and an email of no kind (e.g. an administrators' incident), go out
    assert delivery.deliver(email([operator], InboxKind.SLA_BREACHED)[0].pk) == "sent"
    assert delivery.deliver(email([operator], None)[0].pk) == "sent"


def test_a_change_of_mind_counts_for_what_is_still_queued(operator, mailoutbox):
    operator.email = "operator@example.jp"
    operator.save()
    [row] = email([operator], InboxKind.SLA_WARNING)
    preferences.inbox_settings_update(user=operator, actor=operator, email_kinds=[])

    assert delivery.deliver(row.pk) == "not_wanted"
    assert mailoutbox == []


def give(user, kind, loudness):
    outbox.notify_in_app(
        [user],
        kind=kind,
        title="C-1 請求額が違う",
        loudness=loudness,
        payload={"reference": "C-2026-000001", "subject": "請求額が違う"},
    )


def poll(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(POLL)
    return {item["kind"]: item["desktop"] for item in response.json()["items"]}, len(queries)


def test_the_poll_says_which_raise_a_desktop_notification(client, supervisor):
    give(supervisor, InboxKind.ON_HOLD, Loudness.LOUDEST)
    give(supervisor, InboxKind.SLA_WARNING, Loudness.QUIET)
    client.force_login(supervisor)

    defaults, queries_without_row = poll(client)
    assert defaults == {InboxKind.ON_HOLD: True, InboxKind.SLA_WARNING: False}

    preferences.inbox_settings_update(
        user=supervisor, actor=supervisor, desktop_kinds=[InboxKind.SLA_WARNING]
    )
    chosen, queries_with_row = poll(client)
    assert chosen == {InboxKind.ON_HOLD: False, InboxKind.SLA_WARNING: True}

    preferences.inbox_settings_update(user=supervisor, actor=supervisor, desktop_alerts=False)
    switched_off, _ = poll(client)
    assert switched_off == {InboxKind.ON_HOLD: False, InboxKind.SLA_WARNING: False}
    assert queries_with_row == queries_without_row


def test_in_app_rows_are_never_emailed(supervisor):
    give(supervisor, InboxKind.ON_HOLD, Loudness.LOUDEST)
    assert Notification.objects.get().channel == NotificationChannel.IN_APP
