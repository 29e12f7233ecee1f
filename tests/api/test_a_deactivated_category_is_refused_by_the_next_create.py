"""A create takes its category from the categories kept per process (no query while they are
unchanged); a category deactivated, or a new one, is seen by the next create."""

from escalations.models import Case
from tests.factories import CategoryFactory, CustomerFactory


def create(client, customer, category_id):
    body = {
        "customer": customer.pk,
        "category": category_id,
        "subject": "請求額が違う",
        "impact": 2,
        "urgency": 2,
    }
    return client.post("/api/v1/cases/", body, format="json")


def test_a_deactivated_category_is_refused_by_the_next_create(
    api, org, operator, django_capture_on_commit_callbacks
):
    client = api(operator)
    customer = CustomerFactory()
    billing = CategoryFactory(name="請求・料金")
    assert create(client, customer, billing.pk).status_code == 201  # the categories kept

    with django_capture_on_commit_callbacks(execute=True):  # the admin's save, committed
        billing.is_active = False
        billing.save()
        later = CategoryFactory(name="解約")

    refused = create(client, customer, billing.pk)
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["category"]
    accepted = create(client, customer, later.pk)
    assert accepted.status_code == 201, accepted.content
    assert Case.objects.get(reference=accepted.json()["reference"]).category == later
    assert accepted.json()["category"]["name"] == "解約"


def test_an_unknown_or_malformed_category_is_a_400(api, org, operator):
    client = api(operator)
    customer = CustomerFactory()
    for value in (999_999, "abc", True):
        response = create(client, customer, value)
        assert response.status_code == 400, value
        assert list(response.json()["fields"]) == ["category"]
