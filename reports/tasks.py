"""Celery tasks of the reports app: thin wrappers around services."""

from celery import shared_task

from reports import rollup, services


@shared_task(name="reports.notify_reviews_due", ignore_result=True)
def notify_reviews_due() -> int:
    """Daily: remind owners of escalation rules and team contact lists past their review date
    (once per review period)."""
    return services.notify_reviews_due()


@shared_task(name="reports.rollup_finished_days", ignore_result=True)
def rollup_finished_days() -> int:
    """Nightly: roll up the dashboard's figures of every day that is over and has no rollup."""
    return len(rollup.rollup_finished_days())
