"""Celery tasks of the reports app: thin wrappers around services."""

from celery import shared_task


@shared_task(name="reports.notify_reviews_due", ignore_result=True)
def notify_reviews_due() -> int:
    """Daily: remind owners of escalation rules and team contact lists past their review date
    (once per review period)."""
    from reports.services import notify_reviews_due as notify

    return notify()


@shared_task(name="reports.rollup_finished_days", ignore_result=True)
def rollup_finished_days() -> int:
    """Nightly: roll up the dashboard's figures of every day that is over and has no rollup."""
    from reports.rollup import rollup_finished_days as rollup

    return len(rollup())
