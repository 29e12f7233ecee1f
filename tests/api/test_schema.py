"""The OpenAPI schema: generated without warnings, valid, describing every endpoint with its
errors; Swagger UI served from our own static files (works offline)."""

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from tests.offline import loads_from_elsewhere

ERROR_CODES = {"401", "403", "429"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    # --validate checks it against the OpenAPI 3 meta-schema; any warning fails
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_every_endpoint_is_described_with_its_errors(schema):
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 20
    for path, method, operation in operations:
        assert operation.get("summary"), (path, method)
        assert set(operation["responses"]) >= ERROR_CODES, (path, method)
        if "{" in path:
            assert "404" in operation["responses"], (path, method)
        if method == "post":
            headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
            assert headers == ["Idempotency-Key"], (path, method)
            assert "400" in operation["responses"] and "422" in operation["responses"]
        if method == "post" and "{" in path:
            assert "409" in operation["responses"], (path, method)


def test_the_transitions_and_the_filters_are_in_the_schema(schema):
    paths = schema["paths"]
    for name in ("escalate", "acknowledge", "return", "resolve", "close", "reopen", "start-work"):
        assert f"/api/v1/cases/{{reference}}/{name}/" in paths
    parameters = {p["name"] for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert {"status", "tier", "mine", "created_after", "cursor", "page_size"} <= parameters
    escalate = schema["components"]["schemas"]["EscalateRequest"]
    assert set(escalate["required"]) == {"reason", "customer_wants", "tried", "mood"}
    assert set(schema["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth"}


def test_the_schema_and_swagger_ui_are_served_without_the_internet(client, operator):
    client.force_login(operator)
    assert client.get("/api/schema/").status_code == 200
    page = client.get(reverse("api-docs"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not loads_from_elsewhere(html) and "https://" not in html


def test_the_hold_and_callback_endpoints_and_webhook_events_are_in_the_schema(schema):
    paths = schema["paths"]
    for path in (
        "/api/v1/cases/{reference}/hold/",
        "/api/v1/cases/{reference}/hold-end/",
        "/api/v1/cases/{reference}/callbacks/",
        "/api/v1/cases/{reference}/callbacks/{callback_id}/keep/",
        "/api/v1/cases/{reference}/callbacks/{callback_id}/miss/",
    ):
        assert "post" in paths[path], path
    miss = schema["components"]["schemas"]["CallbackMissRequest"]
    assert miss["required"] == ["reason"]
    events = schema["components"]["schemas"]["WebhookEventTypeEnum"]["enum"]
    assert {"case.on_hold", "case.hold_ended", "callback.due", "callback.missed"} <= set(events)
    assert "sla.breached" in events
    body = schema["components"]["schemas"]["WebhookEvent"]["properties"]["type"]
    assert body == {"$ref": "#/components/schemas/WebhookEventTypeEnum"}
