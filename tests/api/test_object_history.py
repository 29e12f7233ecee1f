"""``GET /api/v1/history/``: the audit history of any object, with readable changes, for those
who may read the audit log; bad filters are a 400, keyset pages follow ``next``."""

import pytest
from django.urls import reverse

from tests.factories import EscalationRuleFactory


@pytest.fixture
def rule(org):
    rule = EscalationRuleFactory(target_team=org["l3"], guidance="最初の案内")
    rule.guidance = "内線 300 へ"
    rule._change_reason = "edited in admin"
    rule.save()
    return rule


def history(client, **params):
    return client.get(reverse("api:history"), params)


def test_a_manager_reads_a_rules_history_with_its_changes(api, manager, rule):
    response = history(api(manager), model="escalations.escalationrule", object=rule.pk)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["action"] for row in rows] == ["~", "+"]
    assert rows[0]["reason"] == "edited in admin"
    changes = {change["field"]: change for change in rows[0]["changes"]}
    guidance = next(change for name, change in changes.items() if change["new"] == "内線 300 へ")
    assert guidance["old"] == "最初の案内"


def test_pages_follow_the_cursor(api, manager, rule):
    for number in range(10):  # 12 rows in all
        rule.guidance = f"案内 {number}"
        rule.save()
    client = api(manager)
    query = {"model": "escalations.escalationrule", "object": rule.pk, "n": 10}
    first = history(client, **query).json()
    assert len(first["results"]) == 10 and first["next"]
    second = history(client, **query, after=first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    assert second["results"][-1]["action"] == "+"


@pytest.mark.parametrize(
    "params",
    [{"model": "nope.nope"}, {"object": "C-0000-XX"}, {"after": "garbage"}, {"n": 7}],
)
def test_bad_filters_are_a_400(api, manager, params):
    response = history(api(manager), **params)
    assert response.status_code == 400 and response.json()["fields"]


def test_operators_may_not_read_the_audit_history(api, operator, rule):
    assert history(api(operator), model="escalations.escalationrule").status_code == 403
