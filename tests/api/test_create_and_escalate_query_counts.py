"""Opening and escalating a case through the API make a fixed number of queries: the SLA
configuration and the webhook subscriptions come from the process's copy (read again only
when they change), the reference from the year's sequence, a few rows by one INSERT each, and
the answer from the case the service just wrote."""

import pytest
from django.db import connection

from escalations.models import Case, CaseStatus, SLAPolicy, SLATimer
from integrations.models import WebhookSubscription
from notifications.events import EventType
from notifications.models import Notification
from tests.api.payloads import PAYLOADS, create_body
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    EscalationRuleFactory,
    make_case,
    make_sla_policy,
)

# On PostgreSQL: token, the reference with the keys of the case and its call log (one draw), the
# case with its timers, call log, their two history rows, the webhook row and its delivery (one
# INSERT); + the service's savepoint and its release (the test runs in a transaction). Issue 18's
# fifth pass: 7 -> 5 (the webhook row and its delivery were two INSERTs after the case's: now in
# the case's statement, notifications.outbox.batched's ``together``, the delivery finding its row
# by the event id, kit.together.insert_together). Fourth pass: 12 -> 7 (the customer, kept per
# process since then, escalations.selectors.known_customer; the case, its history row, the
# timers, the call log and its history row were five INSERTs). Before issue 18: 24 (the SLA
# policy, its targets, its calendar's hours and days, the subscriptions, the counter row locked,
# bumped and read again, the case read again for the answer, the actor's permissions (2) and
# home team: now kept per process, accounts.backends and accounts.memberships; the category,
# kept per process since issue 18's third pass, escalations.selectors.active_category).
CREATE_QUERIES = 5
# On SQLite the rows go one model at a time (the case, its history row, the timers, the call log,
# its history row, the webhook row, its delivery: 6 more) and the reference is the counter row
# locked, bumped and read again (2 more): 13, as before the fifth pass
CREATE_QUERIES_MORE_ON_SQLITE = 8
# On PostgreSQL: token, the case (read once, locked, with the visibility rule, and with it the
# keys of the case's history row, the hop and the note drawn and the hop's number:
# escalations.services.escalate_drawn.drawn_with_the_case), then the case UPDATE, the nudges cleared
# and the case's history row, the hop, its history row, its timers, the handoff note and its
# history row, with the outbox rows (the webhook row, its delivery, and the bells of the L2
# team's present members made from the team by an INSERT ... SELECT:
# notifications.outbox.notify_team_in_app) in one statement
# (escalations.services.escalate._write_together; notifications.outbox.batched's ``also``);
# + the view's savepoint and its release (the service joins the view's block). Issue 18's sixth
# pass: 7 -> 5 (the outbox rows were an INSERT of their own after the case's statement; the keys,
# the hop's number and the team's present members a SELECT of their own before it).
# Fifth pass: 15 -> 7 (the case UPDATE, its history row, the hop, its history row, the
# timers, the nudges, the note, its history row and the members were nine statements; the
# delivery a second INSERT after the outbox rows'). Third pass: 19 -> 16 (the case locked and
# read again, the rules, one outbox INSERT of two; the rules and teams are now kept per process,
# escalations.selectors.ROUTING). Before issue 18: 27 (the SLA policy, hop targets, calendar's
# hours and days, the subscriptions, the case read again for the answer, the actor's permissions
# (2) and teams: now per process). Fourth pass: 16 -> 15 (the hop number drawn in the hop's
# INSERT, kit.bulk.bulk_insert's ``drawn``).
ESCALATE_QUERIES = 5
# To a person (a rule naming someone): no bells of a team; the rule's person (the kept routing
# does not hold people: who is absent changes all day) is read in the case's locked read, with
# the persons of the other rules that may route the case
# (escalations.services.escalate_drawn.drawn_with_the_case), and the answer is built from that
# person
# (the case holds its new handler, escalations.models.Case._route). Issue 18's seventh pass:
# 7 -> 5 (the person was a SELECT of its own, and the case was read again for the answer).
ESCALATE_TO_A_PERSON_QUERIES = ESCALATE_QUERIES
# On SQLite the rows go one model at a time (as for the SLA sweep's batches): the case UPDATE,
# its history row, the hop's number read (the last one + 1), the hop, its history row, its
# timers, the nudges cleared, the note, its history row, the members read and the outbox rows,
# where PostgreSQL makes one statement (10 more), and the webhook delivery is a second INSERT
# after the outbox rows' (1 more): 16 in all, as before the sixth pass
MORE_ON_SQLITE = 11
# acknowledge and return: the webhook delivery a second INSERT after the outbox rows'
DELIVERY_INSERT_ON_SQLITE = 1


