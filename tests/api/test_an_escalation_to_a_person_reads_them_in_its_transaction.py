"""An escalation the matrix sends to a person (a rule's ``target_user``) reads that person in
its own transaction: on PostgreSQL in the case's locked read
(``escalations.services.escalate_drawn.drawn_with_the_case``), on SQLite by a read of its own. So a
person marked absent or deactivated after the routing was kept per process still passes the case
to their delegate, or to the team's queue when nobody on the chain is present. The answer is
built from the person the escalation read (no second read of the case), and it is what a GET of
the case shows next."""

import pytest

from accounts.models import User
from escalations.models import Case, CaseStatus, Escalation
from notifications.models import InboxKind, Notification, NotificationChannel
from tests.api.payloads import PAYLOADS, transition_url
from tests.escalations.hold_setup import give_emails, hold_policy
from tests.factories import EscalationRuleFactory, UserFactory, absent, make_case


@pytest.fixture
def rule_owner(db):
    return UserFactory(username="rule-owner", display_name="山本 管理", role="manager")


@pytest.fixture
def billing_rule(org, billing, chief, rule_owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the rule "committed"
        return EscalationRuleFactory(
            target_team=org["l2"], category=billing, target_user=chief, review_owner=rule_owner
        )


def escalated(client, operator, billing) -> tuple[Case, dict]:
    """A new billing case of the operator's, started and escalated through the API; the case
    and the escalate's answer."""
    case = make_case(owner=operator, category=billing)
    client.post(transition_url(case, "start_work"), PAYLOADS["start_work"], format="json")
    response = client.post(transition_url(case, "escalate"), PAYLOADS["escalate"], format="json")
    assert response.status_code == 200, response.content
    return case, response.json()


def deactivated(user: User, delegate: User | None = None) -> None:
    user.is_active = False
    user.delegate = delegate
    user.save()


def test_the_answer_names_the_person_as_a_get_of_the_case_does(
    api, operator, billing, chief, billing_rule
):
    client = api(operator)

    case, answer = escalated(client, operator, billing)

    assert answer["handler"]["username"] == chief.username
    assert answer == client.get(f"/api/v1/cases/{case.reference}/").json()


@pytest.mark.parametrize("away", [absent, deactivated])
def test_a_person_away_since_the_routing_was_kept_passes_the_case_to_their_delegate(
    api, operator, billing, chief, deputy, billing_rule, away
):
    client = api(operator)
    escalated(client, operator, billing)  # the routing kept, the chief read present
    away(chief, delegate=deputy)

    case, answer = escalated(client, operator, billing)

    hop = Escalation.objects.get(case=case)
    assert (hop.to_user, hop.routed_from) == (deputy, chief)
    assert answer["handler"]["username"] == deputy.username
    assert answer == client.get(f"/api/v1/cases/{case.reference}/").json()
    assert Notification.objects.filter(case=case, recipient=deputy).exists()
    assert not Notification.objects.filter(case=case, recipient=chief).exists()


def test_with_nobody_on_the_chain_present_the_team_queue_takes_it_and_the_rule_owner_hears(
    api, operator, billing, chief, deputy, org, billing_rule, rule_owner
):
    client = api(operator)
    escalated(client, operator, billing)  # the routing kept, the chief read present
    absent(chief, delegate=deputy)
    absent(deputy)

    case, answer = escalated(client, operator, billing)

    hop = Escalation.objects.get(case=case)
    assert (hop.to_user, hop.routed_from, hop.to_team) == (None, chief, org["l2"])
    assert (answer["status"], answer["handler"]) == (CaseStatus.ESCALATED, None)
    assert answer["assigned_team"]["id"] == org["l2"].pk
    assert answer == client.get(f"/api/v1/cases/{case.reference}/").json()
    assert Notification.objects.filter(
        case=case, recipient=rule_owner, event_type=InboxKind.NOBODY_PRESENT
    ).exists()


def test_a_person_back_since_the_last_escalation_receives_the_next(
    api, operator, billing, chief, deputy, billing_rule
):
    client = api(operator)
    absent(chief, delegate=deputy)
    escalated(client, operator, billing)  # to the deputy
    chief.is_absent = False
    chief.save()

    case, answer = escalated(client, operator, billing)

    assert Escalation.objects.get(case=case).to_user == chief
    assert answer["handler"]["username"] == chief.username
    assert answer == client.get(f"/api/v1/cases/{case.reference}/").json()


def test_a_person_a_held_customer_waits_for_is_emailed_at_their_address(
    api, operator, billing, chief, billing_rule
):
    """The address is not read with the case (its locked read holds nobody's): the email reads
    it."""
    hold_policy()
    give_emails(chief)
    case = make_case(owner=operator, category=billing)
    client = api(operator)
    client.post(transition_url(case, "start_work"), PAYLOADS["start_work"], format="json")

    response = client.post(
        transition_url(case, "escalate"), {**PAYLOADS["escalate"], "on_hold": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert Notification.objects.filter(
        case=case, recipient=chief, channel=NotificationChannel.EMAIL, address=chief.email
    ).exists()
