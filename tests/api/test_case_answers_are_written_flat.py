"""Case answers (the list, a create, a transition) are written by ``case_data`` without DRF's
fields, and say exactly what ``CaseSerializer`` (the schema's description of a case) says."""

import json

from rest_framework.renderers import JSONRenderer

from escalations.api.case_answers import case_data
from escalations.api.serializers import CaseSerializer
from escalations.models import Case, CaseStatus
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import CategoryFactory, CustomerFactory, make_case

RELATED = ["customer", "category", "owner", "handler", "owner_team", "assigned_team"]


def as_json(data) -> dict:
    return json.loads(JSONRenderer().render(data))


def described(reference: str) -> dict:
    case = Case.objects.select_related(*RELATED).get(reference=reference)
    return as_json(CaseSerializer(case).data)


def test_every_case_answer_says_what_the_case_serializer_says(api, org, operator, supervisor):
    client = api(operator)
    created = client.post(
        "/api/v1/cases/",
        {
            "customer": CustomerFactory(external_id=None).pk,
            "category": CategoryFactory(name="請求・料金").pk,
            "subject": "請求額が違う",
            "impact": 2,
            "urgency": 3,
        },
        format="json",
    ).json()
    assert created == described(created["reference"])

    escalated = make_case(owner=operator, customer=CustomerFactory(external_id="CRM-1"))
    client.post(transition_url(escalated, "start_work"), {}, format="json")
    answer = client.post(
        transition_url(escalated, "escalate"), PAYLOADS["escalate"], format="json"
    ).json()
    assert answer["status"] == CaseStatus.ESCALATED
    assert answer == described(escalated.reference)

    resolved = make_case(owner=operator)
    for name in ("start_work", "resolve"):
        answer = client.post(transition_url(resolved, name), PAYLOADS[name], format="json")
    assert answer.json()["resolved_at"] is not None
    assert answer.json() == described(resolved.reference)

    page = client.get("/api/v1/cases/?page_size=50").json()["results"]
    assert len(page) == 3
    assert page == [described(item["reference"]) for item in page]


def test_the_flat_writer_and_the_serializer_agree_on_a_case_held_in_memory(org, operator):
    case = make_case(owner=operator)  # as the service left it: choices as enum members

    assert as_json(case_data(case)) == as_json(CaseSerializer(case).data)
    assert case_data(case) == CaseSerializer(case).data
