"""Celery tasks: thin wrappers around services. They take ids, re-check state, and are
idempotent, so a redelivered or duplicated message changes nothing."""

import logging

from celery import shared_task
from django.conf import settings

from escalations.services.coverage import coverage_check as check_coverage
from escalations.services.nudges import nudge_sweep as sweep_nudges
from escalations.services.sla_sweep import sla_sweep as sweep

log = logging.getLogger(__name__)


@shared_task(name="escalations.sla_sweep", ignore_result=True)
def sla_sweep(helper: bool = False) -> dict[str, int]:
    """The periodic sweep (beat). When its first batch is full, it asks
    ``SLA_SWEEP_HELPERS`` more sweeps (``helper=True``, which ask nobody) to run beside it on
    the worker's other processes, so a burst of breaches is worked off by every core; each
    batch is taken by one sweep only (``SKIP LOCKED``)."""
    return sweep(on_backlog=None if helper else _ask_helpers).as_dict()


def _ask_helpers() -> None:
    for _ in range(settings.SLA_SWEEP_HELPERS):
        try:
            sla_sweep.apply_async(kwargs={"helper": True})
        except Exception:  # noqa: BLE001 - broker down: this sweep carries on alone
            log.warning("SLA sweep: could not ask for a helper sweep", exc_info=True)
            return


@shared_task(name="escalations.coverage_check", ignore_result=True)
def coverage_check() -> int:
    """Rules whose chain ends with nobody present in the coming week: tell their owners (beat:
    daily; once per rule and day)."""
    return len(check_coverage())


@shared_task(name="escalations.nudge_sweep", ignore_result=True)
def nudge_sweep() -> dict[str, int]:
    """The periodic nudge sweep (beat): sends the nudges that are due, each once."""
    return sweep_nudges().as_dict()
