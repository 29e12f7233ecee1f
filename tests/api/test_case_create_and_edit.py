"""Opening and editing a case through the API: the services' rules, field errors as 400."""

import pytest

from escalations.models import Case, CaseNote
from tests.factories import CustomerFactory, make_case


@pytest.fixture
def customer(db):
    return CustomerFactory(external_id="CRM-001")


def create_payload(customer_, category_, **overrides):
    return {
        "customer": customer_.pk,
        "category": category_.pk,
        "subject": "ログインできない",
        "impact": 1,
        "urgency": 1,
        "call_log": "パスワードを再設定しても入れないとのこと",
        **overrides,
    }


def test_an_operator_opens_a_case_and_owns_it(api, org, operator, customer, billing):
    response = api(operator).post(
        "/api/v1/cases/", create_payload(customer, billing), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert (case.owner, case.status, case.priority, case.channel) == (operator, "new", 1, "api")
    assert body["owner"]["username"] == "operator"
    assert body["customer"]["external_id"] == "CRM-001"
    assert CaseNote.objects.filter(case=case, kind="call_log").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"impact": 7}, "impact"),
        ({"channel": "fax"}, "channel"),
        ({"customer": 999999}, "customer"),
        ({"category": "abc"}, "category"),
        ({"status": "closed"}, "status"),
        ({"owner": 1}, "owner"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(
    api, org, operator, customer, billing, overrides, field
):
    response = api(operator).post(
        "/api/v1/cases/", create_payload(customer, billing, **overrides), format="json"
    )

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not Case.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(api, org, operator):
    for body in (["a list"], "text", 3):
        response = api(operator).post("/api/v1/cases/", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid"


def test_a_specialist_may_not_open_cases(api, org, specialist, customer, billing):
    response = api(specialist).post(
        "/api/v1/cases/", create_payload(customer, billing), format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Case.objects.exists()


def test_a_case_is_retrieved_by_reference_and_hidden_from_outsiders(api, case, operator, outsider):
    assert api(operator).get(f"/api/v1/cases/{case.reference}/").json()["status"] == ("in_progress")
    response = api(outsider).get(f"/api/v1/cases/{case.reference}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api(operator).get("/api/v1/cases/C-1999-000001/").status_code == 404


def test_editing_changes_the_editable_fields_and_recomputes_priority(api, case, operator):
    response = api(operator).patch(
        f"/api/v1/cases/{case.reference}/",
        {"subject": "請求額の誤り", "impact": 1},
        format="json",
    )

    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.subject, case.impact, case.priority) == ("請求額の誤り", 1, 1)
    assert case.history.latest().history_change_reason.startswith("edit:")


@pytest.mark.parametrize("field", ["status", "tier", "owner", "priority", "reference"])
def test_fields_outside_the_editable_ones_are_refused(api, case, operator, field):
    response = api(operator).patch(
        f"/api/v1/cases/{case.reference}/", {field: "closed"}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_editing_is_refused_to_those_the_admin_refuses(api, case, manager, outsider):
    assert (
        api(manager)
        .patch(f"/api/v1/cases/{case.reference}/", {"subject": "x"}, format="json")
        .status_code
        == 403
    )
    assert (
        api(outsider)
        .patch(f"/api/v1/cases/{case.reference}/", {"subject": "x"}, format="json")
        .status_code
        == 404
    )


def test_put_and_delete_are_not_offered(api, case, operator):
    client = api(operator)
    assert client.put(f"/api/v1/cases/{case.reference}/", {}, format="json").status_code == 405
    response = client.delete(f"/api/v1/cases/{case.reference}/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_anonymous_requests_are_401(api, case):
    response = api(None).get("/api/v1/cases/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_case_of_another_owner_lists_with_its_owner(api, org, operator, colleague):
    make_case(owner=colleague)
    rows = api(operator).get("/api/v1/cases/").json()["results"]
    assert [row["owner"]["username"] for row in rows] == ["colleague"]
