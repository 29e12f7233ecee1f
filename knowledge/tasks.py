"""Celery tasks of the knowledge base: thin wrappers around services."""

from celery import shared_task

from knowledge import services


@shared_task(name="knowledge.notify_review_overdue", ignore_result=True)
def notify_review_overdue() -> int:
    """Daily: remind owners of articles past their review date (once per review period)."""
    return services.notify_review_overdue()
