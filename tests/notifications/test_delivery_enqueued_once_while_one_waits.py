"""A write that queues outbox rows enqueues a delivery task when it commits, unless one waits in
the queue already: that one delivers its rows too (it reads the rows due once it has started).
Nothing is lost: a task lost with its flag set leaves its rows to the periodic delivery."""

import pytest
from django.db import transaction

from notifications import live, outbox, tasks
from notifications.models import Notification, NotificationStatus


def write(user, capture) -> Notification:
    with capture(execute=True):
        [row] = outbox.notify_users(
            [user], event_type="sla.warning", subject="[警告] C-2026-000001", payload={}
        )
    return row


def test_writes_committed_while_a_task_waits_enqueue_none_and_it_delivers_them_all(
    operator, colleague, emails, enqueued, mailoutbox, django_capture_on_commit_callbacks
):
    first = write(operator, django_capture_on_commit_callbacks)
    second = write(colleague, django_capture_on_commit_callbacks)

    assert enqueued == [1]  # the second write found the first one's task waiting

    assert tasks.deliver_queued_notifications() == {"sent": 2}  # the worker runs it
    assert {Notification.objects.get(pk=row.pk).status for row in (first, second)} == {
        NotificationStatus.SENT
    }
    assert sorted(m.to[0] for m in mailoutbox) == ["colleague@example.jp", "operator@example.jp"]

    write(operator, django_capture_on_commit_callbacks)  # none waits now: a task again
    assert enqueued == [1, 1]


def test_a_task_that_started_lets_the_next_write_enqueue_another(
    operator, colleague, emails, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    write(operator, django_capture_on_commit_callbacks)
    later = []

    def deliver_and_meanwhile_a_write_commits(ids):
        # the task cleared its flag before reading the rows due: a write committing now
        # enqueues its own task (whichever reads the row first delivers it, once)
        later.append(write(colleague, django_capture_on_commit_callbacks))
        return {"sent": len(ids)}

    monkeypatch.setattr(tasks, "deliver_notifications", deliver_and_meanwhile_a_write_commits)
    tasks.deliver_queued_notifications()

    assert enqueued == [1, 1]
    assert later


def test_a_task_lost_with_its_flag_set_leaves_the_rows_to_the_periodic_delivery(
    operator, emails, enqueued, mailoutbox, django_capture_on_commit_callbacks
):
    live.shared_cache().set(tasks.QUEUED, 1, tasks.QUEUED_FOR)  # a task enqueued, then lost

    row = write(operator, django_capture_on_commit_callbacks)

    assert enqueued == []
    assert tasks.deliver_due_notifications() == {"sent": 1}
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT
    assert len(mailoutbox) == 1


def test_no_task_is_enqueued_for_a_write_that_rolls_back(
    operator, emails, enqueued, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.notify_users([operator], event_type="sla.warning", subject="x", payload={})
        raise RuntimeError("the caller's work failed")

    assert enqueued == []
    assert live.shared_cache().get(tasks.QUEUED) is None


def test_a_broker_that_refuses_the_task_leaves_no_flag(
    operator, emails, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down():
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver_queued_notifications, "delay", broker_down)
    row = write(operator, django_capture_on_commit_callbacks)  # logged, not raised

    assert live.shared_cache().get(tasks.QUEUED) is None  # the next commit tries again
    assert tasks.deliver_due_notifications() == {"sent": 1}  # the periodic delivery
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT
