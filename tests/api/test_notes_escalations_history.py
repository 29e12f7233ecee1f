"""The case's timeline, its hops and its audit history; categories and the escalation matrix."""

import pytest

from escalations import services
from escalations.models import CaseNote
from tests.factories import HANDOFF, UserFactory


@pytest.fixture
def escalated(case, operator):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    return case


def test_an_operator_adds_a_call_log_and_reads_the_timeline(api, case, operator):
    client = api(operator)

    created = client.post(
        f"/api/v1/cases/{case.reference}/notes/",
        {"kind": "call_log", "body": "折り返しの電話で状況を確認"},
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json()["author"]["username"] == "operator"
    timeline = client.get(f"/api/v1/cases/{case.reference}/notes/").json()["results"]
    assert [note["kind"] for note in timeline] == ["call_log"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "handoff", "body": "x"}, "kind"),
        ({"kind": "internal", "body": "  "}, "body"),
        ({"kind": "internal"}, "body"),
    ],
)
def test_a_bad_note_is_a_400(api, case, operator, payload, field):
    response = api(operator).post(f"/api/v1/cases/{case.reference}/notes/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not CaseNote.objects.filter(case=case, kind__in=["internal", "handoff"]).exists()


def test_notes_are_refused_to_those_the_admin_refuses(api, case, manager, outsider):
    payload = {"kind": "internal", "body": "メモ"}
    url = f"/api/v1/cases/{case.reference}/notes/"
    assert api(manager).post(url, payload, format="json").status_code == 403
    assert api(manager).get(url).status_code == 200  # managers read everything
    assert api(outsider).post(url, payload, format="json").status_code == 404
    assert api(outsider).get(url).status_code == 404


def test_the_hops_of_a_case_and_of_all_visible_cases(
    api, escalated, operator, supervisor, outsider, org
):
    hops = api(supervisor).get(f"/api/v1/cases/{escalated.reference}/escalations/").json()
    assert [(h["number"], h["to_team"]["id"], h["reason"]) for h in hops["results"]] == [
        (1, org["l2"].pk, "complaint")
    ]
    assert hops["results"][0]["customer_wants"] == HANDOFF.customer_wants
    everything = api(supervisor).get("/api/v1/escalations/").json()["results"]
    assert [h["case"] for h in everything] == [escalated.reference]
    one = api(supervisor).get(f"/api/v1/escalations/{everything[0]['id']}/")
    assert one.status_code == 200
    assert api(outsider).get("/api/v1/escalations/").json()["results"] == []
    assert api(outsider).get(f"/api/v1/escalations/{everything[0]['id']}/").status_code == 404


def test_the_history_shows_each_change_with_its_user_and_reason(api, escalated, operator):
    rows = api(operator).get(f"/api/v1/cases/{escalated.reference}/history/").json()["results"]

    assert [r["history_change_reason"].split(":")[0] for r in rows] == [
        "escalate",
        "start_work",
        "create",
    ]
    assert {r["history_user"]["username"] for r in rows} == {"operator"}


def test_the_history_of_an_invisible_case_is_a_404(api, case, outsider):
    assert api(outsider).get(f"/api/v1/cases/{case.reference}/history/").status_code == 404


def test_categories_and_rules_are_read_by_the_roles_that_see_them(
    api, org, operator, specialist, billing
):
    categories = api(operator).get("/api/v1/categories/").json()
    assert [c["name"] for c in categories] == [billing.name]
    rules = api(specialist).get("/api/v1/rules/").json()
    assert sorted(r["target_tier"] for r in rules) == [2, 3]
    assert rules[0]["guidance"]
    assert api(operator).get(f"/api/v1/rules/{rules[0]['id']}/").status_code == 200
    assert api(operator).post("/api/v1/rules/", {}, format="json").status_code == 405


def test_a_user_without_the_view_permission_gets_403(api, org):
    nobody = UserFactory(username="nobody")  # active, no role

    for url in ("/api/v1/cases/", "/api/v1/rules/", "/api/v1/categories/", "/api/v1/escalations/"):
        response = api(nobody).get(url)
        assert response.status_code == 403, url


def test_me_tells_who_the_token_belongs_to(api, operator):
    assert api(operator).get("/api/v1/me/").json()["username"] == "operator"
