"""Writing history rows on purpose: one row for one logical change.

The one place that reads a library's private name: Django's ``Signal._live_receivers`` (the
receivers a ``send`` would call), for finding the ``HistoricalRecords`` of a model and for
calling ``pre_create_historical_record``'s receivers once per batch instead of once per row
(``kit.bulk``). ``tests/kit/test_live_receivers.py`` pins what it returns."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.signals import post_save
from django.dispatch import Signal
from simple_history.models import HistoricalRecords


def live_receivers(signal: Signal, sender: Any) -> tuple[list, list]:
    """The (synchronous, asynchronous) receivers ``signal.send(sender, ...)`` would call."""
    return signal._live_receivers(sender)


def records_for(model: type[models.Model]) -> HistoricalRecords | None:
    """The ``HistoricalRecords`` that tracks ``model`` (it listens to the model's post_save)."""
    sync_receivers, _async_receivers = live_receivers(post_save, model)
    for receiver in sync_receivers:
        owner = getattr(receiver, "__self__", None)
        if isinstance(owner, HistoricalRecords):
            return owner
    return None


def has_m2m_history(model: type[models.Model]) -> bool:
    records = records_for(model)
    return bool(records is not None and records.get_m2m_fields_from_model(model))


class OneHistoryRowAdmin:
    """For the admin of a model whose history records many-to-many fields (a team's members,
    a user's roles): saving the form writes one row, after the many-to-many fields are set.
    Without it, the save and each ``set()`` of a many-to-many field write a row each."""

    def save_model(self, request, obj, form, change):
        if has_m2m_history(type(obj)):
            obj.skip_history_when_saving = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        try:
            super().save_related(request, form, formsets, change)
        finally:
            skipped = hasattr(obj, "skip_history_when_saving")
            if skipped:
                del obj.skip_history_when_saving
        if skipped:
            records_for(type(obj)).create_historical_record(obj, "~" if change else "+")


def latest_rows_as_of(queryset: models.QuerySet, moment) -> models.QuerySet:
    """Of a history table's rows (``queryset``), each object's last row at or before ``moment``
    that is not a deletion: the state then. Unlike simple-history's ``latest_of_each``, rows
    written at the same instant are told apart by their id (the later one wins)."""
    later = queryset.filter(id=OuterRef("id"), history_date__lte=moment).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    return (
        queryset.filter(history_date__lte=moment).filter(~Exists(later)).exclude(history_type="-")
    )
