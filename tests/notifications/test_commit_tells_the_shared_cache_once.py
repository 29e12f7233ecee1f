"""What a write tells the shared cache when it commits (its bells' and lists' live versions, the
delivery flag of its outbox rows) goes in one round trip (``notifications.oncommit``); a cache
or broker that fails after the commit loses nothing: the rows stay pending and the periodic
delivery sends them, and the write itself is not turned into an error."""

import pytest
import redis
from django.db import transaction

from notifications import live, oncommit, outbox, tasks
from notifications.models import Notification, NotificationStatus


@pytest.fixture
def trips(monkeypatch):
    """Each round trip to the shared cache made after a commit: (flag asked, keys set)."""
    made: list[tuple[bool, set[str]]] = []
    real = oncommit.add_and_set_many

    def counted(cache, *, add=None, values=None, timeout=None):
        made.append((add is not None, set(values or {})))
        return real(cache, add=add, values=values, timeout=timeout)

    monkeypatch.setattr(oncommit, "add_and_set_many", counted)
    return made


def a_write(operator, colleague) -> Notification:
    """An email (a row to deliver), a bell for the colleague, a case list's scope changed."""
    [row] = outbox.notify_users(
        [operator], event_type="sla.warning", subject="[警告] C-2026-000001", payload={}
    )
    outbox.notify_in_app([colleague], kind="escalated", title="エスカレーション")
    outbox.bump_scopes_on_commit({"cases:team:1"})
    return row


def test_one_round_trip_for_the_flag_and_every_version(
    operator, colleague, emails, enqueued, trips, django_capture_on_commit_callbacks
):
    before = live.version(colleague.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        a_write(operator, colleague)

    assert len(callbacks) == 1
    assert trips == [
        (True, {f"inbox-version:{colleague.pk}", "scope-version:cases:team:1"}),
    ]
    assert enqueued == [1]
    assert live.shared_cache().get(tasks.QUEUED) == 1
    assert live.version(colleague.pk) != before


def test_a_cache_down_after_the_commit_loses_no_delivery(
    operator,
    colleague,
    emails,
    enqueued,
    mailoutbox,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    def down(*args, **kwargs):
        raise redis.ConnectionError("Redis down")

    monkeypatch.setattr(oncommit, "add_and_set_many", down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = a_write(operator, colleague)  # committed; no error reaches the caller

    assert enqueued == []
    assert "periodic delivery" in caplog.text
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.PENDING
    assert tasks.deliver_due_notifications() == {"sent": 1}  # beat's periodic task
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT
    assert [m.to for m in mailoutbox] == [["operator@example.jp"]]


def test_a_broker_down_after_the_commit_leaves_no_flag_and_loses_no_delivery(
    operator,
    colleague,
    emails,
    mailoutbox,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    def broker_down():
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver_queued_notifications, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = a_write(operator, colleague)

    assert live.shared_cache().get(tasks.QUEUED) is None  # the next commit tries again
    assert "broker refused" in caplog.text
    assert tasks.deliver_due_notifications() == {"sent": 1}
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT


def test_a_savepoint_rolled_back_drops_what_it_asked_first_and_the_next_call_registers_anew(
    operator, colleague, emails, enqueued, trips, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            oncommit.after_commit(users=[operator.pk])
            raise RuntimeError("rolled back")
        oncommit.after_commit(scopes=["cases:team:1"], deliver=True)
        oncommit.after_commit(users=[colleague.pk])

    assert trips == [(True, {"scope-version:cases:team:1", f"inbox-version:{colleague.pk}"})]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_is_sent_at_once(enqueued, trips):
    oncommit.after_commit(users=[7], deliver=True)

    assert trips == [(True, {"inbox-version:7"})]
    assert enqueued == [1]


def test_nothing_is_sent_for_a_transaction_rolled_back(
    operator, colleague, emails, enqueued, trips, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        a_write(operator, colleague)
        raise RuntimeError("the caller's work failed")

    assert trips == [] and enqueued == []
