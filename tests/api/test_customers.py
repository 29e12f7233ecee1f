"""A CTI or CRM finds the caller by phone or CRM id, or registers them, before opening a
case: the admin's customer permissions apply."""

import pytest

from escalations.models import Customer
from tests.factories import CustomerFactory


@pytest.fixture
def known(db):
    return CustomerFactory(
        name="山田 花子", furigana="やまだ はなこ", phone="03-1111-2222", external_id="CRM-9"
    )


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_customers_are_found_by_phone_crm_id_or_name(api, operator, known):
    CustomerFactory(name="佐藤 次郎")
    client = api(operator)

    assert ids(client.get("/api/v1/customers/?phone=03-1111-2222")) == [known.pk]
    assert ids(client.get("/api/v1/customers/?external_id=CRM-9")) == [known.pk]
    assert ids(client.get("/api/v1/customers/?name=はなこ")) == [known.pk]
    assert len(ids(client.get("/api/v1/customers/"))) == 2
    assert client.get(f"/api/v1/customers/{known.pk}/").json()["phone"] == "03-1111-2222"


def test_an_operator_registers_a_customer_once_per_crm_id(api, operator, known):
    client = api(operator)

    created = client.post(
        "/api/v1/customers/",
        {"name": "新規 顧客", "phone": "090-0000-0000", "external_id": "CRM-10"},
        format="json",
    )
    duplicate = client.post(
        "/api/v1/customers/", {"name": "別人", "external_id": "CRM-9"}, format="json"
    )

    assert created.status_code == 201, created.content
    customer = Customer.objects.get(pk=created.json()["id"])
    assert customer.history.get().history_user == operator
    assert duplicate.status_code == 400
    assert "external_id" in duplicate.json()["fields"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"name": "  "}, "name"), ({"name": "x", "email": "not-mail"}, "email"), ({}, "name")],
)
def test_bad_customer_input_is_a_400(api, operator, payload, field):
    response = api(operator).post("/api/v1/customers/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_specialist_may_look_customers_up_but_not_register_them(api, specialist, known):
    client = api(specialist)

    assert client.get("/api/v1/customers/").status_code == 200
    assert client.post("/api/v1/customers/", {"name": "x"}, format="json").status_code == 403
