"""The create takes its customer from the customers kept per process
(``escalations.selectors.known_customer``): no query for a customer seen before, and a customer
renamed or deleted since is read again (or refused) by the next create."""

from escalations.models import Case, Customer
from tests.factories import CategoryFactory, CustomerFactory


def create(client, customer_id, category):
    body = {
        "customer": customer_id,
        "category": category.pk,
        "subject": "請求額が違う",
        "impact": 2,
        "urgency": 2,
    }
    return client.post("/api/v1/cases/", body, format="json")


def test_a_renamed_customer_is_answered_with_the_new_name(api, operator, org, db):
    client = api(operator)
    customer, category = CustomerFactory(name="山田 太郎"), CategoryFactory()
    assert create(client, customer.pk, category).json()["customer"]["name"] == "山田 太郎"
    customer.name = "山田 次郎"
    customer.save()
    assert create(client, customer.pk, category).json()["customer"]["name"] == "山田 次郎"


def test_a_deleted_or_unknown_customer_is_refused(api, operator, org, db):
    client = api(operator)
    customer, category = CustomerFactory(), CategoryFactory()
    spare = CustomerFactory()
    assert create(client, spare.pk, category).status_code == 201
    Case.objects.filter(customer=spare).delete()
    Customer.objects.get(pk=spare.pk).delete()
    response = create(client, spare.pk, category)
    assert response.status_code == 400
    assert "customer" in str(response.json())
    for bad in (0, -1, 2**63, "x", True):
        assert create(client, bad, category).status_code == 400
    assert create(client, customer.pk, category).status_code == 201
