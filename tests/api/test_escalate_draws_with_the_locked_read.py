"""The escalate draws the keys of the rows it writes and the hop's number in its read of the
case (``escalations.services.escalate_drawn.drawn_with_the_case``): one round trip fewer. The
API reads the case without a lock, with its version (``CASES.read_versioned``); the admin and
the services' callers read it locked (``CASES.read_locked``). The number is read with the
statement's snapshot, so two escalates of one case at once may predict the same number: the
hop number's unique constraint, or the version check, then refuses the second, answered 409
with nothing written (real threads, PostgreSQL). Any other refusal of the database stays what
it is. The people the rules that may route the case name come with that read too, as the ORM
reads them: no read of the person apart."""

import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Tier, User
from escalations import services
from escalations.models import Case, CaseNote, CaseStatus, Escalation, EscalationOutcome, SLATimer
from escalations.services import CASES, escalate, escalate_drawn
from kit import compiled
from tests.api.conftest import issue_token
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import (
    HANDOFF,
    CategoryFactory,
    EscalationRuleFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.postgres


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")
    return client


def written(case: Case) -> tuple:
    """What escalating ``case`` leaves: the hops, the case's history, the transitions' notes,
    the timers."""
    case = Case.objects.get(pk=case.pk)
    return (
        (case.status, case.tier, case.assigned_team_id),
        list(
            Escalation.objects.filter(case=case).order_by("number").values_list("number", "outcome")
        ),
        case.history.count(),
        CaseNote.objects.filter(case=case).exclude(transition=None).count(),
        SLATimer.objects.filter(case=case, stopped_at=None).count(),
    )


def test_the_keys_and_the_number_come_with_the_read_of_the_case(api, case, operator):
    with CaptureQueriesContext(connection) as queries:
        response = api(operator).post(
            transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
        )

    assert response.status_code == 200, response.content
    drawing = [q["sql"] for q in queries.captured_queries if "nextval" in q["sql"]]
    # the case's read, without a lock, with its version
    assert len(drawing) == 1 and "xmin" in drawing[0] and "FOR NO KEY UPDATE" not in drawing[0]
    assert any(key[1][0] == "read_versioned" for key in compiled._kept_reads)  # kept SQL
    hop = Escalation.objects.get(case=case)
    assert hop.number == 1
    assert hop.transition_id == case.history.latest("history_date").history_id
    assert CaseNote.objects.get(case=case, transition=hop.transition_id).body


def test_the_people_the_rules_that_may_route_the_case_name_come_with_the_locked_read(
    case, org, billing, operator, colleague, supervisor, specialist, manager, outsider
):
    EscalationRuleFactory(target_team=org["l2"], category=billing, target_user=supervisor)
    EscalationRuleFactory(target_team=org["l3"], priority=case.priority, target_user=specialist)
    EscalationRuleFactory(
        target_team=org["l2"], category=CategoryFactory(name="解約"), target_user=manager
    )
    EscalationRuleFactory(
        target_team=org["l2"], priority=case.priority % 4 + 1, target_user=colleague
    )
    EscalationRuleFactory(target_team=org["l2"], target_user=outsider, is_active=False)
    EscalationRuleFactory(target_team=org["l1"], target_user=operator)  # not above the case
    supervisor.is_absent, supervisor.delegate = True, specialist
    supervisor.absent_until = dt.datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=dt.UTC)
    supervisor.last_login = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
    supervisor.save()

    with transaction.atomic():
        locked = CASES.read_locked(
            Case.objects.all, draw=escalate_drawn.drawn_with_the_case(), pk=case.pk
        )
        people = escalate_drawn.taken_with_the_case(locked).people

    def read(person: User) -> dict:
        return {f.attname: getattr(person, f.attname) for f in escalate_drawn._PERSON_FIELDS}

    assert sorted(map(read, people), key=lambda row: row["id"]) == [
        read(User.objects.get(pk=person.pk))
        for person in sorted((supervisor, specialist), key=lambda u: u.pk)
    ]
    assert all(person.get_deferred_fields() == {"password", "email"} for person in people)


def test_an_escalate_to_a_person_reads_them_in_the_read_of_the_case_alone(
    api, case, operator, org, billing, supervisor
):
    EscalationRuleFactory(target_team=org["l2"], category=billing, target_user=supervisor)
    client = api(operator)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
        )

    assert response.status_code == 200, response.content
    assert response.json()["handler"]["username"] == supervisor.username
    read_apart = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "accounts_user"' in q["sql"] and "nextval" not in q["sql"]  # not the case's
    ]
    assert read_apart == []


