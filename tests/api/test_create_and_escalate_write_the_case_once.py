"""On PostgreSQL, opening a case and escalating it through the API write the case row once: the
statement that writes the case with its new timers writes its nearest deadline too
(``escalations.sla.timers.nearest_due``), and the database, which checks it after the statement
(escalations migration 0023), finds it right. Until 0023 the timers' trigger wrote the case a
second time (a new version of the row, an entry in each of its indexes, its foreign keys
checked again). A wrong value is still corrected (``tests/escalations/
test_sla_next_due_kept_in_step.py`` for the stale save; here, a value written by hand)."""

import datetime as dt

import pytest
from django.db import connection

from escalations.models import Case, SLATimer, TimerKind
from tests.api.payloads import PAYLOADS, create_body
from tests.factories import CategoryFactory, CustomerFactory, make_case, make_sla_policy
from tests.sla_next_due import assert_sla_next_due

pytestmark = pytest.mark.postgres


@pytest.fixture
def setup(org, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the configuration "committed"
        make_sla_policy()
    return {"customer": CustomerFactory(), "category": CategoryFactory(name="請求・料金")}


def case_rows_written() -> tuple[int, int]:
    """This transaction's rows of the case table so far: (inserted, updated)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
            [Case._meta.db_table],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, 0)


def running(case: Case) -> list[SLATimer]:
    return list(SLATimer.objects.filter(case=case, stopped_at__isnull=True))


def test_a_create_inserts_the_case_with_its_deadline_and_never_updates_it(api, operator, setup):
    client = api(operator)
    inserted, updated = case_rows_written()

    response = client.post(
        "/api/v1/cases/", create_body(setup["customer"], setup["category"]), format="json"
    )

    assert response.status_code == 201
    assert case_rows_written() == (inserted + 1, updated)
    case = Case.objects.get(reference=response.json()["reference"])
    timers = running(case)
    assert {timer.kind for timer in timers} == {TimerKind.FIRST_RESPONSE, TimerKind.RESOLUTION}
    assert case.sla_next_due == min(timer.due_at for timer in timers)
    assert_sla_next_due(case)


def test_an_escalation_updates_the_case_once_with_the_new_hops_deadline(api, operator, setup):
    client = api(operator)
    case = make_case(owner=operator, customer=setup["customer"], category=setup["category"])
    client.post(f"/api/v1/cases/{case.reference}/start-work/", {}, format="json")
    before = Case.objects.get(pk=case.pk).sla_next_due  # the resolution deadline
    inserted, updated = case_rows_written()

    response = client.post(
        f"/api/v1/cases/{case.reference}/escalate/", PAYLOADS["escalate"], format="json"
    )

    assert response.status_code == 200, response.content
    assert case_rows_written() == (inserted, updated + 1)
    acknowledge = SLATimer.objects.get(case=case, kind=TimerKind.ACKNOWLEDGE)
    assert acknowledge.due_at < before  # the hop's deadline is the nearer one
    assert Case.objects.get(pk=case.pk).sla_next_due == acknowledge.due_at
    assert_sla_next_due(case)


def test_an_escalation_further_is_right_too(api, operator, supervisor, setup):
    # the hop it leaves has its timers stopped by a statement of their own before the case's:
    # the case's deadline is left to the database there
    client = api(operator)
    case = make_case(owner=operator, customer=setup["customer"], category=setup["category"])
    client.post(f"/api/v1/cases/{case.reference}/start-work/", {}, format="json")
    client.post(f"/api/v1/cases/{case.reference}/escalate/", PAYLOADS["escalate"], format="json")
    api(supervisor).post(
        f"/api/v1/cases/{case.reference}/acknowledge/", PAYLOADS["acknowledge"], format="json"
    )

    response = api(supervisor).post(
        f"/api/v1/cases/{case.reference}/escalate/", PAYLOADS["escalate"], format="json"
    )

    assert response.status_code == 200, response.content
    assert Case.objects.get(pk=case.pk).sla_next_due == min(t.due_at for t in running(case))
    assert_sla_next_due(case)


def test_a_wrong_deadline_written_into_a_case_is_corrected_after_the_statement(
    api, operator, setup
):
    client = api(operator)
    case = make_case(owner=operator, customer=setup["customer"], category=setup["category"])
    client.post(f"/api/v1/cases/{case.reference}/start-work/", {}, format="json")
    right = Case.objects.get(pk=case.pk).sla_next_due
    inserted, updated = case_rows_written()

    Case.objects.filter(pk=case.pk).update(sla_next_due=right + dt.timedelta(days=30))

    assert Case.objects.get(pk=case.pk).sla_next_due == right
    assert case_rows_written() == (inserted, updated + 2)  # the wrong value, then the right one
    Case.objects.filter(pk=case.pk).update(sla_next_due=None)
    assert Case.objects.get(pk=case.pk).sla_next_due == right
    assert_sla_next_due(case)
