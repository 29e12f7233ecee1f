"""Two integrations act on the same case at the same moment through the API, on PostgreSQL
with real threads: one gets 200, the other 409, and the case moves once. Two retries of one
create with the same Idempotency-Key at once create one case and answer the same."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from escalations.models import Case, CaseStatus, Escalation
from tests.api.conftest import issue_token
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*requests):
    """Send each ``request(client)`` from its own thread, all released together."""
    start = threading.Barrier(len(requests))
    outcomes: list = [None] * len(requests)

    def run(index, request):
        try:
            start.wait(timeout=10)
            outcomes[index] = request()
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")
    return client


def test_two_escalations_of_one_case_at_once_give_one_200_and_one_409(
    case, operator, colleague, org
):
    clients = [client_for(operator), client_for(colleague)]
    url = transition_url(case, "escalate")

    responses = at_once(
        *[lambda c=c: c.post(url, PAYLOADS["escalate"], format="json") for c in clients]
    )

    assert sorted(r.status_code for r in responses) == [200, 409], responses
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.json()["code"] == "conflict"
    assert Escalation.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ESCALATED


def test_two_acknowledgements_at_once_give_one_200_and_one_409(case, operator, supervisor, org):
    second = UserFactory(username="supervisor2", role="supervisor")
    org["l2"].members.add(second)
    client_for(operator).post(transition_url(case, "escalate"), PAYLOADS["escalate"], format="json")
    clients = [client_for(supervisor), client_for(second)]
    url = transition_url(case, "acknowledge")

    responses = at_once(*[lambda c=c: c.post(url, {}, format="json") for c in clients])

    assert sorted(r.status_code for r in responses) == [200, 409], responses
    winner = responses[0].json() if responses[0].status_code == 200 else responses[1].json()
    case.refresh_from_db()
    assert case.handler.username == winner["handler"]["username"]


def test_two_retries_with_one_idempotency_key_at_once_create_one_case(org, operator, billing):
    client = client_for(operator)
    payload = {
        "customer": CustomerFactory().pk,
        "category": billing.pk,
        "subject": "同時に再送",
        "impact": 2,
        "urgency": 2,
    }

    responses = at_once(
        *[
            lambda: client.post(
                "/api/v1/cases/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
            for _ in range(2)
        ]
    )

    assert [r.status_code for r in responses] == [201, 201], responses
    assert responses[0].json() == responses[1].json()
    assert Case.objects.count() == 1
