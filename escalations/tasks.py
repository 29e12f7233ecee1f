"""Celery tasks: thin wrappers around services. They take ids, re-check state, and are
idempotent, so a redelivered or duplicated message changes nothing."""

from celery import shared_task

from escalations import notifications


@shared_task(name="escalations.sla_sweep", ignore_result=True)
def sla_sweep() -> dict[str, int]:
    from escalations.sla.sweep import sla_sweep as sweep

    return sweep().as_dict()


@shared_task(name="escalations.deliver_notifications", ignore_result=True)
def deliver_notifications(ids: list[int]) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for pk in ids:
        outcome = notifications.deliver(pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="escalations.deliver_due_notifications", ignore_result=True)
def deliver_due_notifications() -> dict[str, int]:
    """Periodic: picks up what was never enqueued (broker down) or is due for a retry."""
    return deliver_notifications(notifications.due_notification_ids())
