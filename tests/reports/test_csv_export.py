"""Each report exports to CSV: UTF-8 with a BOM, the same rows as the page, formula injection
escaped; per-person reports only for managers; bad filters redirect with a message."""

import csv
import io

import pytest

from escalations.models import Category
from tests.reports.conftest import DAY, at

QUERY = f"?start={DAY.isoformat()}&end={DAY.isoformat()}"


def download(client, user, key, query=QUERY):
    client.force_login(user)
    with at(60 * 3):
        return client.get(f"/admin/reports/dashboard/csv/{key}/{query}", HTTP_ACCEPT_LANGUAGE="en")


def rows_of(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_escalations_by_reason_as_csv(client, manager, world):
    response = download(client, manager, "escalations_by_reason")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="escalations_by_reason-20260608-20260608.csv"' in response["Content-Disposition"]
    )
    assert rows_of(response) == [
        ["Day", "Knowledge gap", "Complaint", "Total"],
        ["2026-06-08", "1", "1", "2"],
    ]


def test_sla_compliance_per_tier_as_csv(client, manager, world):
    rows = rows_of(download(client, manager, "sla_compliance_tier"))
    assert rows[1] == ["L1 operators", "6", "6", "100.0%", "7", "7", "100.0%"]
    assert rows[2] == ["L2 supervisors", "2", "3", "66.7%", "2", "3", "66.7%"]


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "＝HYPERLINK(1)", "\ufeff=1+1", " @SUM(A1)"])
def test_a_category_name_starting_like_a_formula_is_escaped(client, manager, world, billing, name):
    Category.objects.filter(pk=billing.pk).update(name=name)
    rows = rows_of(download(client, manager, "escalations_by_category"))
    assert rows[0][1] == "'" + name


def test_per_person_reports_are_for_managers_only(client, manager, supervisor, world):
    assert download(client, manager, "escalations_per_operator").status_code == 200
    assert download(client, supervisor, "escalations_per_operator").status_code == 404
    assert download(client, supervisor, "escalations_by_reason").status_code == 200


@pytest.mark.parametrize("persona", ["operator", "outsider"])
def test_operators_may_not_export(client, persona, request):
    assert download(client, request.getfixturevalue(persona), "durations").status_code == 403


def test_an_unknown_report_is_not_found(client, manager):
    assert download(client, manager, "nothing").status_code == 404


def test_bad_filters_redirect_to_the_dashboard_with_a_message(client, manager):
    response = download(client, manager, "durations", "?start=yesterday")
    assert response.status_code == 302
    assert response["Location"] == "/admin/reports/dashboard/"


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "＝HYPERLINK(1)", "\ufeff=1"])
def test_a_report_as_xlsx(client, manager, world, billing, name):
    from openpyxl import load_workbook

    Category.objects.filter(pk=billing.pk).update(name=name)
    client.force_login(manager)
    with at(60 * 3):
        response = client.get(
            f"/admin/reports/dashboard/xlsx/escalations_by_category/{QUERY}",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "escalations_by_category-20260608-20260608.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Day", "'" + name, "Total"],
        ["2026-06-08", 2, 2],
    ]
