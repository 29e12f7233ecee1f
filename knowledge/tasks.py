"""Celery tasks of the knowledge base: thin wrappers around services."""

from celery import shared_task

from knowledge import repeats, services


@shared_task(name="knowledge.notify_review_overdue", ignore_result=True)
def notify_review_overdue() -> int:
    """Daily: remind owners of articles past their review date (once per review period)."""
    return services.notify_review_overdue()


@shared_task(name="knowledge.check_repeats", ignore_result=True)
def check_repeats() -> int:
    """Every minute: decide whether the new escalations from L1 repeat an answered question
    (the dashboard's repeat escalations)."""
    return repeats.check_repeats()
