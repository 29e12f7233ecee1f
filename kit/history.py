"""Writing history rows on purpose: one row for one logical change."""

from __future__ import annotations

from django.db import models
from django.db.models.signals import post_save
from simple_history.models import HistoricalRecords


def records_for(model: type[models.Model]) -> HistoricalRecords | None:
    """The ``HistoricalRecords`` that tracks ``model`` (it listens to the model's post_save)."""
    sync_receivers, _async_receivers = post_save._live_receivers(model)
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
