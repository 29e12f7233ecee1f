"""The case list draws its rows once per page (escalations.admin.queue_rows, issue 17): the same
HTML as the admin's own cells (links with the list's filters, escaped text, the SLA and hold
badges, Japanese and English), and no query of their own."""

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.templatetags import admin_list
from django.urls import reverse
from django.utils import timezone, translation

from escalations import services
from escalations.admin.queue_rows import result_rows
from tests.factories import HANDOFF, CustomerFactory, make_case, make_sla_policy

LIST = "admin:escalations_case_changelist"
MAX_QUERIES = 15  # the pinned counts: test_case_list_sorts_by_sla_and_hold.py


@pytest.fixture
def mixed(org, operator, supervisor):
    """Cases with and without a deadline, on hold or not, handled by someone else or not, a
    subject and a customer that need escaping."""
    make_sla_policy()
    start = timezone.now() - dt.timedelta(hours=3)
    with time_machine.travel(start, tick=False):
        customer = CustomerFactory(name='<b>"阿部" & Co</b>', furigana="あべ")
        quiet = make_case(owner=operator, customer=customer, subject="<script>x</script> 請求")
        waiting = services.case_start_work(
            case=make_case(owner=operator, customer=CustomerFactory()), actor=operator
        )
        services.case_escalate(
            case=waiting, actor=operator, reason="knowledge_gap", handoff=HANDOFF, on_hold=True
        )
        services.case_acknowledge(case=waiting, actor=supervisor)
        services.case_start_work(
            case=make_case(owner=operator, customer=CustomerFactory()), actor=operator
        )
    return quiet, waiting


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("query", ["?view=all", "?view=all&o=5", "?view=all&o=-6"])
def test_the_rows_are_the_admins_own_cells(
    language, query, client, operator, supervisor, mixed, django_assert_max_num_queries
):
    quiet, waiting = mixed
    drawn = {}
    for user in (operator, supervisor):
        client.force_login(user)
        url = reverse(LIST) + query
        client.get(url, HTTP_ACCEPT_LANGUAGE=language)  # warm the content types
        with time_machine.travel(timezone.now(), tick=False):
            with django_assert_max_num_queries(MAX_QUERIES):
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            cl = response.context["cl"]
            with translation.override(language):
                admins = [list(map(str, row)) for row in admin_list.result_list(cl)["results"]]
                ours = [list(map(str, row)) for row in result_rows(cl)]

        assert ours == admins
        html = response.content.decode()
        assert all(cell in html for row in ours for cell in row)  # the page shows them
        drawn[user] = "".join(cell for row in ours for cell in row)
    mine = drawn[operator]
    assert "<script>" not in mine and "&lt;script&gt;x&lt;/script&gt; 請求" in mine
    assert "&lt;b&gt;&quot;阿部&quot; &amp; Co&lt;/b&gt;" in mine  # escaped once
    assert f"/admin/escalations/case/{waiting.pk}/change/?_changelist_filters=" in mine
    assert "sla-badge" in mine and "hold-badge" in mine


def test_a_page_the_rows_do_not_know_is_left_to_the_admin(client, operator, mixed):
    """A popup (the autocomplete's "select a case") keeps the admin's own rows."""
    client.force_login(operator)

    response = client.get(reverse(LIST) + "?view=all&_popup=1&_to_field=id")

    assert response.status_code == 200
    assert result_rows(response.context["cl"]) is None
    assert "data-popup-opener" in response.content.decode()
