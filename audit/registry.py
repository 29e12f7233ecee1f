"""Which models are historised: found in the app registry, so models other apps add later are
covered without a list to maintain."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from simple_history.models import HistoricalChanges


def history_models() -> list[type[models.Model]]:
    """The history model of every historised model (not the many-to-many ones), by label."""
    found = [
        model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges)
        and hasattr(model, "instance_type")
        and any(field.name == "history_date" for field in model._meta.concrete_fields)
    ]
    return sorted(found, key=lambda model: model._meta.label_lower)


def history_tables() -> list[str]:
    """Every history table, the many-to-many history tables included."""
    return sorted(
        model._meta.db_table for model in apps.get_models() if issubclass(model, HistoricalChanges)
    )


def m2m_history_models(history_model: type[models.Model]) -> dict[str, type[models.Model]]:
    """Field name -> history model of that many-to-many field's rows, for one history model."""
    found = {}
    for field in getattr(history_model, "_history_m2m_fields", []):
        descriptor = getattr(history_model, field.name, None)
        model = getattr(descriptor, "model", None)
        if model is not None:
            found[field.name] = model
    return found
