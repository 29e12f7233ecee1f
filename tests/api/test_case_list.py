"""The case list: what each persona sees, filters, cursor pages, and a query count that does
not grow with the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations import services
from tests.factories import HANDOFF, make_case


def references(response):
    assert response.status_code == 200, response.content
    return {row["reference"] for row in response.json()["results"]}


@pytest.fixture
def cases(org, operator, outsider):
    mine = make_case(owner=operator)
    escalated = services.case_start_work(case=make_case(owner=operator), actor=operator)
    services.case_escalate(case=escalated, actor=operator, reason="complaint", handoff=HANDOFF)
    theirs = make_case(owner=outsider)
    return {"mine": mine, "escalated": escalated, "theirs": theirs}


def test_each_persona_sees_what_the_admin_shows_them(
    api, cases, operator, colleague, supervisor, specialist, manager, outsider
):
    mine, escalated, theirs = cases["mine"], cases["escalated"], cases["theirs"]
    assert references(api(operator).get("/api/v1/cases/")) == {
        mine.reference,
        escalated.reference,
    }
    assert references(api(colleague).get("/api/v1/cases/")) == {
        mine.reference,
        escalated.reference,
    }
    assert references(api(supervisor).get("/api/v1/cases/")) == {escalated.reference}
    assert references(api(specialist).get("/api/v1/cases/")) == set()
    assert references(api(outsider).get("/api/v1/cases/")) == {theirs.reference}
    assert len(references(api(manager).get("/api/v1/cases/"))) == 3


def test_filters_narrow_the_list(api, cases, operator, billing):
    client = api(operator)
    escalated = cases["escalated"].reference

    assert references(client.get("/api/v1/cases/?status=escalated")) == {escalated}
    assert references(client.get("/api/v1/cases/?status=new&status=escalated")) == {
        cases["mine"].reference,
        escalated,
    }
    assert references(client.get("/api/v1/cases/?tier=2")) == {escalated}
    assert len(references(client.get(f"/api/v1/cases/?category={billing.pk}&mine=owner"))) == 2
    assert references(client.get("/api/v1/cases/?mine=handler")) == {cases["mine"].reference}
    assert references(client.get("/api/v1/cases/?created_after=2999-01-01T00:00:00Z")) == set()


@pytest.mark.parametrize(
    "query",
    ["status=nonsense", "tier=9", "mine=everyone", "created_after=yesterday", "priority=x"],
)
def test_a_bad_filter_is_a_400_with_the_field(api, cases, operator, query):
    response = api(operator).get(f"/api/v1/cases/?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert query.split("=")[0] in body["fields"]


def test_the_list_is_paged_with_a_cursor(api, org, operator):
    for _ in range(5):
        make_case(owner=operator)
    client = api(operator)

    first = client.get("/api/v1/cases/?page_size=2").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    seen = [row["reference"] for page in (first, second, third) for row in page["results"]]
    assert len(seen) == 5 == len(set(seen))
    assert third["next"] is None
    garbage = client.get("/api/v1/cases/?cursor=garbage")
    assert garbage.status_code == 400
    assert "cursor" in garbage.json()["fields"]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


# the token (with its user), the page (with customer, category, people and teams joined); the
# user's permissions and teams are kept per process (accounts.backends, accounts.memberships).
# Before issue 18: 5 (the permissions, 2, and the teams read on every request).
LIST_QUERIES = 2


@pytest.mark.parametrize("persona", ["operator", "manager"])
def test_the_query_count_does_not_grow_with_the_page_size(
    request, api, org, operator, persona, django_assert_num_queries
):
    for _ in range(30):
        make_case(owner=operator)
    client = api(request.getfixturevalue(persona))
    client.get("/api/v1/cases/?page_size=1")  # the token's last_used_at is written once

    small = count_queries(client, "/api/v1/cases/?page_size=2")
    large = count_queries(client, "/api/v1/cases/?page_size=30")

    assert (small[1], large[1]) == (2, 30)
    assert small[0] == large[0]
    with django_assert_num_queries(LIST_QUERIES):
        client.get("/api/v1/cases/?page_size=30")


def test_other_lists_make_a_constant_number_of_queries(
    api, org, operator, supervisor, manager, django_assert_num_queries
):
    case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    for _ in range(3):
        services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
        services.case_return_to_owner(case=case, actor=supervisor, answer="回答")
        services.case_add_note(case=case, actor=operator, kind="internal", body="メモ")
    client = api(manager)
    client.get("/api/v1/categories/")  # the token's first use; the permissions kept per process
    # each: the token (1; the permissions are kept per process), then the case (1) and the
    # page (1)
    for url, expected in [
        (f"/api/v1/cases/{case.reference}/notes/", 2),
        (f"/api/v1/cases/{case.reference}/escalations/", 2),
        (f"/api/v1/cases/{case.reference}/history/", 2),
        ("/api/v1/escalations/", 1),
        ("/api/v1/rules/", 1),
        ("/api/v1/categories/", 1),
    ]:
        with django_assert_num_queries(1 + expected):
            response = client.get(url)
        assert response.status_code == 200, url