def test_a_number_taken_meanwhile_is_a_conflict_and_nothing_is_written(case, operator, supervisor):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    case.refresh_from_db()
    before = written(case)
    with transaction.atomic():
        locked = CASES.read_locked(
            Case.objects.all, draw=escalate_drawn.drawn_with_the_case(), pk=case.pk
        )
        drawn = escalate_drawn.taken_with_the_case(locked)
    stale = escalate_drawn.Drawn(drawn.history_key, drawn.hop_key, drawn.note_key, number=1)

    with pytest.raises(services.TransitionConflict) as refused, transaction.atomic():
        locked = CASES.read_locked(Case.objects.all, pk=case.pk)
        services.case_escalate(  # further, L2 -> L3, with the number of the first hop
            case=locked, actor=supervisor, reason="complaint", handoff=HANDOFF, drawn=stale
        )

    assert refused.value.message == str(CASES.changed)
    assert refused.value.status == CaseStatus.ESCALATED
    assert written(case) == before


def test_any_other_refusal_of_the_database_stays_an_integrity_error(case, operator):
    with transaction.atomic():
        locked = CASES.read_locked(
            Case.objects.all, draw=escalate_drawn.drawn_with_the_case(), pk=case.pk
        )
        drawn = escalate_drawn.taken_with_the_case(locked)
    taken_key = case.history.latest("history_date").history_id  # a history row's key in use
    clash = escalate_drawn.Drawn(taken_key, drawn.hop_key, drawn.note_key, drawn.number)

    with pytest.raises(IntegrityError), transaction.atomic():
        locked = CASES.read_locked(Case.objects.all, pk=case.pk)
        services.case_escalate(
            case=locked, actor=operator, reason="complaint", handoff=HANDOFF, drawn=clash
        )


def spied(decide, answers: list):
    """``decide`` (which tells what refused a write), its answers noted in ``answers``."""

    def spy(exc):
        answer = decide(exc)
        answers.append(answer)
        return answer

    return spy


def wait_until_someone_waits_for_a_lock(timeout: float = 20) -> None:
    """Return once another connection of this database waits for a row lock (the second
    escalate, queued behind the first's lock). Polled outside any transaction: a transaction
    sees one snapshot of ``pg_stat_activity``."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second escalate never waited for the lock")


@pytest.mark.django_db(transaction=True)
def test_two_escalates_further_at_once_give_one_200_and_one_409_with_numbers_in_order(
    case, operator, org, monkeypatch
):
    l4 = TeamFactory(name="ベンダー窓口", tier=Tier.L4, is_tier_default=True)
    EscalationRuleFactory(target_team=l4)
    first, second = (
        UserFactory(username=name, role="supervisor") for name in ("sv-first", "sv-second")
    )
    for team in (org["l2"], org["l3"], l4):
        team.members.add(first, second)
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    clients = {user: client_for(user) for user in (first, second)}
    url = transition_url(case, "escalate")
    refused_numbers, moved = [], []
    monkeypatch.setattr(escalate, "_number_taken", spied(escalate._number_taken, refused_numbers))
    monkeypatch.setattr(
        type(CASES), "moved_since_read", staticmethod(spied(CASES.moved_since_read, moved))
    )
    wrote, release = threading.Event(), threading.Event()
    responses: dict = {}

    def hold_the_lock():  # escalates (L2 -> L3), then commits once the other waits for it
        try:
            with transaction.atomic():
                responses["first"] = clients[first].post(url, PAYLOADS["escalate"], format="json")
                wrote.set()
                assert release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            responses["first"] = exc
        finally:
            wrote.set()
            connection.close()

    def queue_behind():  # reads before the first commits: its number predicted from then
        try:
            assert wrote.wait(timeout=30)
            responses["second"] = clients[second].post(url, PAYLOADS["escalate"], format="json")
        except Exception as exc:  # noqa: BLE001 - reported by the test
            responses["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for run in (hold_the_lock, queue_behind)]
    for thread in threads:
        thread.start()
    try:
        assert wrote.wait(timeout=30)
        wait_until_someone_waits_for_a_lock()
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert responses["first"].status_code == 200, responses["first"].content
    assert responses["second"].status_code == 409, responses["second"].content
    assert responses["second"].json()["code"] == "conflict"
    assert responses["second"].json()["status"] == CaseStatus.ESCALATED
    # the second read the case before the first committed, without a lock: its lock, taken
    # after the first's, found the case at another version; refused by that, nothing else
    assert refused_numbers == [] and moved == [True]
    status, hops, history, notes, open_timers = written(case)
    assert status == (CaseStatus.ESCALATED, Tier.L3, org["l3"].pk)  # the first's, once
    assert hops == [(1, EscalationOutcome.ESCALATED_FURTHER), (2, EscalationOutcome.OPEN)]
    assert notes == 2  # the two handoffs; nothing of the refused one
    reasons = Case.objects.get(pk=case.pk).history.values_list("history_change_reason", flat=True)
    assert sum(r.startswith("escalate_further") for r in reasons) == 1
    assert history == len(reasons)
    assert open_timers == SLATimer.objects.filter(escalation__number=2, case=case).count()
