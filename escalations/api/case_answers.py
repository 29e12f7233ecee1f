"""The API's case answer written directly from a case or from its row of values (the list's
page): what ``CaseSerializer`` writes, without DRF's fields (about a millisecond per case), and
the columns the list and the transitions' locked read take (``CASE_VALUES``,
``TRANSITION_READ``). ``tests/api/test_case_answers_are_written_flat.py`` holds the two equal
field by field. And whether a case a transition just wrote holds the related rows its answer
shows (``CASE_RELATED``: ``relations_from_known``, ``relations_loaded``), moved out of
``escalations.api.views`` (past ~600 lines)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from rest_framework import serializers

from escalations.models import Case

_WHEN = serializers.DateTimeField()  # DRF's own writing of a time (ISO 8601, local time)


def _when(value: dt.datetime | None, zone: dt.tzinfo | None) -> str | None:
    """What DRF's ``DateTimeField`` writes for ``value`` (ISO 8601 in the local time, ``Z`` for
    UTC), with the time zone read once per answer (``zone``: ``_WHEN.default_timezone()``).
    DRF reads the current zone for each value (an ``asgiref`` local, through the settings):
    five times per case, 250 per page of the list, about a fifth of the list's time in Python
    (bench/README.md, issue 18's tenth pass). A naive time, no zone or a time the zone cannot
    hold are left to DRF. ``tests/api/test_times_are_written_as_drf_writes_them.py``."""
    if value is None:
        return None
    if zone is None or value.tzinfo is None:
        return _WHEN.to_representation(value)
    try:
        text = value.astimezone(zone).isoformat()
    except OverflowError:
        return _WHEN.to_representation(value)  # DRF's own error
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# The columns a list's case answer is written from (``QuerySet.values``), and the answer written
# from such a row: the list reads 50 rows of plain values instead of 50 cases with six related
# model instances each (building them cost more than the query).
CASE_VALUES = (
    "id",
    "reference",
    "subject",
    "description",
    "channel",
    "customer_id",
    "customer__name",
    "customer__furigana",
    "customer__external_id",
    "category_id",
    "category__name",
    "category__description",
    "category__is_active",
    "category__sort_order",
    "impact",
    "urgency",
    "priority",
    "status",
    "tier",
    "owner_id",
    "owner__username",
    "owner__display_name",
    "owner_team_id",
    "owner_team__name",
    "owner_team__tier",
    "assigned_team_id",
    "assigned_team__name",
    "assigned_team__tier",
    "handler_id",
    "handler__username",
    "handler__display_name",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
)

# The case a transition reads locked (``views._transition_case``): all of its own columns (the
# transition writes it whole), and of its relations what the answer shows (``CASE_VALUES``)
# and whom a notification reaches (``User.effective_recipient``); not the users' password
# hashes nor the teams' webhook secrets (49 columns rather than 97).
USER_RECIPIENT = ("is_active", "is_absent", "delegate")  # User.effective_recipient's
TRANSITION_READ = (
    *(field.name for field in Case._meta.concrete_fields),
    *(name for name in CASE_VALUES if "__" in name),
    *(f"{user}__{name}" for user in ("owner", "handler") for name in USER_RECIPIENT),
)


def _person_of(row: dict, name: str) -> dict | None:
    key = row[f"{name}_id"]
    if key is None:
        return None
    return {
        "id": key,
        "username": row[f"{name}__username"],
        "display_name": row[f"{name}__display_name"],
    }


def _team_of(row: dict, name: str) -> dict | None:
    key = row[f"{name}_id"]
    if key is None:
        return None
    return {"id": key, "name": row[f"{name}__name"], "tier": int(row[f"{name}__tier"])}


# Each of ``CASE_VALUES`` and the attributes that lead to it from a case (``case_data``).
_CASE_PATHS = tuple((name, tuple(name.split("__"))) for name in CASE_VALUES)


def case_data(case: Case) -> dict:
    """What ``CaseSerializer`` writes for ``case`` (with its six relations loaded), written
    directly: DRF's fields cost about a millisecond per case. The same layout as the list's
    rows (:func:`case_row_data`), from the case's attributes.
    ``tests/api/test_case_answers_are_written_flat.py`` holds the two equal field by field."""
    row = {}
    for name, path in _CASE_PATHS:
        value = case
        for part in path:
            value = None if value is None else getattr(value, part)
        row[name] = value
    return case_row_data(row)


def case_rows_data(rows: Iterable[dict]) -> list[dict]:
    """:func:`case_row_data` of each row (the list's page), with the time zone read once."""
    zone = _WHEN.default_timezone()
    return [case_row_data(row, zone) for row in rows]


def case_row_data(row: dict, zone: dt.tzinfo | None = None) -> dict:
    """The case answer of a case read as ``values(*CASE_VALUES)`` (the list's rows);
    ``zone``: the time zone the times are written in (by default, the current one)."""
    if zone is None:
        zone = _WHEN.default_timezone()
    return {
        "reference": row["reference"],
        "subject": row["subject"],
        "description": row["description"],
        "channel": str(row["channel"]),
        "customer": {
            "id": row["customer_id"],
            "name": row["customer__name"],
            "furigana": row["customer__furigana"],
            "external_id": row["customer__external_id"],
        },
        "category": {
            "id": row["category_id"],
            "name": row["category__name"],
            "description": row["category__description"],
            "is_active": row["category__is_active"],
            "sort_order": row["category__sort_order"],
        },
        "impact": int(row["impact"]),
        "urgency": int(row["urgency"]),
        "priority": int(row["priority"]),
        "status": str(row["status"]),
        "tier": int(row["tier"]),
        "owner": _person_of(row, "owner"),
        "owner_team": _team_of(row, "owner_team"),
        "assigned_team": _team_of(row, "assigned_team"),
        "handler": _person_of(row, "handler"),
        "created_at": _when(row["created_at"], zone),
        "updated_at": _when(row["updated_at"], zone),
        "first_response_at": _when(row["first_response_at"], zone),
        "resolved_at": _when(row["resolved_at"], zone),
        "closed_at": _when(row["closed_at"], zone),
    }


# The case's relations its answer shows (read with it: ``select_related``).
CASE_RELATED = ["customer", "category", "owner", "handler", "owner_team", "assigned_team"]


@functools.cache
def _case_relations() -> tuple:
    """``CASE_RELATED``'s fields, looked up once."""
    return tuple(Case._meta.get_field(name) for name in CASE_RELATED)


def relations_loaded(case: Case) -> bool:
    """Whether the case the service just wrote holds the related rows its answer shows, as
    they are now (each the one its key names): then it is answered without reading it again."""
    for field in _case_relations():
        key = getattr(case, field.attname)
        if key is None:
            continue
        if not field.is_cached(case) or field.get_cached_value(case).pk != key:
            return False
    return True


def relations_from_known(case: Case, user) -> None:
    """A transition moved a relation of ``case`` onto a row already at hand: the caller (who
    acknowledged: the handler now) or another relation of the case (returned: the assigned team
    is the owner's team again). Take that row rather than read the case again."""
    relations = _case_relations()
    known = [(type(user), user.pk, user)]
    for field in relations:
        row = field.get_cached_value(case, default=None)
        if row is not None:
            known.append((type(row), row.pk, row))
    for field in relations:
        key = getattr(case, field.attname)
        if key is None or (field.is_cached(case) and field.get_cached_value(case).pk == key):
            continue
        for model, pk, row in known:
            if model is field.related_model and pk == key:
                field.set_cached_value(case, row)
                break
