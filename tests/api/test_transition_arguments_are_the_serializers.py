"""A transition's arguments are read directly from a plain request
(``escalations.api.transition_arguments``): exactly what its input serializer
(``schema.INPUTS``) makes of it, for every transition; anything the direct reading does not
take goes through the serializer (the same 400 body, or its value when it accepts what the
direct reading declines)."""

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from escalations.api import transition_arguments as ta
from escalations.api.schema import INPUTS
from escalations.api.serializers import TransitionSerializer
from escalations.models import CaseStatus, Mood, Reason

# the least plain body of each input serializer
LEAST = {
    "start_work": {},
    "wait_for_customer": {},
    "resume": {},
    "close": {},
    "acknowledge": {},
    "escalate": {
        "reason": Reason.KNOWLEDGE_GAP.value,
        "customer_wants": "返金してほしい",
        "tried": "再起動",
        "mood": Mood.ANGRY.value,
    },
    "return_to_owner": {"answer": "返金します", "reusable": True},
    "resolve": {"resolution": "返金した"},
    "reopen": {"reason": "再発"},
}

# plain: read directly, as the serializer reads them
PLAIN = [
    *[(name, {}) for name in LEAST],
    *[(name, {"expected_status": CaseStatus.IN_PROGRESS.value}) for name in LEAST],
    ("start_work", {"comment": "  着手します\u3000"}),
    ("close", {"comment": "   "}),
    ("acknowledge", {"comment": ""}),
    ("escalate", {"on_hold": True, "customer_wants": "  \t請求の訂正 ", "tried": "x" * 5000}),
    ("escalate", {"on_hold": False, "reason": Reason.OTHER.value}),
    ("return_to_owner", {"reusable": False, "not_reusable_reason": "  " + "あ" * 200 + " "}),
    ("return_to_owner", {"not_reusable_reason": ""}),
    ("resolve", {"resolution": "émoji 🎉 ok"}),
]

# not plain: left to the serializer, which accepts them (its value) or refuses them (its 400)
NOT_PLAIN = [
    ("start_work", {"comment": 42}),  # refused: a number for a text
    ("start_work", {"comment": None}),
    ("start_work", {"comment": ["a"]}),
    ("start_work", {"comment": "a\x00b"}),
    ("start_work", {"comment": "a\ud800b"}),
    ("start_work", {"unknown": 1}),
    ("resume", {"expected_status": "nonsense"}),
    ("resume", {"expected_status": ""}),
    ("resume", {"expected_status": None}),
    ("escalate", {"reason": ...}),
    ("escalate", {"reason": "nonsense"}),
    ("escalate", {"mood": ...}),
    ("escalate", {"mood": 1}),
    ("escalate", {"customer_wants": "   "}),
    ("escalate", {"customer_wants": ...}),
    ("escalate", {"tried": ""}),
    ("escalate", {"on_hold": "true"}),  # refused: a string for a yes/no
    ("escalate", {"on_hold": 1}),  # refused: a number for a yes/no
    ("escalate", {"on_hold": "maybe"}),
    ("escalate", {"on_hold": None}),
    ("escalate", {"reason": ..., "mood": "nonsense", "extra": 1}),
    ("return_to_owner", {"reusable": ...}),
    ("return_to_owner", {"not_reusable_reason": "あ" * 201}),
    ("return_to_owner", {"answer": 3.5}),  # refused: a number for a text
    ("resolve", {"resolution": ...}),
    ("resolve", {"resolution": True}),
    ("reopen", {"reason": "\u3000"}),
    ("reopen", {"reason": ..., "expected_status": "closed"}),
]


def _body(name, changes):
    body = {**LEAST[name], **changes}
    return {key: value for key, value in body.items() if value is not ...}


def _serializers(name, data):
    """The serializer's outcome: ("valid", validated_data) or ("invalid", the 400's body)."""
    form = INPUTS[name](data=data)
    if form.is_valid():
        return "valid", dict(form.validated_data)
    return "invalid", form.errors


def _direct(name, data):
    try:
        return "valid", ta.transition_arguments(INPUTS[name], data)
    except ValidationError as exc:
        return "invalid", exc.detail


def _typed(outcome):
    kind, value = outcome
    return kind, {key: (type(item), item) for key, item in value.items()}


@pytest.mark.parametrize(("name", "changes"), PLAIN, ids=[f"{n}-{c}" for n, c in PLAIN])
def test_a_plain_body_is_read_as_the_serializer_reads_it(name, changes):
    data = _body(name, changes)

    assert ta.plain_transition_arguments(INPUTS[name], data) is not None
    outcome = _direct(name, data)

    assert outcome[0] == "valid"
    assert _typed(outcome) == _typed(_serializers(name, data))


@pytest.mark.parametrize(("name", "changes"), NOT_PLAIN, ids=[f"{n}-{c}" for n, c in NOT_PLAIN])
def test_anything_else_is_the_serializers_outcome(name, changes):
    data = _body(name, changes)

    assert ta.plain_transition_arguments(INPUTS[name], data) is None
    assert _direct(name, data) == _serializers(name, data)


@pytest.mark.parametrize("data", [[], "text", None, 3])
def test_a_body_that_is_not_an_object_is_the_serializers_400(data):
    for name in INPUTS:
        assert ta.plain_transition_arguments(INPUTS[name], data) is None
        assert _direct(name, data) == _serializers(name, data)


def test_every_input_serializer_has_a_direct_reading():
    for name, serializer_class in INPUTS.items():
        assert ta.plain_transition_arguments(serializer_class, LEAST[name]) is not None, name


def test_a_serializer_the_direct_reading_does_not_know_is_always_run():
    class WithIntegers(TransitionSerializer):
        count = serializers.IntegerField()

    class WithValidate(TransitionSerializer):
        text = serializers.CharField()

        def validate(self, attrs):
            raise serializers.ValidationError("no")

    class WithFieldValidator(TransitionSerializer):
        text = serializers.CharField(validators=[lambda value: None])

    assert ta.plain_transition_arguments(WithIntegers, {"count": 1}) is None
    assert ta.plain_transition_arguments(WithValidate, {"text": "a"}) is None
    assert ta.plain_transition_arguments(WithFieldValidator, {"text": "a"}) is None
    with pytest.raises(ValidationError):
        ta.transition_arguments(WithValidate, {"text": "a"})
