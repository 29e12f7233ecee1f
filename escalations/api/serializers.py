"""Serializers of the cases API: they translate JSON to the services' arguments and rows to
JSON. No business rule lives here: the services check and refuse."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import Team, User
from escalations import selectors, services
from escalations.models import (
    Callback,
    Case,
    CaseNote,
    CaseStatus,
    Category,
    Channel,
    Customer,
    Escalation,
    EscalationRule,
    HoldOutcome,
    Mood,
    NoteKind,
    Reason,
)
from escalations.priority import Impact, Urgency
from integrations.fields import BoundedDateTimeField, QuerySerializer

MAX_ID = 2**63 - 1  # ids are 64-bit: larger numbers are refused as input, never sent to SQL


class _StrictBody:
    """Refuse keys the serializer does not know, instead of silently ignoring them (the schema
    says ``additionalProperties: false``: ``integrations.schema``), and values of another JSON
    type than the schema's: a number or ``true`` for a text, ``"true"`` or ``1`` for a yes/no,
    a string or ``true`` for an integer, an id or a numbered choice, which DRF would otherwise
    convert and accept (``42`` as the text ``"42"``, ``"12"`` as the id 12). ``null`` is left
    to each field (its ``allow_null``)."""

    rejects_unknown_fields = True

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field cannot be set here.")] for name in unknown}
                )
            mistyped = {
                name: error
                for name, value in data.items()
                if (error := _type_error(self.fields[name], value)) is not None
            }
            if mistyped:
                raise serializers.ValidationError(mistyped)
        return super().to_internal_value(data)


def _type_error(field: serializers.Field, value) -> list[str] | None:
    """The field's own message when ``value`` is not of the field's JSON type; ``None`` when
    it is (or when the field is not a text, a yes/no, an integer, an id or a choice)."""
    if value is None or field.read_only:
        return None
    if isinstance(field, serializers.CharField):
        ok, code = isinstance(value, str), "invalid"
    elif isinstance(field, serializers.BooleanField):
        ok, code = isinstance(value, bool), "invalid"
    elif isinstance(field, serializers.IntegerField):
        ok, code = type(value) is int, "invalid"
    elif isinstance(field, serializers.PrimaryKeyRelatedField):
        ok, code = type(value) is int, "incorrect_type"
    elif type(field) is serializers.ChoiceField:  # "2" for the choice 2 is not the choice
        ok = any(
            value == choice and isinstance(value, bool) is isinstance(choice, bool)
            for choice in field.choices
        )
        code = "invalid_choice"
    else:
        return None
    if ok:
        return None
    message = field.error_messages[code].format(data_type=type(value).__name__, input=value)
    return serializers.ValidationError(message, code=code).detail  # as ``field.fail`` makes it


# --- small nested objects ------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name"]


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "tier"]


class CustomerRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "furigana", "external_id"]


class CustomerSerializer(serializers.ModelSerializer):
    email = serializers.CharField(help_text="An email address, or empty.")

    class Meta:
        model = Customer
        fields = ["id", "name", "furigana", "phone", "email", "external_id"]
        read_only_fields = fields


class CustomerCreateSerializer(_StrictBody, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    furigana = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    external_id = serializers.CharField(
        max_length=100, required=False, allow_null=True, default=None, help_text="The CRM's id."
    )


class CustomerFilterSerializer(QuerySerializer):
    phone = serializers.CharField(
        max_length=30,
        required=False,
        help_text="Phone number or part of it, as typed or sent by the CTI "
        "(08072896413, 080-7289-6413, +81 80 7289 6413, full-width digits).",
    )
    external_id = serializers.CharField(max_length=100, required=False, help_text="CRM id.")
    name = serializers.CharField(
        max_length=200,
        required=False,
        help_text="Part of the name, or the start of its furigana in hiragana or katakana.",
    )


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "description", "is_active", "sort_order"]


class RuleSerializer(serializers.ModelSerializer):
    category = CategorySerializer(allow_null=True)
    target_team = TeamRefSerializer()
    target_user = PersonSerializer(allow_null=True)

    class Meta:
        model = EscalationRule
        fields = [
            "id",
            "category",
            "priority",
            "reason",
            "target_tier",
            "target_team",
            "target_user",
            "guidance",
            "is_active",
            "escalate_within_work",
            "escalate_within_hold",
        ]


# --- cases ---------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer()
    category = CategorySerializer()
    owner = PersonSerializer()
    owner_team = TeamRefSerializer(allow_null=True)
    assigned_team = TeamRefSerializer(allow_null=True)
    handler = PersonSerializer(allow_null=True)

    class Meta:
        model = Case
        fields = [
            "reference",
            "subject",
            "description",
            "channel",
            "customer",
            "category",
            "impact",
            "urgency",
            "priority",
            "status",
            "tier",
            "owner",
            "owner_team",
            "assigned_team",
            "handler",
            "created_at",
            "updated_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields


class ActiveCategoryField(serializers.PrimaryKeyRelatedField):
    """An active category by id, taken from the categories kept per process
    (``selectors.active_category``): no query while they are unchanged. Anything else (an
    unknown or inactive id, a string) is looked up and refused as before."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Category.objects.filter(is_active=True), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            category = selectors.active_category(data)
            if category is not None:
                return category
        return super().to_internal_value(data)


class KnownCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer by id, taken from the customers kept per process
    (``selectors.known_customer``): no query for a customer seen before while no customer
    changed. Anything else (an unknown id, a string) is looked up and refused as before."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Customer.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and 0 < data <= MAX_ID:
            customer = selectors.known_customer(data)
            if customer is not None:
                return customer
        return super().to_internal_value(data)


class CaseCreateSerializer(_StrictBody, serializers.Serializer):
    customer = KnownCustomerField()
    category = ActiveCategoryField()
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    impact = serializers.ChoiceField(choices=Impact.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    call_log = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="What the customer said on this contact; goes on the timeline.",
    )


class CaseUpdateSerializer(_StrictBody, serializers.Serializer):
    """The fields ``services.case_update`` may change; send only those that change."""

    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices)
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    category = ActiveCategoryField()
    impact = serializers.ChoiceField(choices=Impact.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)

    def validate(self, attrs):
        assert set(attrs) <= set(services.EDITABLE_FIELDS)
        return attrs


class CaseFilterSerializer(QuerySerializer):
    """Query parameters of the case list."""

    status = serializers.MultipleChoiceField(choices=CaseStatus.choices, required=False)
    tier = serializers.IntegerField(min_value=1, max_value=4, required=False)
    priority = serializers.IntegerField(min_value=1, max_value=4, required=False)
    category = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    assigned_team = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    mine = serializers.ChoiceField(
        choices=[("owner", "owner"), ("handler", "handler")],
        required=False,
        help_text="owner: cases I own; handler: cases I handle.",
    )
    customer_external_id = serializers.CharField(max_length=100, required=False)
    created_after = BoundedDateTimeField(required=False)
    created_before = BoundedDateTimeField(required=False)
    updated_after = BoundedDateTimeField(required=False)


# --- notes and escalations -----------------------------------------------------------------


class NoteSerializer(serializers.ModelSerializer):
    author = PersonSerializer(allow_null=True)

    class Meta:
        model = CaseNote
        fields = ["id", "kind", "body", "author", "created_at"]
        read_only_fields = fields


class NoteCreateSerializer(_StrictBody, serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[
            (NoteKind.CALL_LOG, NoteKind.CALL_LOG.label),
            (NoteKind.INTERNAL, NoteKind.INTERNAL.label),
        ]
    )
    body = serializers.CharField()


class EscalationSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.reference")
    to_team = TeamRefSerializer()
    to_user = PersonSerializer(allow_null=True)
    routed_from = PersonSerializer(allow_null=True)
    requested_by = PersonSerializer()
    acknowledged_by = PersonSerializer(allow_null=True)
    answered_by = PersonSerializer(allow_null=True)
    hold_outcome = serializers.CharField(
        read_only=True, help_text="How the hold ended: answered, callback; empty until it ends."
    )

    class Meta:
        model = Escalation
        fields = [
            "id",
            "case",
            "number",
            "from_tier",
            "to_tier",
            "to_team",
            "to_user",
            "routed_from",
            "reason",
            "customer_wants",
            "tried",
            "customer_mood",
            "requested_by",
            "requested_at",
            "acknowledged_by",
            "acknowledged_at",
            "answered_by",
            "answered_at",
            "answer",
            "reusable",
            "not_reusable_reason",
            "outcome",
            "is_automatic",
            "on_hold_since",
            "hold_ended_at",
            "hold_outcome",
        ]
        read_only_fields = fields


ESCALATION_RELATED = [
    "case",
    "to_team",
    "to_user",
    "routed_from",
    "requested_by",
    "acknowledged_by",
    "answered_by",
]


# --- transitions: the same payloads as the admin's forms -----------------------------------


class TransitionSerializer(_StrictBody, serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=CaseStatus.choices,
        required=False,
        help_text=(
            "The status the caller saw. When the case has another status now, the action is "
            "refused with 409 instead of acting on a stale view."
        ),
    )


class CommentTransitionSerializer(TransitionSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class EscalateSerializer(TransitionSerializer):
    reason = serializers.ChoiceField(choices=Reason.choices)
    customer_wants = serializers.CharField(help_text="What the customer wants.")
    tried = serializers.CharField(help_text="What was already tried.")
    mood = serializers.ChoiceField(choices=Mood.choices)
    on_hold = serializers.BooleanField(
        default=False,
        help_text="The customer waits on the line: the target team is notified at once and the "
        "policy's hold acknowledgement target (wall-clock minutes) applies.",
    )


class AnswerSerializer(TransitionSerializer):
    answer = serializers.CharField(help_text="Goes back to the owner, who tells the customer.")
    reusable = serializers.BooleanField(
        help_text="Can the answer be reused? true: a knowledge article is drafted from the "
        "handoff and the answer (in review, owned by the caller) in the same transaction; "
        "false: give not_reusable_reason. A case is not closed while a reusable answer on it "
        "has no article."
    )
    not_reusable_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Why the answer is not reusable (required when reusable is false).",
    )


class ResolveSerializer(TransitionSerializer):
    resolution = serializers.CharField()


class ReopenSerializer(TransitionSerializer):
    reason = serializers.CharField(help_text="Why the case is reopened.")


# --- holds and callbacks (a CTI knows when the customer is put on hold or hangs up) -------


class HoldStartSerializer(TransitionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class HoldEndSerializer(TransitionSerializer):
    outcome = serializers.ChoiceField(choices=HoldOutcome.choices, help_text="How the hold ended.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CallbackSerializer(serializers.ModelSerializer):
    promised_by = PersonSerializer(read_only=True)
    kept_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Callback
        fields = [
            "id",
            "number",
            "window_start",
            "window_end",
            "due_at",
            "note",
            "status",
            "promised_by",
            "created_at",
            "kept_at",
            "kept_by",
            "outcome",
        ]
        read_only_fields = fields


class CallbackPromiseSerializer(_StrictBody, serializers.Serializer):
    number = serializers.CharField(max_length=30, help_text="The number to call back.")
    window_start = BoundedDateTimeField(help_text="Call from (with its time zone).")
    window_end = BoundedDateTimeField(help_text="Call by: the deadline of the promise.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CallbackKeepSerializer(_StrictBody, serializers.Serializer):
    outcome = serializers.CharField(max_length=2000, help_text="How the call went.")


class CallbackMissSerializer(_StrictBody, serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why the call will not be made (or was given up)."
    )


# --- history -------------------------------------------------------------------------------


class CaseHistorySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(
        choices=[("+", "created"), ("~", "changed"), ("-", "deleted")]
    )
    history_user = PersonSerializer(allow_null=True)
    history_change_reason = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    tier = serializers.IntegerField()
    priority = serializers.IntegerField()
    subject = serializers.CharField()
    owner_id = serializers.IntegerField()
    handler_id = serializers.IntegerField(allow_null=True)
    assigned_team_id = serializers.IntegerField(allow_null=True)
