"""The case page's timeline merges notes, transitions with their reasons, escalation hops and
SLA events in time order, one entry per event, in a constant number of queries."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from escalations import services
from escalations.services.sla_sweep import sla_sweep
from tests.factories import HANDOFF, make_sla_policy


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def timeline(client, case, user):
    client.force_login(user)
    response = client.get(reverse("admin:escalations_case_change", args=[case.pk]))
    assert response.status_code == 200
    return response.context["timeline"]


def test_a_supervisor_reads_the_story_of_the_case_in_order(
    client, org, operator, supervisor, manager
):
    from tests.factories import make_case

    make_sla_policy(acknowledge=dt.timedelta(minutes=15))
    start = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        case = make_case(owner=operator, call_log="お客様より入電")
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        services.case_start_work(case=case, actor=operator, comment="確認します")
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        sla_sweep()  # the acknowledgement is 15 minutes late: escalated further, automatically
    case.refresh_from_db()

    entries = timeline(client, case, manager)

    assert [(e.kind, e.label) for e in entries] == [
        ("transition", "Case opened"),
        ("note", "Call log"),
        ("transition", "Start work"),
        ("transition", "Escalate"),
        ("sla", "Warning: handler: Acknowledgement of escalation"),
        ("sla", "Warning: team lead: Acknowledgement of escalation"),
        ("sla", "Breach: Acknowledgement of escalation"),
        ("transition", "Escalate further"),
    ]
    started, escalated, breach, further = entries[2], entries[3], entries[6], entries[7]
    assert (started.who, started.text, started.status_change) == (
        "佐藤 一郎",
        "確認します",
        "New → In progress",
    )
    assert escalated.details[0] == "Escalation #1: L1 → L2 SVチーム"
    assert "Reason: Complaint" in escalated.details
    assert "返金してほしい" in escalated.text  # the handoff
    assert further.who == "システム"
    assert further.details[0] == "Escalation #2: L2 → L3 技術チーム"
    assert "Automatic (SLA)" in further.details
    assert breach.text.startswith("SLA")
    assert [e.at for e in entries] == sorted(e.at for e in entries)


@pytest.mark.parametrize("rounds", [1, 8])
def test_the_timeline_costs_the_same_queries_however_long(
    rounds, client, case, operator, supervisor, django_assert_num_queries
):
    for i in range(rounds):
        services.case_add_note(case=case, actor=operator, kind="internal", body=f"メモ{i}")
        services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)
        services.case_acknowledge(case=case, actor=supervisor, comment="受けます")
        services.case_return_to_owner(case=case, actor=supervisor, answer=f"回答{i}")
    client.force_login(operator)
    url = reverse("admin:escalations_case_change", args=[case.pk])
    client.get(url)

    # as tests/escalations/test_case_page_header_shows_the_case_first.py pins it (no session;
    # the header's routes take the active rules kept per process, its nudge reads the case's
    # open nudge)
    with django_assert_num_queries(12):
        response = client.get(url)

    assert len(response.context["timeline"]) == 2 + 4 * rounds


def test_the_case_page_links_managers_to_the_cases_audit_log(client, case, operator, manager):
    url = reverse("admin:escalations_case_change", args=[case.pk])
    audit = reverse("admin:audit_auditlog_changelist") + f"?object={case.reference}"

    client.force_login(manager)
    assert audit in client.get(url).content.decode()
    client.force_login(operator)
    assert audit not in client.get(url).content.decode()


def test_a_merged_entry_keeps_the_class_of_the_note_it_carries(client, case, operator, manager):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)

    entries = timeline(client, case, manager)

    escalated = next(e for e in entries if e.label == "Escalate")
    assert escalated.css.split() == ["transition-escalate", "note-handoff"]
    content = client.get(reverse("admin:escalations_case_change", args=[case.pk])).content
    assert b'class="timeline-transition transition-escalate note-handoff"' in content
