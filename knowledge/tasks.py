"""Celery tasks of the knowledge base: thin wrappers around services."""

from celery import shared_task


@shared_task(name="knowledge.notify_review_overdue", ignore_result=True)
def notify_review_overdue() -> int:
    """Daily: remind owners of articles past their review date (once per review period)."""
    from knowledge.services import notify_review_overdue as notify

    return notify()
