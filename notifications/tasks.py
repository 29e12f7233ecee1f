"""Celery tasks: deliver outbox rows (thin wrappers around :mod:`notifications.delivery`).

A write that queues outbox rows enqueues one delivery task when it commits
(:func:`enqueue_delivery`), unless one waits in the queue already: that one delivers them too,
for it reads the rows due only once it has started (after clearing its flag). So a burst of
requests enqueues a few tasks, not one each; nothing is lost (a row whose task was lost is
picked up by the periodic ``deliver_due``, as when the broker is down)."""

import logging

from celery import shared_task

from notifications import delivery, live

logger = logging.getLogger(__name__)

# Set while a ``deliver_queued`` task waits in the queue (in the cache every process shares).
QUEUED = "notifications:delivery-queued"
# A task lost with its flag set (a worker killed before it started) holds the next ones back
# this long at most; the periodic ``deliver_due`` delivers its rows meanwhile.
QUEUED_FOR = 60  # seconds


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


def enqueue_delivery() -> None:
    """Enqueue ``deliver_queued`` unless one waits in the queue already (call it once the rows
    to deliver are committed). A write's commit sets the flag in the same round trip as its live
    versions instead (``notifications.oncommit``), then calls :func:`enqueue_flagged`."""
    if live.shared_cache().add(QUEUED, 1, QUEUED_FOR):
        enqueue_flagged()
    # else the waiting task reads the rows due when it starts: these are among them


def enqueue_flagged() -> None:
    """Enqueue ``deliver_queued``, its flag (``QUEUED``) just set by the caller; a broker that
    refuses it clears the flag (the next commit tries again) and raises."""
    try:
        deliver_queued_notifications.delay()
    except BaseException:
        try:
            live.shared_cache().delete(QUEUED)
        except Exception:  # the cache is down too: the flag expires within QUEUED_FOR
            logger.exception("The delivery flag could not be cleared")
        raise


@shared_task(name="notifications.deliver_queued", ignore_result=True)
def deliver_queued_notifications() -> dict[str, int]:
    """Enqueued by :func:`enqueue_delivery`: clears its flag first, then delivers every row
    due, those committed while it waited too. A full page of rows due: another task after."""
    live.shared_cache().delete(QUEUED)
    ids = delivery.due_notification_ids(limit=delivery.DUE_PAGE)
    outcomes = deliver_notifications(ids)
    if len(ids) == delivery.DUE_PAGE:
        enqueue_delivery()
    return outcomes
