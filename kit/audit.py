"""Audited saves: the one place that sets a row's history user and change reason, and the one
length limit of a change reason."""

from __future__ import annotations

from typing import Any

from django.db import models
from simple_history.signals import post_create_historical_record

# The history tables' ``history_change_reason`` column (django-simple-history's default).
REASON_MAX_LENGTH = 100


def change_reason(text: str) -> str:
    """``text`` as the history row stores it: cut once, with an ellipsis, to the column's
    length (the whole text of a comment, handoff or answer is on the case's timeline)."""
    if len(text) <= REASON_MAX_LENGTH:
        return text
    return text[: REASON_MAX_LENGTH - 1] + "…"


def audit(obj: models.Model, *, actor: Any, reason: str) -> models.Model:
    """Label the history row the next save of ``obj`` writes (also for rows saved in bulk by
    :mod:`kit.bulk`)."""
    obj._history_user = actor
    obj._change_reason = change_reason(reason)
    return obj


def audited_save(
    obj: models.Model, *, actor: Any, reason: str, update_fields: list[str] | None = None
) -> models.Model:
    """Save ``obj`` with one history row naming ``actor`` and ``reason``."""
    audit(obj, actor=actor, reason=reason)
    obj.save(update_fields=update_fields)
    return obj


def history_row_id(obj: models.Model) -> int | None:
    """The primary key of the history row that the last save of ``obj`` wrote (single or bulk),
    ``None`` when it wrote none: what a note or a hop stores to name the change it belongs to."""
    return getattr(obj, "_history_row_id", None)


def _remember_history_row(sender, instance, history_instance, **kwargs) -> None:
    instance._history_row_id = history_instance.pk


post_create_historical_record.connect(_remember_history_row, weak=False)
