"""A CTI escalates a live call through the API: ``on_hold`` puts the customer on hold, as the
admin's box does; without it the escalation is not a hold."""

from escalations.models import Escalation
from notifications.models import Notification
from tests.api.payloads import PAYLOADS, transition_url
from tests.escalations.hold_setup import give_emails, hold_policy


def test_on_hold_through_the_api(api, case, operator, supervisor, org):
    hold_policy()
    give_emails(supervisor)

    response = api(operator).post(
        transition_url(case, "escalate"), {**PAYLOADS["escalate"], "on_hold": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert Escalation.objects.get(case=case).is_on_hold
    assert Notification.objects.filter(event_type="escalation.on_hold", recipient=supervisor)


def test_not_on_hold_by_default(api, case, operator, org):
    response = api(operator).post(
        transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
    )

    assert response.status_code == 200
    assert Escalation.objects.get(case=case).on_hold_since is None
