"""Celery tasks: thin wrappers around services. They take ids, re-check state, and are
idempotent, so a redelivered or duplicated message changes nothing."""

import logging

from celery import shared_task
from django.conf import settings

from escalations import notifications

log = logging.getLogger(__name__)


@shared_task(name="escalations.sla_sweep", ignore_result=True)
def sla_sweep(helper: bool = False) -> dict[str, int]:
    """The periodic sweep (beat). When its first batch is full, it asks
    ``SLA_SWEEP_HELPERS`` more sweeps (``helper=True``, which ask nobody) to run beside it on
    the worker's other processes, so a burst of breaches is worked off by every core; each
    batch is taken by one sweep only (``SKIP LOCKED``)."""
    from escalations.sla.sweep import sla_sweep as sweep

    return sweep(on_backlog=None if helper else _ask_helpers).as_dict()


def _ask_helpers() -> None:
    for _ in range(settings.SLA_SWEEP_HELPERS):
        try:
            sla_sweep.apply_async(kwargs={"helper": True})
        except Exception:  # noqa: BLE001 - broker down: this sweep carries on alone
            log.warning("SLA sweep: could not ask for a helper sweep", exc_info=True)
            return


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