@pytest.fixture
def setup(org, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the configuration "committed"
        make_sla_policy()
        WebhookSubscription.objects.create(
            name="CRM",
            url="http://127.0.0.1:9/hooks",
            secret="s",
            event_types=list(EventType.values),
        )
    return {"customer": CustomerFactory(), "category": CategoryFactory(name="請求・料金")}


def create(client, setup):
    body = create_body(setup["customer"], setup["category"])
    return client.post("/api/v1/cases/", body, format="json")


def test_a_create_reads_the_configuration_once_then_never(
    api, operator, setup, django_assert_num_queries
):
    client = api(operator)
    assert create(client, setup).status_code == 201  # reads the SLA policies, subscriptions

    sqlite = connection.vendor == "sqlite"
    with django_assert_num_queries(CREATE_QUERIES + sqlite * CREATE_QUERIES_MORE_ON_SQLITE):
        response = create(client, setup)

    assert response.status_code == 201
    case = Case.objects.get(reference=response.json()["reference"])
    assert response.json()["owner_team"]["id"] == case.owner_team_id
    assert SLATimer.objects.filter(case=case).count() == 2
    assert Notification.objects.filter(case=case).count() == 1
    assert case.history.get().history_user == operator


def test_a_change_to_a_policy_is_read_by_the_next_create(api, operator, setup):
    client = api(operator)
    create(client, setup)
    SLAPolicy.objects.update(is_default=False)  # not through save(): the next save tells
    policy = make_sla_policy(name="新方針", always_open=False)

    response = create(client, setup)

    case = Case.objects.get(reference=response.json()["reference"])
    assert {t.policy_id for t in SLATimer.objects.filter(case=case)} == {policy.pk}


def second_to_escalate(client, operator, setup) -> Case:
    """Two cases in progress, the first escalated (the per-process routing and the statements
    warmed up); the second, to escalate while the queries are counted."""
    first, second = (
        make_case(owner=operator, customer=setup["customer"], category=setup["category"])
        for _ in range(2)
    )
    for case in (first, second):
        client.post(f"/api/v1/cases/{case.reference}/start-work/", {}, format="json")
    client.post(f"/api/v1/cases/{first.reference}/escalate/", PAYLOADS["escalate"], format="json")
    return second


def test_an_escalation_makes_a_fixed_number_of_queries(
    api, operator, setup, django_assert_num_queries
):
    client = api(operator)
    second = second_to_escalate(client, operator, setup)

    sqlite = connection.vendor == "sqlite"
    with django_assert_num_queries(ESCALATE_QUERIES + sqlite * MORE_ON_SQLITE):
        response = client.post(
            f"/api/v1/cases/{second.reference}/escalate/", PAYLOADS["escalate"], format="json"
        )

    assert response.status_code == 200
    assert response.json()["status"] == CaseStatus.ESCALATED
    assert (
        response.json()["assigned_team"]["name"]
        == second.__class__.objects.get(pk=second.pk).assigned_team.name
    )
    assert SLATimer.objects.filter(case=second, escalation__isnull=False).count() == 2


def test_an_escalation_to_a_person_draws_nothing_apart(
    api,
    operator,
    supervisor,
    org,
    setup,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):  # the rule "committed"
        EscalationRuleFactory(
            target_team=org["l2"], category=setup["category"], target_user=supervisor
        )
    client = api(operator)
    second = second_to_escalate(client, operator, setup)

    sqlite = connection.vendor == "sqlite"
    with django_assert_num_queries(
        # on SQLite no members are read for a person (one fewer), but the person is read by a
        # SELECT of its own (one more; nothing is drawn with the case's read there): 16
        ESCALATE_TO_A_PERSON_QUERIES + sqlite * MORE_ON_SQLITE
    ):
        response = client.post(
            f"/api/v1/cases/{second.reference}/escalate/", PAYLOADS["escalate"], format="json"
        )

    assert response.status_code == 200, response.content
    assert response.json()["handler"]["username"] == supervisor.username
    assert response.json() == client.get(f"/api/v1/cases/{second.reference}/").json()
    hop = second.escalations.get()
    assert (hop.number, hop.to_user) == (1, supervisor)
    assert Notification.objects.filter(case=second, recipient=supervisor).exists()


# token, the case (read once, locked, with the visibility rule), the case UPDATE and its history
# row, the open hop locked, its UPDATE and its history row, its acknowledgement timers stopped
# (met or missed: one UPDATE), the comment note and its history row, the webhook row with its
# delivery (one INSERT); + the view's savepoint and its release. Issue 18's third pass: 17 -> 15
# (the case was locked and read again, and read once more for the answer: the caller is its new
# handler); fourth pass: 15 -> 14 (the timers' two UPDATEs, met and missed, as one); fifth pass:
# 14 -> 13 (the delivery in the webhook row's statement, notifications.outbox.queue's
# ``linked``; on SQLite still two INSERTs).
ACKNOWLEDGE_QUERIES = 13
# token, the case, the case UPDATE and its history row, the open hop locked, its UPDATE and its
# history row, its timers stopped (one UPDATE), its hold nudge cleared, the answer note and its
# history row, the outbox rows (the webhook row and the owner's bell) with the webhook delivery
# (one INSERT); + the savepoint and its release. Issue 18's third pass: 19 -> 16 (the case
# locked and read again, one outbox INSERT of two, the case read again for the answer: its
# assigned team is the owner's team again); fourth pass: 16 -> 15 (the timers' two UPDATEs as
# one); fifth pass: 15 -> 14 (the delivery in the outbox rows' statement; on SQLite still two).
RETURN_QUERIES = 14


def test_an_acknowledgement_and_a_return_make_a_fixed_number_of_queries(
    api, operator, supervisor, setup, django_assert_num_queries
):
    owner, l2 = api(operator), api(supervisor)
    first, second = (
        make_case(owner=operator, customer=setup["customer"], category=setup["category"])
        for _ in range(2)
    )
    for case in (first, second):
        owner.post(f"/api/v1/cases/{case.reference}/start-work/", {}, format="json")
        owner.post(f"/api/v1/cases/{case.reference}/escalate/", PAYLOADS["escalate"], format="json")
    l2.post(f"/api/v1/cases/{first.reference}/acknowledge/", PAYLOADS["acknowledge"], format="json")
    l2.post(f"/api/v1/cases/{first.reference}/return/", PAYLOADS["return_to_owner"], format="json")

    sqlite = connection.vendor == "sqlite"
    with django_assert_num_queries(ACKNOWLEDGE_QUERIES + sqlite * DELIVERY_INSERT_ON_SQLITE):
        acknowledged = l2.post(
            f"/api/v1/cases/{second.reference}/acknowledge/",
            PAYLOADS["acknowledge"],
            format="json",
        )
    with django_assert_num_queries(RETURN_QUERIES + sqlite * DELIVERY_INSERT_ON_SQLITE):
        returned = l2.post(
            f"/api/v1/cases/{second.reference}/return/",
            PAYLOADS["return_to_owner"],
            format="json",
        )

    assert acknowledged.status_code == 200, acknowledged.content
    assert acknowledged.json()["handler"]["username"] == supervisor.username
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == CaseStatus.RETURNED
    hop = second.escalations.get()
    assert hop.acknowledged_by == supervisor and hop.answered_by == supervisor
    assert not SLATimer.objects.filter(escalation=hop, stopped_at__isnull=True).exists()
