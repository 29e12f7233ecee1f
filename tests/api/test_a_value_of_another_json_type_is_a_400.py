"""A body value of another JSON type than the schema says is a 400 naming the field, and
nothing is written: a number or ``true`` for a text, a string or a number for a yes/no, a
string for an id or a numbered choice. DRF would otherwise convert them and accept the request
(``42`` as the note "42"); schemathesis (``test_property_based.py``) found the note's."""

import pytest

from escalations import services
from escalations.models import Case, CaseNote, Customer
from tests.api.test_case_create_and_edit import create_payload
from tests.factories import HANDOFF, CustomerFactory


@pytest.fixture
def customer(db):
    return CustomerFactory(external_id="CRM-001")


def assert_refused(response, field):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


@pytest.mark.parametrize("body", [123, 1.5, True, ["メモ"], {"text": "メモ"}])
def test_a_note_that_is_not_a_text_is_refused(api, operator, case, body):
    before = CaseNote.objects.filter(case=case).count()

    response = api(operator).post(
        f"/api/v1/cases/{case.reference}/notes/",
        {"kind": "internal", "body": body},
        format="json",
    )

    assert_refused(response, "body")
    assert CaseNote.objects.filter(case=case).count() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": 42}, "subject"),
        ({"call_log": False}, "call_log"),
        ({"impact": "1"}, "impact"),
        ({"urgency": True}, "urgency"),
        ({"channel": 1}, "channel"),
        ({"category": True}, "category"),
    ],
)
def test_a_create_with_a_mistyped_value_is_refused(
    api, org, operator, customer, billing, overrides, field
):
    response = api(operator).post(
        "/api/v1/cases/", create_payload(customer, billing, **overrides), format="json"
    )

    assert_refused(response, field)
    assert not Case.objects.exists()


def test_a_customer_id_given_as_text_is_refused(api, org, operator, customer, billing):
    response = api(operator).post(
        "/api/v1/cases/",
        create_payload(customer, billing, customer=str(customer.pk)),
        format="json",
    )

    assert_refused(response, "customer")
    assert not Case.objects.exists()


def test_an_edit_with_a_number_for_the_subject_is_refused(api, operator, case):
    response = api(operator).patch(
        f"/api/v1/cases/{case.reference}/", {"subject": 2026}, format="json"
    )

    assert_refused(response, "subject")
    case.refresh_from_db()
    assert case.subject != "2026"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"on_hold": "true"}, "on_hold"),
        ({"on_hold": 1}, "on_hold"),
        ({"customer_wants": 100}, "customer_wants"),
    ],
)
def test_an_escalation_with_a_mistyped_value_is_refused(api, operator, case, changes, field):
    handoff = {"customer_wants": "返金してほしい", "tried": "再起動", "mood": "angry"}
    body = {"reason": "complaint", **handoff, **changes}

    response = api(operator).post(f"/api/v1/cases/{case.reference}/escalate/", body, format="json")

    assert_refused(response, field)
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_a_customer_with_a_number_for_a_name_is_refused(api, operator):
    before = Customer.objects.count()

    response = api(operator).post(
        "/api/v1/customers/", {"name": 12345, "phone": "080-1234-5678"}, format="json"
    )

    assert_refused(response, "name")
    assert Customer.objects.count() == before


def test_a_return_with_a_string_for_reusable_is_refused(api, operator, supervisor, case):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    services.case_acknowledge(case=case, actor=supervisor)

    response = api(supervisor).post(
        f"/api/v1/cases/{case.reference}/return/",
        {"answer": "返金します", "reusable": "false", "not_reusable_reason": "個別対応"},
        format="json",
    )

    assert_refused(response, "reusable")
    case.refresh_from_db()
    assert case.status == "acknowledged"


def test_the_same_values_with_their_own_types_are_accepted(api, operator, case):
    response = api(operator).post(
        f"/api/v1/cases/{case.reference}/notes/",
        {"kind": "internal", "body": "123"},
        format="json",
    )

    assert response.status_code == 201, response.content[:300]
    assert CaseNote.objects.filter(case=case, body="123").exists()
