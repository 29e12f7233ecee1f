"""A transition's arguments read directly from a plain request: the input serializer's
(``schema.INPUTS``) ``validated_data`` without making the serializer (its fields are deep copies
of the declared ones) or running DRF's field-by-field validation, as
``escalations.api.create_arguments`` does for the create.

The checks are derived from each serializer's own fields when it is first used (a text, a
choice or a yes/no, with their ``required``, ``default``, ``allow_blank``, ``max_length`` ...),
so that they cannot drift from it: a serializer with anything else (another kind of field, a
validator, a ``validate`` method) is always run. A body that is not plain (a value of another
type, a missing required field, an unknown key, too long ...) goes through the serializer,
which answers it with its usual 400s.
``tests/api/test_transition_arguments_are_the_serializers.py`` holds the two equal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
)
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from escalations.api.create_arguments import plain_text
from escalations.api.serializers import TransitionSerializer

_NOT_PLAIN = object()  # a value the direct reading leaves to the serializer

# name, how its value is read, whether it is required, its default (``empty``: none)
_Field = tuple[str, Callable[[Any], Any], bool, Any]

_readings: dict[type, tuple[frozenset[str], list[_Field]] | None] = {}


def transition_arguments(serializer_class: type[serializers.Serializer], data: Any) -> dict:
    """``serializer_class(data=data)``'s ``validated_data`` (or its 400): read directly when
    ``data`` is plain, else through the serializer."""
    arguments = plain_transition_arguments(serializer_class, data)
    if arguments is None:
        form = serializer_class(data=data)
        form.is_valid(raise_exception=True)
        arguments = dict(form.validated_data)
    return arguments


def plain_transition_arguments(serializer_class: type[serializers.Serializer], data: Any):
    """What the serializer makes of ``data`` when it is plain; ``None`` else (or when the
    serializer has no direct reading)."""
    try:
        reading = _readings[serializer_class]
    except KeyError:
        reading = _readings[serializer_class] = _reading(serializer_class)
    if reading is None or type(data) is not dict:
        return None
    names, fields = reading
    if not data.keys() <= names:
        return None  # unknown keys: the serializer's 400
    arguments = {}
    for name, read, required, default in fields:
        if name in data:
            value = read(data[name])
            if value is _NOT_PLAIN:
                return None
            arguments[name] = value
        elif required:
            return None
        elif default is not empty:
            arguments[name] = default
    return arguments


def _reading(serializer_class: type[serializers.Serializer]):
    """The serializer's fields as the direct reading checks them; ``None`` when any of them
    (or the serializer itself) does more than the direct reading knows."""
    if not (
        issubclass(serializer_class, TransitionSerializer)
        and serializer_class.to_internal_value is TransitionSerializer.to_internal_value
        and serializer_class.run_validation is serializers.Serializer.run_validation
        and serializer_class.validate is serializers.Serializer.validate
    ):
        return None
    form = serializer_class()
    if form.validators:
        return None
    fields = []
    for name, field in form.fields.items():
        if (
            field.read_only
            or field.source != name
            or field.allow_null
            or hasattr(form, f"validate_{name}")
            or (field.default is not empty and callable(field.default))
        ):
            return None
        read = _reader(field)
        if read is None:
            return None
        fields.append((name, read, field.required, field.default))
    return frozenset(form.fields), fields


def _reader(field: serializers.Field) -> Callable[[Any], Any] | None:
    kind = type(field)
    if kind is serializers.CharField:
        return _text_reader(field)
    if kind is serializers.ChoiceField and not field.validators:
        choices = dict(field.choice_strings_to_values)
        return lambda value: (
            choices[value] if type(value) is str and value in choices else _NOT_PLAIN
        )
    if kind is serializers.BooleanField and not field.validators:
        return lambda value: value if type(value) is bool else _NOT_PLAIN
    return None


def _text_reader(field: serializers.CharField) -> Callable[[Any], Any] | None:
    """A ``CharField``'s value as DRF makes it: a string (stripped unless told not to), blank
    only if allowed, within its lengths, without NUL or lone surrogates."""
    known = (
        MaxLengthValidator,
        MinLengthValidator,
        ProhibitNullCharactersValidator,
        ProhibitSurrogateCharactersValidator,
    )
    for validator in field.validators:
        if type(validator) not in known:
            return None
        if type(validator) is MaxLengthValidator and validator.limit_value != field.max_length:
            return None
        if type(validator) is MinLengthValidator and validator.limit_value != field.min_length:
            return None
    limits = {
        "max_length": field.max_length,
        "min_length": field.min_length,
        "blank": field.allow_blank,
        "trim": field.trim_whitespace,
    }

    def read(value: Any) -> Any:
        text = plain_text(value, **limits)
        return _NOT_PLAIN if text is None else text

    return read
