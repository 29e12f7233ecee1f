"""Periodic work on accounts (thin wrappers around the services)."""

from celery import shared_task

from accounts.absence import absence_expire


@shared_task(name="accounts.absence_expire", ignore_result=True)
def expire_absences() -> int:
    """Mark present again everyone whose absence's until-time has passed (beat: every minute)."""
    return absence_expire()
