"""A create's arguments read directly from a plain request: ``CaseCreateSerializer``'s
``validated_data`` without making the serializer (its fields are deep copies of the declared
ones) or running DRF's field-by-field validation, which was a sixth of a create
(bench/README.md, issue 18's fifth pass). Anything the direct reading does not take goes
through the serializer and its 400s. ``tests/api/test_case_create_arguments_are_the_serializers.py``
holds the two equal."""

from __future__ import annotations

from typing import Any

from escalations import selectors
from escalations.api.serializers import MAX_ID, CaseCreateSerializer
from escalations.models import Channel
from escalations.priority import Impact, Urgency

_CREATE_FIELDS = frozenset(CaseCreateSerializer._declared_fields)
_CHANNELS = frozenset(Channel.values)
_IMPACTS = frozenset(Impact.values)
_URGENCIES = frozenset(Urgency.values)


def case_create_arguments(data: Any) -> dict[str, Any]:
    """``CaseCreateSerializer``'s ``validated_data`` for ``data``: a request the serializer
    takes as it is (the customer and category ids known to the process, texts, choices as
    their values) is read directly, its fields checked as the serializer checks them; any
    other goes through the serializer, which refuses it with its usual 400s. Making the
    serializer (its fields are deep copies of the declared ones) and running DRF's
    field-by-field validation was a sixth of a create (bench/README.md).
    ``tests/api/test_case_create_arguments_are_the_serializers.py`` holds the two equal."""
    arguments = _plain_create_arguments(data)
    if arguments is None:
        form = CaseCreateSerializer(data=data)
        form.is_valid(raise_exception=True)
        arguments = dict(form.validated_data)
    return arguments


def _plain_create_arguments(data: Any) -> dict[str, Any] | None:
    """What the serializer makes of ``data`` when it is plain (see above); ``None`` else."""
    if type(data) is not dict or not data.keys() <= _CREATE_FIELDS:
        return None
    customer, category = data.get("customer"), data.get("category")
    impact, urgency = data.get("impact"), data.get("urgency")
    channel = data.get("channel", Channel.API)  # the serializer's default, as it gives it
    if not (
        type(customer) is int
        and 0 < customer <= MAX_ID
        and type(category) is int
        and 0 < category <= MAX_ID
        and type(impact) is int
        and impact in _IMPACTS
        and type(urgency) is int
        and urgency in _URGENCIES
        and (channel is Channel.API or (type(channel) is str and channel in _CHANNELS))
    ):
        return None
    subject = plain_text(data.get("subject"), max_length=200, blank=False)
    description = plain_text(data.get("description", ""))
    call_log = plain_text(data.get("call_log", ""))
    if subject is None or description is None or call_log is None:
        return None
    customer_row = selectors.known_customer(customer)
    category_row = selectors.active_category(category)
    if customer_row is None or category_row is None:
        return None
    return {
        "customer": customer_row,
        "category": category_row,
        "subject": subject,
        "description": description,
        "channel": channel,
        "impact": impact,
        "urgency": urgency,
        "call_log": call_log,
    }


def plain_text(
    value: Any,
    *,
    max_length: int | None = None,
    min_length: int | None = None,
    blank: bool = True,
    trim: bool = True,
) -> str | None:
    """A ``CharField``'s value as DRF makes it (stripped unless not ``trim``), when DRF takes
    it: a string, blank only if ``blank``, within ``min_length`` and ``max_length``, without
    NUL or lone surrogates; ``None`` else (the serializer says why). Also the transitions'
    direct reading (``escalations.api.transition_arguments``)."""
    if type(value) is not str:
        return None
    if trim:
        value = value.strip()
    if not value:
        return value if blank else None
    if max_length is not None and len(value) > max_length:
        return None
    if min_length is not None and len(value) < min_length:
        return None
    if "\x00" in value:
        return None
    if not value.isascii():
        try:
            value.encode("utf-8")  # lone surrogates do not encode
        except UnicodeEncodeError:
            return None
    return value
