"""Bad input is a clear 400 in the API's JSON error shape (and a message on admin pages), never
a 500: NUL characters, dates the database cannot hold, bodies nested too deeply, made-up page
sizes and empty filters; unknown ids and routes are a JSON 404; the schema needs a login."""

import json

import pytest
from django.urls import reverse

ROUTES = ["", "notes/", "history/", "escalations/"]
TRANSITIONS = ["start-work/", "escalate/", "resolve/"]


@pytest.fixture
def client_api(api, operator):
    return api(operator)


def assert_json_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == code


@pytest.mark.parametrize("route", ROUTES)
def test_a_nul_in_a_case_reference_is_a_400(client_api, case, route):
    assert_json_error(client_api.get(f"/api/v1/cases/C%00/{route}"), 400, "invalid")


@pytest.mark.parametrize("route", TRANSITIONS)
def test_a_nul_in_a_transition_path_is_a_400(client_api, case, route):
    response = client_api.post(f"/api/v1/cases/C%00/{route}", {}, format="json")

    assert_json_error(response, 400, "invalid")


def test_a_nul_in_a_query_is_a_400(client_api, case):
    assert_json_error(client_api.get("/api/v1/cases/?customer_external_id=%00"), 400, "invalid")


def test_a_nul_in_an_admin_filter_is_a_message_not_a_500(client, operator, case):
    client.force_login(operator)

    response = client.get("/admin/escalations/case/?status=%00", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][0] == "/admin/escalations/case/"
    assert "NUL" in " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize(
    "query",
    [
        "created_after=0001-01-01T00:00:00",
        "created_before=9999-12-31T23:59:59",
        "updated_after=0001-01-01T00:00:00%2B09:00",
        "updated_after=",
        "created_after=",
        "page_size=null",
        "page_size=0",
        "page_size=201",
    ],
)
def test_impossible_filters_are_a_400(client_api, case, query):
    response = client_api.get(f"/api/v1/cases/?{query}")

    assert_json_error(response, 400, "invalid")
    assert set(response.json()["fields"]) == {query.split("=")[0]}


def test_a_reasonable_date_filter_still_works(client_api, case):
    response = client_api.get("/api/v1/cases/?created_after=2000-01-01T00:00:00&page_size=5")

    assert response.status_code == 200
    assert [c["reference"] for c in response.json()["results"]] == [case.reference]


def test_history_dates_out_of_range_are_a_400(api, manager):
    response = api(manager).get("/api/v1/history/?since=0001-01-01")

    assert_json_error(response, 400, "invalid")


def test_a_body_nested_too_deeply_is_a_400(client_api, case):
    response = client_api.post(
        f"/api/v1/cases/{case.reference}/notes/", "[" * 100_000, content_type="application/json"
    )

    assert_json_error(response, 400, "parse_error")


def test_a_nul_in_a_json_body_is_a_400(client_api, case):
    body = json.dumps({"kind": "internal", "body": "a\x00b"})

    response = client_api.post(
        f"/api/v1/cases/{case.reference}/notes/", body, content_type="application/json"
    )

    assert_json_error(response, 400, "invalid")


@pytest.mark.parametrize(
    "url", ["/api/v1/escalations/abc/", "/api/v1/customers/1.5/", "/api/v1/no-such-thing/"]
)
def test_unknown_ids_and_routes_are_a_json_404(client_api, url):
    assert_json_error(client_api.get(url), 404, "not_found")


def test_the_dashboard_refuses_a_range_it_cannot_hold(client, manager):
    client.force_login(manager)

    for query in ("start=9999-12-01", "start=0001-01-01&end=0001-01-02", "end=9999-12-31"):
        response = client.get(reverse("admin:reports_dashboard") + "?" + query)
        assert response.status_code == 200, query
        assert list(response.context["messages"]), query


def test_the_schema_and_the_docs_need_a_login(client, operator):
    assert client.get("/api/schema/").status_code in (401, 403)
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("admin:login"))

    client.force_login(operator)

    assert client.get("/api/schema/").status_code == 200
    assert client.get(reverse("api-docs")).status_code == 200
