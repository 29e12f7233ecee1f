"""The API's transitions read the case locked with only the columns a transition and its
answer use (``case_answers.TRANSITION_READ``: the case's own, and of its six relations what
the answer shows and whom a notification reaches), not ~97: every transition then answers, writes
and queries exactly as it does through a full read of the case and its relations, and the
read's SQL holds no password hash, webhook secret or customer's phone number."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalations.api import case_answers
from escalations.api.case_answers import CASE_RELATED
from escalations.models import Case, CaseNote, Escalation, SLATimer
from kit import compiled
from notifications.models import Notification
from tests.api.payloads import PAYLOADS, transition_url
from tests.factories import make_case

# every column of the case and of its six relations: the ORM's full read
FULL_READ = (
    *(field.name for field in Case._meta.concrete_fields),
    *(
        f"{name}__{field.name}"
        for name in CASE_RELATED
        for field in Case._meta.get_field(name).related_model._meta.concrete_fields
    ),
)
SLIM_READ = case_answers.TRANSITION_READ
SECRETS = ('"password"', '"webhook_secret"', '"phone"', '"email"')

ROUND_TRIP = [
    ("operator", "escalate", {}),
    ("supervisor", "escalate", {"reason": "technical_fault"}),  # further up
    ("specialist", "acknowledge", {}),
    ("specialist", "return_to_owner", {"reusable": True, "not_reusable_reason": ""}),
    ("operator", "start_work", {}),
    ("operator", "escalate", {"on_hold": True}),
    ("supervisor", "acknowledge", {}),
    ("supervisor", "return_to_owner", {}),
    ("operator", "start_work", {}),
    ("operator", "wait_for_customer", {}),
    ("operator", "resume", {}),
    ("operator", "resolve", {}),
    ("operator", "reopen", {}),
    ("operator", "resolve", {}),
    ("operator", "close", {}),
    ("operator", "reopen", {}),  # refused: a 409 read the same way
]

# ids the database draws (PostgreSQL does not take back what a rolled back run drew)
_NOT_COMPARED = {"id", "event_id", "history_id", "transition_id", "escalation_id"}


def _rows(model, case):
    return [
        {key: value for key, value in row.items() if key not in _NOT_COMPARED}
        for row in model.objects.filter(case=case).order_by("pk").values()
    ]


def _differing(slim, full):
    """Where two outcomes differ (for the assertion's message)."""
    if isinstance(slim, dict) and isinstance(full, dict):
        return {k: _differing(slim.get(k), full.get(k)) for k in full if slim.get(k) != full[k]}
    if isinstance(slim, list) and isinstance(full, list) and len(slim) == len(full):
        return [_differing(a, b) for a, b in zip(slim, full, strict=True) if a != b]
    return (slim, full)


def _outcome(client, case, name, payload, columns, monkeypatch):
    """What the transition answers, writes and queries with the locked read of ``columns``."""
    monkeypatch.setattr(case_answers, "TRANSITION_READ", columns)
    compiled.forget_reads()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(transition_url(case, name), payload, format="json")
    history = case.history.order_by("history_date", "history_id").values()
    return {
        "status": response.status_code,
        "answer": response.json(),
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "history": [{k: v for k, v in row.items() if k not in _NOT_COMPARED} for row in history],
        "written": {m.__name__: _rows(m, case) for m in (CaseNote, Escalation, SLATimer)},
        "notifications": _rows(Notification, case),
        "queries": len(queries),
    }, [q["sql"] for q in queries if _is_the_read(q["sql"])][:1]


def _select_list(sql: str) -> list[str]:
    """The items between a statement's SELECT and its own FROM (not a subquery's)."""
    depth, start, items = 0, len("SELECT "), []
    for i, char in enumerate(sql):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and char == "," and i > start:
            items.append(sql[start:i])
            start = i + 1
        elif depth == 0 and sql.startswith(" FROM ", i):
            items.append(sql[start:i])
            return items
    raise AssertionError("no FROM")


def _is_the_read(sql):
    """The locked read (FOR NO KEY UPDATE on PostgreSQL; SQLite has no row locks)."""
    return sql.startswith("SELECT") and 'FROM "escalations_case" INNER JOIN' in sql


@pytest.mark.django_db(transaction=False)
def test_every_transition_through_the_slim_read_is_the_full_reads(
    api, operator, supervisor, specialist, org, monkeypatch
):
    users = {"operator": operator, "supervisor": supervisor, "specialist": specialist}
    clients = {name: api(user) for name, user in users.items()}
    from escalations import services

    case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    start = timezone.now() + dt.timedelta(minutes=5)
    for step, (who, name, changes) in enumerate(ROUND_TRIP):
        payload = {**PAYLOADS[name], **changes}
        with time_machine.travel(start + dt.timedelta(minutes=step), tick=False):
            for _warm_then_measured in range(2):  # the first fills the process's caches
                with transaction.atomic():
                    full, [full_sql] = _outcome(
                        clients[who], case, name, payload, FULL_READ, monkeypatch
                    )
                    transaction.set_rollback(True)
            slim, [slim_sql] = _outcome(clients[who], case, name, payload, SLIM_READ, monkeypatch)

        for key in full:
            assert slim[key] == full[key], (step, name, key, _differing(slim[key], full[key]))
        assert not any(column in slim_sql for column in SECRETS), name
        assert all(column in full_sql for column in SECRETS)  # the full read holds them
    assert full["status"] == 409  # the last step is refused
    assert Case.objects.get(pk=case.pk).status == "closed"


def test_the_slim_read_selects_49_columns(api, case, operator):
    compiled.forget_reads()
    with CaptureQueriesContext(connection) as queries:
        response = api(operator).post(
            transition_url(case, "escalate"), PAYLOADS["escalate"], format="json"
        )

    assert response.status_code == 200
    [read] = [q["sql"] for q in queries if _is_the_read(q["sql"])]
    # the columns before the read's own FROM (on PostgreSQL an escalate's read also draws the
    # hop's keys and number: escalate_drawn.drawn_with_the_case, expressions not counted here)
    columns = [part for part in _select_list(read) if "(" not in part]
    assert len(columns) == 49  # with the six relations' ids
    assert not any(column in read for column in SECRETS)
