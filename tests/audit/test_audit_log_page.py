"""The audit log: every historised model, newest first, changed fields in readable labels,
links to the objects, keyset pages, and a query count that does not grow with the page size."""

import pytest
from django.urls import reverse

from escalations import services
from escalations.models import Customer
from tests.factories import HANDOFF, CustomerFactory

URL = "admin:audit_auditlog_changelist"


@pytest.fixture
def client(client):
    """Labels in English here (test_audit_log_in_japanese.py reads the page in Japanese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def entries(response):
    return response.context["entries"]


def test_a_manager_reads_who_changed_what_and_why_in_readable_labels(
    client, case, operator, supervisor, manager
):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    client.force_login(manager)

    response = client.get(reverse(URL), {"object": case.reference, "model": "escalations.case"})

    assert response.status_code == 200
    latest = entries(response)[0]
    assert latest.user == "佐藤 一郎"
    assert latest.action == "~"
    assert latest.reason == "escalate: クレーム → SVチーム"
    changes = {c.field: (c.old, c.new) for c in latest.changes}
    assert changes["Status"] == ("In progress", "Escalated")
    assert changes["Tier"] == ("L1 operators", "L2 supervisors")
    assert changes["Assigned team"] == (
        "一次対応チーム (L1 operators)",
        "SVチーム (L2 supervisors)",
    )
    assert changes["Handler"] == ("佐藤 一郎", "—")
    assert latest.url == reverse("admin:escalations_case_change", args=[case.pk])
    assert "Updated at" not in changes
    content = response.content.decode()
    assert "SVチーム (L2 supervisors)" in content


def test_a_case_reference_also_finds_its_notes_and_hops(client, case, operator, manager):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    client.force_login(manager)

    response = client.get(reverse(URL), {"object": case.reference})

    models = {e.model_label for e in entries(response)}
    assert models == {"escalations.case", "escalations.casenote", "escalations.escalation"}
    note = next(e for e in entries(response) if e.model_label == "escalations.casenote")
    assert note.url == reverse("admin:escalations_case_change", args=[case.pk])


def test_secrets_are_masked(client, admin_user, manager):
    from tests.factories import TeamFactory

    team = TeamFactory(name="外部ベンダー")
    client.force_login(admin_user)
    client.post(
        reverse("admin:accounts_team_change", args=[team.pk]),
        {"name": "外部ベンダー", "tier": 4, "new_secret": "s3cr3t-value", "members": []},
    )
    client.force_login(manager)

    response = client.get(reverse(URL), {"model": "accounts.team"})

    assert "s3cr3t-value" not in response.content.decode()
    latest = entries(response)[0]
    assert latest.reason == "edited in admin"
    assert {c.field: (c.old, c.new) for c in latest.changes}["Webhook secret"] == ("***", "***")


def edit_customers(count, actor):
    for i in range(count):
        customer = CustomerFactory()
        customer.name = f"変更後 {i}"
        customer._history_user = actor
        customer._change_reason = "test edit"
        customer.save()


def test_pages_follow_each_other_without_overlap(client, operator, manager):
    edit_customers(12, operator)  # 24 rows: 12 created, 12 changed
    client.force_login(manager)

    seen = []
    url = reverse(URL) + "?model=escalations.customer&n=50"
    first = client.get(url)
    seen += [(e.object_id, e.action) for e in entries(first)]
    assert first.context["next_url"] is None
    assert len(seen) == 24
    response = client.get(reverse(URL), {"model": "escalations.customer", "n": 10})
    pages = [[(e.object_id, e.action) for e in entries(response)]]
    while response.context["next_url"]:
        response = client.get(reverse(URL) + response.context["next_url"])
        pages.append([(e.object_id, e.action) for e in entries(response)])
    assert [len(p) for p in pages] == [10, 10, 4]
    assert [row for page in pages for row in page] == seen


@pytest.mark.parametrize("rows", [5, 50])
def test_the_page_makes_the_same_queries_for_5_and_50_rows(
    rows, client, operator, manager, django_assert_num_queries
):
    edit_customers(rows, operator)  # created + changed: 2 rows per customer
    client.force_login(manager)
    url = reverse(URL)
    params = {"model": "escalations.customer", "action": "~", "n": 50}
    client.get(url, params)  # warm the process-wide caches (content types)

    # user, the page's keys, its rows with their previous versions'
    # ids, the previous versions, the customers' names, the users for the filter, the SLA clock
    # banner's status (ops); the session comes from the cache (cached_db sessions), the
    # permissions from the process's copy (accounts.backends)
    with django_assert_num_queries(7):
        response = client.get(url, params)

    assert len(entries(response)) == rows
    assert Customer.history.count() == 2 * rows


def test_the_first_page_across_all_models_makes_a_bounded_number_of_queries(
    client, case, operator, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get(reverse(URL))
    with django_assert_max_num_queries(40):
        response = client.get(reverse(URL))
    assert response.status_code == 200
    assert len(entries(response)) > 5


def test_the_page_size_shown_is_the_one_used(client, manager):
    client.force_login(manager)

    response = client.get(reverse(URL))

    assert response.context["form"]["n"].value() == "50"
    assert '<option value="50" selected>' in response.content.decode()
