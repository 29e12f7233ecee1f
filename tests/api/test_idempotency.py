"""``Idempotency-Key``: a retry returns the first response and creates nothing twice; the same
key for another request is refused; a refused request may be retried with its key."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from escalations.models import Case, Escalation
from integrations.models import IdempotencyRecord
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import CustomerFactory


@pytest.fixture
def payload(org, billing):
    customer = CustomerFactory()
    return {
        "customer": customer.pk,
        "category": billing.pk,
        "subject": "解約したい",
        "impact": 2,
        "urgency": 2,
    }


def create(client, payload, key):
    return client.post("/api/v1/cases/", payload, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_create_returns_the_first_case_and_creates_one(api, operator, payload):
    client = api(operator)

    first = create(client, payload, "key-1")
    again = create(client, payload, "key-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_key_order_and_spacing_of_the_body_do_not_matter(api, operator, payload):
    client = api(operator)
    create(client, payload, "key-1")

    again = client.post(
        "/api/v1/cases/",
        '{"urgency": 2, "impact": 2, "subject": "解約したい", '
        f'"category": {payload["category"]}, "customer": {payload["customer"]}}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )

    assert again.status_code == 201
    assert Case.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api, operator, payload):
    client = api(operator)
    create(client, payload, "key-1")

    other = create(client, {**payload, "subject": "別の件"}, "key-1")

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_the_same_key_on_another_path_is_refused(api, operator, case, payload):
    client = api(operator)
    client.post(
        transition_url(case, "escalate"),
        PAYLOADS["escalate"],
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert create(client, payload, "k").status_code == 422


def test_keys_belong_to_one_user(api, operator, colleague, payload):
    create(api(operator), payload, "shared-key")

    theirs = create(api(colleague), payload, "shared-key")

    assert theirs.status_code == 201
    assert Case.objects.count() == 2


def test_a_retried_transition_is_not_run_twice(api, case, operator, supervisor):
    client = api(operator)
    url = transition_url(case, "escalate")

    first = client.post(url, PAYLOADS["escalate"], format="json", HTTP_IDEMPOTENCY_KEY="esc-1")
    again = client.post(url, PAYLOADS["escalate"], format="json", HTTP_IDEMPOTENCY_KEY="esc-1")
    without_key = client.post(url, PAYLOADS["escalate"], format="json")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    # without the key it is a new request for a case escalated meanwhile: a conflict
    assert without_key.status_code == 409
    assert without_key.json()["status"] == "escalated"
    assert Escalation.objects.filter(case=case).count() == 1


def test_a_refused_request_is_not_remembered_and_may_be_retried(api, operator, payload):
    client = api(operator)

    refused = create(client, {**payload, "subject": ""}, "key-2")
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists()

    assert create(client, {**payload, "subject": ""}, "key-2").status_code == 400
    assert create(client, payload, "key-2").status_code == 201


def test_a_retried_note_is_added_once(api, case, operator):
    client = api(operator)
    url = f"/api/v1/cases/{case.reference}/notes/"
    body = {"kind": "internal", "body": "メモ"}

    client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="n-1")
    client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="n-1")

    assert case.notes.filter(kind="internal").count() == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_an_unusable_key_is_a_400(api, operator, payload, key):
    response = create(api(operator), payload, key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]
    assert not Case.objects.exists()


def test_old_records_are_purged_and_their_keys_can_be_used_again(api, operator, payload):
    client = api(operator)
    create(client, payload, "old-key")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    create(client, payload, "fresh-key")

    call_command("purge_idempotency_records", "--hours", "24")

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh-key"]
    assert create(client, payload, "old-key").status_code == 201
    assert Case.objects.count() == 3


def test_a_keyed_transition_adds_its_record_in_two_statements_and_no_savepoint(api, case, operator):
    """The record's INSERT … ON CONFLICT DO NOTHING needs no savepoint, and the transition
    joins the record's transaction without one (an error ends the request's transaction whole):
    the key costs its INSERT and the response's UPDATE, nothing more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(operator)
    with CaptureQueriesContext(connection) as keyed:
        response = client.post(
            transition_url(case, "escalate"),
            PAYLOADS["escalate"],
            format="json",
            HTTP_IDEMPOTENCY_KEY="esc-1",
        )

    assert response.status_code == 200
    statements = [q["sql"] for q in keyed.captured_queries]
    # one savepoint: the key's block inside the test's own transaction (a request has none
    # around it); none for the record's INSERT, none for the transition (before: three)
    savepoints = [sql for sql in statements if sql.upper().startswith("SAVEPOINT")]
    assert len(savepoints) == 1
    record = [sql for sql in statements if "idempotencyrecord" in sql]
    assert len(record) == 2 and "ON CONFLICT" in record[0] and record[1].startswith("UPDATE")
    assert IdempotencyRecord.objects.get(key="esc-1").status_code == 200
