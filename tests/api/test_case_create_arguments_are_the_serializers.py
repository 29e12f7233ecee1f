"""The create's arguments are read directly from a plain request
(``escalations.api.create_arguments``): exactly what ``CaseCreateSerializer`` makes of it,
and anything the direct reading does not take goes through the serializer and its errors."""

import pytest
from rest_framework.exceptions import ValidationError

from escalations.api.create_arguments import _plain_create_arguments, case_create_arguments
from escalations.api.serializers import CaseCreateSerializer
from escalations.models import Channel
from tests.factories import CategoryFactory, CustomerFactory


@pytest.fixture
def ids(db):
    inactive = CategoryFactory(name="廃止", is_active=False)
    return {
        "customer": CustomerFactory().pk,
        "category": CategoryFactory(name="請求・料金").pk,
        "inactive": inactive.pk,
    }


def _body(ids, **changes):
    body = {
        "customer": ids["customer"],
        "category": ids["category"],
        "subject": "請求額が違う",
        "impact": 2,
        "urgency": 3,
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not ...}


def _serializers(data):
    form = CaseCreateSerializer(data=data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


PLAIN = {
    "least": {},
    "everything": {
        "description": "  明細の説明  ",
        "channel": Channel.EMAIL.value,
        "call_log": "\u3000お客様からの問い合わせ\n",
    },
    "blank texts": {"description": "   ", "call_log": ""},
    "subject padded to 200": {"subject": "  " + "あ" * 200 + "\t"},
    "the highest levels": {"impact": 1, "urgency": 1},
}


@pytest.mark.parametrize("changes", PLAIN.values(), ids=PLAIN.keys())
def test_a_plain_request_is_read_as_the_serializer_reads_it(ids, changes):
    data = _body(ids, **changes)

    assert _plain_create_arguments(data) is not None
    arguments = case_create_arguments(data)

    expected = _serializers(data)
    assert arguments == expected
    assert {name: type(value) for name, value in arguments.items()} == {
        name: type(value) for name, value in expected.items()
    }


REFUSED = {
    "impact as text": {"impact": "2"},
    "subject as a number": {"subject": 42},
    "customer as numeric text": {"customer": "customer as text"},
    "no subject": {"subject": ...},
    "blank subject": {"subject": " \u3000 "},
    "subject too long": {"subject": "あ" * 201},
    "null subject": {"subject": None},
    "NUL in a text": {"call_log": "a\x00b"},
    "lone surrogate": {"description": "a\ud800b"},
    "impact out of range": {"impact": 9},
    "impact as a boolean": {"impact": True},
    "urgency missing": {"urgency": ...},
    "unknown channel": {"channel": "fax"},
    "channel with a space": {"channel": "phone "},
    "unknown customer": {"customer": 987654321},
    "customer as text": {"customer": "x"},
    "customer as a boolean": {"customer": True},
    "inactive category": {"category": "inactive"},
    "an unknown field": {"status": "closed"},
    "a list for a text": {"description": ["a"]},
}


@pytest.mark.parametrize("changes", REFUSED.values(), ids=REFUSED.keys())
def test_anything_else_is_refused_by_the_serializer(ids, changes):
    if changes.get("category") == "inactive":
        changes = {"category": ids["inactive"]}
    if changes.get("customer") == "customer as text":
        changes = {"customer": str(ids["customer"])}
    data = _body(ids, **changes)

    assert _plain_create_arguments(data) is None
    with pytest.raises(ValidationError) as error:
        _serializers(data)
    with pytest.raises(ValidationError) as refused:
        case_create_arguments(data)
    assert refused.value.detail == error.value.detail


@pytest.mark.parametrize("data", [[], "text", None])
def test_a_body_that_is_not_an_object_is_refused_by_the_serializer(db, data):
    with pytest.raises(ValidationError):
        case_create_arguments(data)
