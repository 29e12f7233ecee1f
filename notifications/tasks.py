"""Celery tasks: deliver outbox rows (thin wrappers around :mod:`notifications.delivery`)."""

from celery import shared_task

from notifications import delivery


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_notifications(ids: list[int]) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for pk in ids:
        outcome = delivery.deliver(pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="notifications.deliver_due", ignore_result=True)
def deliver_due_notifications() -> dict[str, int]:
    """Periodic: picks up what was never enqueued (broker down) or is due for a retry."""
    return deliver_notifications(delivery.due_notification_ids())
