"""What an escalate draws in its locked read of the case (``drawn_with_the_case``): the keys of
the rows its hop writes, the hop's number and the people the rules that may route it name, one
round trip fewer; and what ``escalate.case_escalate`` takes from that read
(``taken_with_the_case``); else, for a request's few cases on PostgreSQL, the keys and numbers
drawn in a statement of their own (``draw``). Moved out of ``escalations.services.escalate``
(past ~600 lines), a pure move."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Expression,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, JSONObject
from simple_history.utils import get_history_model_for_model

from accounts.models import User
from escalations.models import Case, CaseNote, Escalation, EscalationRule
from escalations.services._base import CASES
from kit.bulk import draw_keys_sql


@dataclass(frozen=True)
class Drawn:
    """What a hop's rows need drawn before they are written: the keys of the case's history row,
    the hop and its handoff note, and the hop's number (the case's last + 1); and, when drawn
    with the case (``drawn_with_the_case``), the people the rules that may route it name, as
    they are in the escalate's transaction."""

    history_key: int
    hop_key: int
    note_key: int
    number: int
    people: tuple[User, ...] = ()


def drawn_with_the_case() -> dict[str, Expression] | None:
    """What a caller about to escalate a case draws in its locked read of the case
    (``StateMachine.read_locked``'s ``draw``; ``case_escalate`` takes it from there): the keys
    of the rows the hop writes and its number, one round trip fewer than ``draw``'s. On
    PostgreSQL only (``None`` elsewhere). Keys drawn for an escalate that is then refused (a
    409, 403 or 400) are wasted: harmless, a sequence has gaps anyway (a rolled back insert
    leaves one too). The number is read with the statement's snapshot, which may be older than
    the lock it waited for: two escalates of one case at once can predict the same number, and
    ``escalation_case_number_uniq`` then refuses the second hop, answered as the conflict it is
    (``case_escalate``).

    And the people the active rules that may route the case name (``_routed_people``): the
    routing kept per process holds no person, since who is absent or deactivated changes all
    day, so the one a rule names is read in the escalate's transaction; here in the statement
    that runs anyway rather than in one of its own. Read with the same snapshot: an absence
    committed while the read waited for the case's lock is not seen, as one committed just
    after a read of its own would not be (the person's row is not locked either way)."""
    if connection.vendor != "postgresql":
        return None
    return _draw_with_the_case()


_DRAWN_KEYS = ("escalate_history_key", "escalate_hop_key", "escalate_note_key", "escalate_number")
_DRAWN_PEOPLE = "escalate_people"
_DRAWN_NAMES = (*_DRAWN_KEYS, _DRAWN_PEOPLE)
# What is read of a person the case may go to: all but the password hash and the email address,
# which the case's locked read holds of nobody (``tests/api/
# test_the_locked_read_loads_only_what_a_transition_uses.py``). ``from_db`` leaves them
# deferred: an email to the person (an escalation with the customer on hold) reads the address
# then, by the person's key.
_PERSON_FIELDS = tuple(
    f for f in User._meta.concrete_fields if f.attname not in ("password", "email")
)


@functools.cache
def _draw_with_the_case() -> dict[str, Expression]:
    models = (get_history_model_for_model(Case), Escalation, CaseNote)
    keys = {
        name: RawSQL(*draw_keys_sql(model), output_field=BigIntegerField())
        for name, model in zip(_DRAWN_KEYS[:3], models, strict=True)
    }
    last = Escalation.objects.filter(case=OuterRef("pk")).order_by("-number").values("number")[:1]
    number = Coalesce(Subquery(last), Value(0), output_field=IntegerField()) + 1
    return {**keys, _DRAWN_KEYS[3]: number, _DRAWN_PEOPLE: _routed_people()}


def _routed_people() -> Expression:
    """The people named by the active rules that lead above the case's tier and fit its
    category and priority (``selectors.match_rule``'s test, but for the reason, which the
    request gives), as JSON objects: from the rules as the database has them, so the SQL stays
    the same whatever the rules (the kept read keeps it, ``kit.compiled.read_one``)."""
    named = EscalationRule.objects.filter(
        Q(category__isnull=True) | Q(category=OuterRef(OuterRef("category_id"))),
        Q(priority__isnull=True) | Q(priority=OuterRef(OuterRef("priority"))),
        is_active=True,
        target_tier__gt=OuterRef(OuterRef("tier")),
        target_user__isnull=False,
    ).values("target_user_id")
    people = User.objects.filter(pk__in=named).order_by()
    return ArraySubquery(
        people.values(row=JSONObject(**{f.attname: f.attname for f in _PERSON_FIELDS}))
    )


def _person(row: dict) -> User:
    """A person drawn by ``_routed_people``, as the ORM would have read it."""
    return User.from_db(
        connection.alias,
        [f.attname for f in _PERSON_FIELDS],
        [f.to_python(row[f.attname]) for f in _PERSON_FIELDS],
    )


def taken_with_the_case(case: Case) -> Drawn | None:
    """What the locked read of ``case`` drew for escalating it (``drawn_with_the_case``)."""
    values = CASES.take_drawn(case)
    if not all(name in values for name in _DRAWN_NAMES):
        return None
    people = tuple(_person(row) for row in values[_DRAWN_PEOPLE] or ())
    return Drawn(*(values[name] for name in _DRAWN_KEYS), people=people)


def draw(cases: list[Case], given: list[Drawn | None]) -> list[Drawn]:
    """Per case: its history row's key, its hop's key and number and its note's key, in one
    statement; ``given`` where the case's locked read drew them, and no statement when it did
    for every case."""
    if all(keys is not None for keys in given):
        return given  # type: ignore[return-value]  # none is None
    sql, params = _draw_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, [case.pk for case in cases]])
        rows = cursor.fetchall()
    return [keys or Drawn(*row) for keys, row in zip(given, rows, strict=True)]


@functools.cache
def _draw_statement() -> tuple[str, list]:
    quote = connection.ops.quote_name
    keys = [
        draw_keys_sql(model) for model in (get_history_model_for_model(Case), Escalation, CaseNote)
    ]
    hop_table = quote(Escalation._meta.db_table)
    sql = (
        f"SELECT {', '.join(sql for sql, _params in keys)}, "
        f"(SELECT COALESCE(MAX(h.number), 0) + 1 FROM {hop_table} AS h WHERE h.case_id = u.c) "
        "FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(c, o) ORDER BY u.o"
    )
    return sql, [param for _sql, params in keys for param in params]
