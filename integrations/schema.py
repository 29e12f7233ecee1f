"""OpenAPI: every operation documents the error responses it can give, in the one error shape
of ``kit.api.errors``, and POSTs document the ``Idempotency-Key`` header."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from notifications.events import EventType


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: invalid, not_found, conflict, ...")
    detail = serializers.CharField(help_text="A sentence for people, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: the errors of each field (non_field_errors for the whole request).",
    )
    status = serializers.CharField(required=False, help_text="409 only: the case's current status.")


IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S"},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID), at most 255 characters. A retry with the same key "
        "returns the first successful response (header Idempotent-Replayed: true) and does "
        "nothing again; the same key with another request gives 422. An empty key, or one "
        "longer than 255 characters, is a 400. Keys are remembered for "
        "IDEMPOTENCY_RETENTION_HOURS (24 by default)."
    ),
)

ERROR_DESCRIPTIONS = {
    "400": (
        "Invalid input: see `fields` (also a NUL character anywhere in the path or query, a "
        "date outside 1900-01-01..9000-12-31, a body nested too deeply)."
    ),
    "414": "The URL is longer than the web server accepts (gunicorn: 4094 bytes).",
    "401": "Not authenticated, or the token is invalid, expired or revoked.",
    "403": "Not allowed for this user (role or side of the case).",
    "404": "No such object, or not visible to this user.",
    "409": "The case changed underneath, or the action is not possible in its status.",
    "422": "The Idempotency-Key was used for another request.",
    "429": "Too many requests for this token.",
}


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and getattr(serializer, "rejects_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "414", "429"]  # any request may carry bad input
        is_detail = "{" in self.path
        if is_detail:
            codes.append("404")
        if self.method in ("PATCH", "PUT") or (self.method == "POST" and is_detail):
            codes.append("409")
        if self.method == "POST":
            codes.append("422")
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses


def add_webhook_events(result, generator, request, public):
    """A postprocessing hook: the events a webhook subscription can receive (the ``type`` of
    each delivery, also its X-Escalation-Event header) as the ``WebhookEventTypeEnum``
    component, and the shape of a delivery's body as ``WebhookEvent``. The API has no
    endpoint returning them: they are what arrives at the subscriber's URL."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["WebhookEventTypeEnum"] = {
        "type": "string",
        "enum": list(EventType.values),
        "description": "\n".join(f"* `{value}` - {label}" for value, label in EventType.choices),
    }
    schemas["WebhookEvent"] = {
        "type": "object",
        "description": (
            "The JSON body POSTed to a subscription's URL, signed "
            'X-Escalation-Signature: sha256=HMAC(secret, "{X-Escalation-Timestamp}." + body). '
            "case.on_hold and case.hold_ended carry the hop (escalation) and the hold's times "
            "(hold_ended: outcome, waited_seconds); callback.due and callback.missed carry "
            "the callback (id, number, window_start, window_end, status) and the level."
        ),
        "properties": {
            "event_id": {"type": "string", "format": "uuid"},
            "type": {"$ref": "#/components/schemas/WebhookEventTypeEnum"},
            "occurred_at": {"type": "string", "format": "date-time"},
            "case": {"type": "object", "additionalProperties": True},
            "escalation": {"type": "object", "additionalProperties": True},
        },
        "required": ["event_id", "type", "occurred_at", "case"],
        "additionalProperties": True,
    }
    return result
