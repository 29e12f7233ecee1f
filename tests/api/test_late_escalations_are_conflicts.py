"""Twenty escalations of one case at once through the API (issue 15): one escalates, every
other is a conflict (409 with the case's current status), never a 403 — the late ones were
made against a status the case no longer has, whatever the caller's role."""

import pytest

from escalations.models import CaseStatus, Escalation
from tests.api.payloads import PAYLOADS, transition_url
from tests.api.test_concurrent_api_requests import at_once, client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_escalations_at_once_give_one_200_and_nineteen_409(case, operator, org):
    client = client_for(operator)
    url = transition_url(case, "escalate")

    responses = at_once(
        *[lambda: client.post(url, PAYLOADS["escalate"], format="json") for _ in range(20)]
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19, codes
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == "conflict"
            assert response.json()["status"] == CaseStatus.ESCALATED
    assert Escalation.objects.filter(case=case).count() == 1
