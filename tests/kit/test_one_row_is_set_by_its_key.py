"""``set_statement`` of one object (an escalation's case, a transition's row) updates it ``WHERE``
its key is a parameter: the many-row form joins a ``json_array_elements`` (or ``VALUES``) list
that the planner estimates at 100 rows whatever their number, and with a table of a few thousand
rows it hashed the whole table to update one row on every escalate (bench/README.md,
2026-12-03)."""

import pytest
from django.db import connection

from escalations.models import Customer
from kit.bulk import bulk_insert, bulk_set, new, set_statement
from tests.factories import make_case


def test_one_object_is_written_as_many_are(operator, org):
    cases = [make_case(owner=operator, subject=f"件名{i}") for i in range(3)]
    cases[1].subject = "請求額が違う\t'タブ' \\ \"引用\" \n改行"
    cases[1].tier, cases[1].assigned_team, cases[1].handler = 3, org["l2"], None
    sql, params = set_statement([cases[1]], ["subject", "tier", "assigned_team", "handler"])
    assert " FROM " not in sql  # by its key, no list of rows joined
    assert bulk_set([cases[1]], ["subject", "tier", "assigned_team", "handler"]) == 1
    read = [type(case).objects.get(pk=case.pk) for case in cases]
    assert [(c.subject, c.tier, c.assigned_team_id, c.handler_id) for c in read] == [
        ("件名0", cases[0].tier, cases[0].assigned_team_id, cases[0].handler_id),
        (cases[1].subject, 3, org["l2"].pk, None),
        ("件名2", cases[2].tier, cases[2].assigned_team_id, cases[2].handler_id),
    ]


@pytest.mark.postgres
def test_one_object_is_found_by_the_key_index_in_a_table_of_thousands(db):
    customers = bulk_insert([new(Customer, name=f"顧客{i}") for i in range(3000)])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Customer._meta.db_table}")
        customers[1234].name = "改名"
        sql, params = set_statement([customers[1234]], ["name"])
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Index Scan using" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert bulk_set([customers[1234]], ["name"]) == 1
    assert Customer.objects.get(pk=customers[1234].pk).name == "改名"
    assert Customer.objects.filter(name="改名").count() == 1
