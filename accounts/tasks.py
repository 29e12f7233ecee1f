"""Periodic work on accounts (thin wrappers around the services)."""

from celery import shared_task

from accounts.absence import absence_sync


@shared_task(name="accounts.absence_expire", ignore_result=True)
def expire_absences() -> int:
    """Copy "absent now" from the absence periods onto the people: periods that started or
    ended since the last run (beat: every minute; the name is kept for running beats)."""
    return absence_sync()
