"""A nested object of an answer whose relation may be empty (``null=True`` on the model) is
declared ``allow_null``, so that the schema says ``null`` may come: schemathesis found a
promised callback's ``kept_by: null`` answered against a schema that said it is always an
object."""

import inspect

import pytest
from rest_framework import serializers

from escalations.api import serializers as escalation_serializers
from knowledge.api import serializers as knowledge_serializers

MODULES = [escalation_serializers, knowledge_serializers]


def _nested_relations():
    for module in MODULES:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(
                cls, serializers.ModelSerializer
            ):
                continue
            model = cls.Meta.model
            for name, field in cls().fields.items():
                if not isinstance(field, serializers.BaseSerializer) or "." in field.source:
                    continue
                relation = model._meta.get_field(field.source)
                yield f"{cls.__name__}.{name}", relation.null, field.allow_null


RELATIONS = list(_nested_relations())


def test_the_nested_relations_are_found():
    assert "CallbackSerializer.kept_by" in {name for name, _, _ in RELATIONS}
    assert len(RELATIONS) >= 10


@pytest.mark.parametrize(
    ("name", "nullable", "allow_null"), RELATIONS, ids=[r[0] for r in RELATIONS]
)
def test_a_relation_that_may_be_empty_is_nullable(name, nullable, allow_null):
    assert allow_null == nullable


def test_a_promised_callback_answers_kept_by_null(api, operator, case):
    response = api(operator).post(
        f"/api/v1/cases/{case.reference}/callbacks/",
        {
            "number": "03-1234-5678",
            "window_start": "2030-01-10T10:00:00+09:00",
            "window_end": "2030-01-10T12:00:00+09:00",
        },
        format="json",
    )

    assert response.status_code == 201, response.content[:300]
    assert response.json()["kept_by"] is None
    schema = api(operator).get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Callback"]["properties"]["kept_by"]["nullable"]
