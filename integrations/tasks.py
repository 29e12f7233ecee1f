"""Celery tasks of the integrations: thin wrappers around their services."""

from celery import shared_task

from integrations.idempotency import purge_old_records


@shared_task(name="integrations.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records() -> int:
    """Daily (beat): forget the Idempotency-Key records older than the retry window."""
    return purge_old_records()
