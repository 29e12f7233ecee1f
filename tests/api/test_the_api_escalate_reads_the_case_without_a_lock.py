"""The API escalate on PostgreSQL reads the case without a lock, with its version
(``CASES.read_versioned``: its ``xmin`` and ``ctid``), and its one statement updates the case
only at that version (``row_unchanged_since_read``, escalations' migration 0024): outside a
transaction that
statement is the escalate's own (no BEGIN, no COMMIT apart, no lock held while Python decides).
A case that moved between the read and the write fails the whole statement, nothing written (no
hop, note, timer, history or outbox row), and whoever moved it keeps their change; the API then
decides again on the case as it is now, read with the lock as before the versioned read: the
escalate goes through if it still applies, else 409 with the status the case has now.
Escalating further closes the hop it leaves first, so the case is locked at the version read
before that."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from psycopg.pq import TransactionStatus

from escalations.api import views
from escalations.models import (
    Case,
    CaseNote,
    CaseStatus,
    Escalation,
    EscalationOutcome,
    SLATimer,
)
from escalations.services import CASES
from notifications.models import Notification
from tests.api.payloads import PAYLOADS, transition_url

pytestmark = pytest.mark.postgres


def rows_of(case: Case) -> tuple:
    """What an escalate of ``case`` writes, counted."""
    return (
        Escalation.objects.filter(case=case).count(),
        Case.objects.get(pk=case.pk).history.count(),
        CaseNote.objects.filter(case=case).count(),
        SLATimer.objects.filter(case=case).count(),
        Notification.objects.filter(case=case).count(),
    )


def moved_between_read_and_write(monkeypatch, case: Case, **change) -> None:
    """Another writer changes ``case`` after the API read it, before it writes (committed at
    once outside a transaction)."""
    arguments = views.transition_arguments

    def meanwhile(*args, **kwargs):
        Case.objects.filter(pk=case.pk).update(**change)
        return arguments(*args, **kwargs)

    monkeypatch.setattr(views, "transition_arguments", meanwhile)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_is_one_read_and_one_statement(api, case, operator):
    seen = []
    client = api(operator)

    def record(execute, sql, params, many, context):
        seen.append((sql, connection.connection.info.transaction_status))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.post(
            transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
        )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == CaseStatus.ESCALATED
    reads = [sql for sql, _status in seen if "xmin" in sql and "nextval" in sql]
    writes = [sql for sql, _status in seen if "row_unchanged_since_read" in sql]
    assert len(reads) == 1 and "FOR NO KEY UPDATE" not in reads[0]
    assert len(writes) == 1 and writes[0].startswith("WITH")
    # no statement ran inside a transaction: each was its own (no BEGIN, no COMMIT apart)
    assert {status for _sql, status in seen} == {TransactionStatus.IDLE}
    assert not any("FOR NO KEY UPDATE" in sql or "SAVEPOINT" in sql for sql, _status in seen)
    assert Escalation.objects.get(case=case).number == 1


@pytest.mark.django_db(transaction=True)
def test_a_case_moved_between_the_read_and_the_write_is_decided_again_as_it_is_now(
    api, case, operator, monkeypatch
):
    moved_between_read_and_write(monkeypatch, case, subject="別の件名")
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = api(operator).post(
            transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
        )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == CaseStatus.ESCALATED
    assert response.json()["subject"] == "別の件名"
    now = Case.objects.get(pk=case.pk)
    assert (now.status, now.subject) == (CaseStatus.ESCALATED, "別の件名")  # theirs kept
    assert Escalation.objects.filter(case=case).count() == 1  # one hop: the first write failed
    # the versioned write failed whole, then the locked read and its write
    writes = [sql for sql in seen if sql.startswith("WITH")]
    assert len(writes) == 2 and "row_unchanged_since_read" in writes[0]
    assert "row_unchanged_since_read" not in writes[1]
    assert sum("FOR NO KEY UPDATE" in sql for sql in seen) == 1


@pytest.mark.django_db(transaction=True)
def test_a_case_moved_where_the_escalate_no_longer_applies_is_a_409_and_nothing_is_written(
    api, case, operator, monkeypatch
):
    before = rows_of(case)
    moved_between_read_and_write(monkeypatch, case, status=CaseStatus.PENDING_CUSTOMER)

    response = api(operator).post(
        transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
    )

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "conflict"
    assert response.json()["status"] == CaseStatus.PENDING_CUSTOMER  # as it is now
    assert rows_of(case) == before
    assert Case.objects.get(pk=case.pk).status == CaseStatus.PENDING_CUSTOMER  # theirs kept


def test_inside_a_transaction_the_same_409_leaves_it_usable(api, case, operator, monkeypatch):
    # the test's own transaction around the request: the write runs in a savepoint
    before = rows_of(case)
    moved_between_read_and_write(monkeypatch, case, status=CaseStatus.PENDING_CUSTOMER)

    response = api(operator).post(
        transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
    )

    assert response.status_code == 409, response.content
    assert response.json()["status"] == CaseStatus.PENDING_CUSTOMER
    assert rows_of(case) == before  # and the transaction still answers


def escalated_and_acknowledged(api, case, operator, supervisor) -> None:
    for user, name in ((operator, "escalate"), (supervisor, "acknowledge")):
        response = api(user).post(transition_url(case, name), PAYLOADS[name], format="json")
        assert response.status_code == 200, response.content


def test_an_escalation_further_of_a_moved_case_is_decided_again(
    api, case, operator, supervisor, monkeypatch
):
    escalated_and_acknowledged(api, case, operator, supervisor)
    moved_between_read_and_write(monkeypatch, case, subject="別の件名")
    refused = []
    lock_at_version = CASES.lock_at_version

    def spied(obj, version):
        try:
            lock_at_version(obj, version)
        except DatabaseError as exc:
            refused.append(exc)
            raise

    monkeypatch.setattr(type(CASES), "lock_at_version", lambda self, *a: spied(*a))

    response = api(supervisor).post(
        transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
    )

    # the version read was refused, nothing written then
    assert len(refused) == 1 and CASES.moved_since_read(refused[0])
    assert response.status_code == 200, response.content
    hops = Escalation.objects.filter(case=case).order_by("number")
    assert [(hop.number, hop.outcome) for hop in hops] == [
        (1, EscalationOutcome.ESCALATED_FURTHER),
        (2, EscalationOutcome.OPEN),
    ]
    assert Case.objects.get(pk=case.pk).subject == "別の件名"


def test_an_escalation_further_of_a_case_moved_past_it_is_a_409(
    api, case, operator, supervisor, monkeypatch
):
    escalated_and_acknowledged(api, case, operator, supervisor)
    before = rows_of(case)
    moved_between_read_and_write(monkeypatch, case, status=CaseStatus.RESOLVED)

    response = api(supervisor).post(
        transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
    )

    assert response.status_code == 409, response.content
    assert response.json()["status"] == CaseStatus.RESOLVED
    assert rows_of(case) == before
    assert Escalation.objects.get(case=case).outcome == EscalationOutcome.OPEN  # left untouched


def test_an_escalation_further_of_an_unmoved_case_goes_through(api, case, operator, supervisor):
    escalated_and_acknowledged(api, case, operator, supervisor)
    client = api(supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
        )

    assert response.status_code == 200, response.content
    assert list(Escalation.objects.filter(case=case).values_list("number", flat=True)) == [1, 2]
    locks = [q["sql"] for q in queries.captured_queries if "row_unchanged_since_read" in q["sql"]]
    assert len(locks) == 1 and "FOR NO KEY UPDATE" in locks[0]  # locked at the version read


def test_the_check_refuses_with_its_own_state(db):
    refused_here = pytest.raises(DatabaseError)
    with refused_here as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT row_unchanged_since_read(false)")
    assert CASES.moved_since_read(refused.value)
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_unchanged_since_read(true)")
        assert cursor.fetchone() == (True,)
