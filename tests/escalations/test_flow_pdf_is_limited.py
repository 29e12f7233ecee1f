"""The flow PDF ties up at most FLOW_PDF_CONCURRENCY web workers: when every render slot is
taken (by any web process of the machine) the export answers 503 "busy, retry" at once."""

import pytest
from django.urls import reverse

from escalations.flow.render_slots import render_slot


@pytest.fixture
def two_slots(settings, tmp_path):
    settings.FLOW_PDF_CONCURRENCY = 2
    settings.VAR_DIR = tmp_path


def test_a_render_takes_a_slot_and_gives_it_back(two_slots):
    with render_slot() as first, render_slot() as second, render_slot() as third:
        assert (first, second, third) == (True, True, False)
    with render_slot() as again:
        assert again is True


def test_the_export_is_busy_while_every_slot_is_taken(client, org, operator, two_slots):
    client.force_login(operator)
    url = reverse("admin:escalations_flow_pdf")

    with render_slot(), render_slot():
        busy = client.get(url)
    after = client.get(url)

    assert busy.status_code == 503
    assert busy["Retry-After"] == "10"
    assert "数秒後にもう一度お試しください" in busy.content.decode()
    assert after.status_code == 200 and after["Content-Type"] == "application/pdf"


def test_a_busy_answer_reads_nothing_of_the_flow(
    client, org, operator, two_slots, django_assert_num_queries
):
    client.force_login(operator)

    # the session, the user and the user's permissions (the admin's menu): nothing else
    with render_slot(), render_slot(), django_assert_num_queries(3):  # the session from the cache
        assert client.get(reverse("admin:escalations_flow_pdf")).status_code == 503
