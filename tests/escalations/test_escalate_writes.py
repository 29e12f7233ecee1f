"""Escalating writes the same rows whichever way the service writes them: on PostgreSQL a
request's few cases go in two statements (the keys and hop numbers drawn, then the case UPDATE,
the nudges cleared and every new row, the outbox rows too (the team's bells made from its present
members by an INSERT ... SELECT), in one statement:
``escalations.services.escalate._write_together``), the SLA sweep's batches and SQLite one model
at a time (``_write_apart``, the outbox rows after them), and the API's way: the keys and hop
numbers drawn in the case's locked read (``escalate_drawn.drawn_with_the_case``), no statement
before the one that writes. Three cases go L1 -> L2 -> L3, one each way, and every row they leave is
compared: the case, its history rows (user, reason, values), the hops (numbers, the transition
they belong to, outcomes) and their history rows, the hops' timers, the handoff notes and their
history rows, the nudges cleared (and followed), the outbox rows (bells for present members
only, hold emails, webhook rows: recipients, texts, payloads) and the webhook deliveries."""

import datetime as dt
import json
import re

import pytest
from django.db import connection, transaction
from django.utils import timezone

from escalations import services
from escalations.models import Case, CaseNote, Escalation, Nudge, NudgeKind, SLATimer
from escalations.services import CASES, escalate, escalate_drawn
from integrations.models import WebhookDelivery, WebhookSubscription
from kit.bulk import FEW
from notifications import outbox
from notifications.events import EventType
from notifications.models import InboxKind, Notification, NotificationStatus
from tests.factories import HANDOFF, UserFactory, make_case, make_sla_policy


def snapshot(case: Case) -> dict:
    case = Case.objects.get(pk=case.pk)
    history = list(case.history.order_by("history_date", "history_id"))
    last = history[-1]
    assert last.updated_at == case.updated_at  # the history row holds what was written
    transitions = {row.history_id: n for n, row in enumerate(history)}
    hops = list(Escalation.objects.filter(case=case).order_by("number"))
    notes = list(CaseNote.objects.filter(case=case).exclude(transition=None).order_by("pk"))
    return {
        "case": (case.status, case.tier, case.assigned_team_id, case.handler_id),
        "history": [
            (
                row.history_type,
                row.history_user_id,
                row.history_change_reason,
                row.status,
                row.tier,
                row.assigned_team_id,
                row.handler_id,
            )
            for row in history
        ],
        "hops": [
            (
                hop.number,
                hop.from_tier,
                hop.to_tier,
                hop.to_team_id,
                hop.to_user_id,
                hop.reason,
                hop.customer_wants,
                hop.tried,
                hop.customer_mood,
                hop.requested_by_id,
                hop.requested_at == case.history.get(history_id=hop.transition_id).history_date,
                hop.outcome,
                transitions[hop.transition_id],
                [
                    (row.history_type, row.history_user_id, row.history_change_reason, row.outcome)
                    for row in hop.history.order_by("history_date", "history_id")
                ],
                sorted(
                    (t.kind, t.budget, t.policy_id, t.due_at - t.started_at, t.stopped_at is None)
                    for t in SLATimer.objects.filter(escalation=hop)
                ),
            )
            for hop in hops
        ],
        "notes": [
            (
                note.kind,
                note.body,
                note.author_id,
                transitions[note.transition_id],
                [
                    (row.history_type, row.history_user_id, row.history_change_reason, row.body)
                    for row in note.history.all()
                ],
            )
            for note in notes
        ],
        "nudges": sorted(
            (n.kind, n.cleared_by, n.followed_at is not None) for n in case.nudges.all()
        ),
        "notifications": sorted(
            (
                n.event_type,
                n.channel,
                n.recipient_id or 0,
                n.intended_recipient_id or 0,
                n.loudness,
                n.status,
                n.address,
                n.sent_at is not None,
                same_for_both(case, n.subject),
                same_for_both(case, json.dumps(n.payload, sort_keys=True)),
            )
            for n in Notification.objects.filter(case_id=case.pk)
        ),
        "deliveries": sorted(
            (d.subscription_id, d.notification.event_type, d.notification.status)
            for d in WebhookDelivery.objects.filter(notification__case_id=case.pk)
        ),
    }


_TIME = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?")


def same_for_both(case: Case, text: str) -> str:
    """A notification's text as it is for both cases: their reference, subject, key and the
    times (when each was escalated) left out."""
    text = text.replace(case.reference, "<reference>").replace(case.subject, "<subject>")
    return _TIME.sub("<time>", text).replace(f'"case": {case.pk}', '"case": <key>')


def up_two_tiers(operator, supervisor, *, drawn_in_the_read: bool = False) -> Case:
    case = services.case_start_work(case=make_case(owner=operator), actor=operator)
    escalate_ = drawn_in_the_read_of_the_case if drawn_in_the_read else services.case_escalate
    now = timezone.now()
    # an open nudge not sent yet, and one sent (followed by escalating)
    for kind, sent in ((NudgeKind.WORK, None), (NudgeKind.NO_KNOWLEDGE, now)):
        Nudge.objects.create(
            case=case, kind=kind, due_at=now + dt.timedelta(minutes=5), sent_at=sent
        )
    escalate_(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    case.refresh_from_db()
    services.case_acknowledge(case=case, actor=supervisor)
    escalate_(case=case, actor=supervisor, reason="technical_fault", handoff=HANDOFF, on_hold=True)
    return case


def drawn_in_the_read_of_the_case(*, case: Case, **kwargs) -> Escalation:
    """``case_escalate`` on the case read locked with its keys and hop number drawn in that
    read, as the API escalate does (``escalate_drawn.drawn_with_the_case``; nothing on SQLite)."""
    with transaction.atomic():
        locked = CASES.read_locked(
            Case.objects.all, draw=escalate_drawn.drawn_with_the_case(), pk=case.pk
        )
        return services.case_escalate(case=locked, **kwargs)


def test_both_ways_write_the_same_rows(
    org, operator, supervisor, specialist, monkeypatch, django_capture_on_commit_callbacks
):
    make_sla_policy()
    with django_capture_on_commit_callbacks(execute=True):  # the subscriptions "committed"
        subscription = WebhookSubscription.objects.create(
            name="CRM", url="http://127.0.0.1:9/hooks", secret="s", event_types=list(EventType)
        )
    # present members get a bell; absent and inactive ones do not
    org["l2"].members.add(
        UserFactory(username="absent", is_absent=True),
        UserFactory(username="gone", is_active=False),
    )
    # the held hop's team is emailed too (those with an address)
    org["l3"].members.add(UserFactory(username="mailed", email="mailed@example.com"))
    written_together = []
    write_together = escalate._write_together

    def spied(*args, **kwargs):
        written_together.append(True)
        return write_together(*args, **kwargs)

    monkeypatch.setattr(escalate, "_write_together", spied)
    # whose bells' live versions are bumped (on PostgreSQL the team's bells are made by the
    # statement, outbox.notify_team_in_app: the recipients it returns)
    bumped: list[set[int]] = []
    after_commit = outbox.oncommit.after_commit
    monkeypatch.setattr(
        outbox.oncommit,
        "after_commit",
        lambda *, users=(), **rest: bumped[-1].update(users) or after_commit(users=users, **rest),
    )
    made_by_statement = []
    notify_team_in_app = outbox.notify_team_in_app
    monkeypatch.setattr(
        outbox,
        "notify_team_in_app",
        lambda *args, **kwargs: (
            made_by_statement.append(True) or notify_team_in_app(*args, **kwargs)
        ),
    )
    bumped.append(set())
    together_most = escalate.TOGETHER_MOST
    together = up_two_tiers(operator, supervisor)
    assert len(written_together) == (2 if connection.vendor == "postgresql" else 0)
    assert len(made_by_statement) == (1 if connection.vendor == "postgresql" else 0)
    monkeypatch.setattr(escalate, "TOGETHER_MOST", 0)
    bumped.append(set())
    apart = up_two_tiers(operator, supervisor)
    assert len(written_together) == (2 if connection.vendor == "postgresql" else 0)
    assert len(made_by_statement) == (1 if connection.vendor == "postgresql" else 0)
    assert bumped[0] == bumped[1]
    assert supervisor.pk in bumped[0]

    monkeypatch.setattr(escalate, "TOGETHER_MOST", together_most)
    taken = []
    take = escalate.taken_with_the_case
    monkeypatch.setattr(
        escalate, "taken_with_the_case", lambda case: taken.append(take(case)) or taken[-1]
    )
    bumped.append(set())
    drawn = up_two_tiers(operator, supervisor, drawn_in_the_read=True)
    assert len(written_together) == (4 if connection.vendor == "postgresql" else 0)
    assert len(made_by_statement) == (2 if connection.vendor == "postgresql" else 0)
    assert bumped[2] == bumped[0]
    assert sum(keys is not None for keys in taken) == (
        2 if connection.vendor == "postgresql" else 0
    )

    written = snapshot(together)
    assert written == snapshot(apart)
    assert written == snapshot(drawn)
    assert [hop[0] for hop in written["hops"]] == [1, 2]
    assert written["nudges"] == [
        (NudgeKind.NO_KNOWLEDGE, "escalated", True),
        (NudgeKind.WORK, "escalated", False),
    ]
    assert len(written["notes"]) == 2
    recipients = {row[2] for row in written["notifications"]}
    assert recipients >= {supervisor.pk}
    assert {row[0] for row in written["notifications"]} >= {
        "case.escalated",
        "case.on_hold",
        "escalation.on_hold",
        InboxKind.ESCALATED,
        InboxKind.ON_HOLD,
    }
    escalated = ("case.escalated", "case.on_hold")
    assert [row for row in written["deliveries"] if row[1] in escalated] == [
        (subscription.pk, "case.escalated", NotificationStatus.PENDING),
        (subscription.pk, "case.escalated", NotificationStatus.PENDING),
        (subscription.pk, "case.on_hold", NotificationStatus.PENDING),
    ]


@pytest.mark.parametrize("together_most", [escalate.TOGETHER_MOST, 0])
def test_a_batch_of_a_few_cases(org, operator, monkeypatch, together_most):
    """``escalate_cases`` with several cases written together: each gets its own hop, number,
    timers and note, tied to its own transition."""
    make_sla_policy()
    monkeypatch.setattr(escalate, "TOGETHER_MOST", together_most)
    cases = [
        services.case_start_work(case=make_case(owner=operator), actor=operator) for _ in range(3)
    ]
    with transaction.atomic():
        hops = escalate.escalate_cases(
            [escalate.EscalationRequest(case, "knowledge_gap", HANDOFF) for case in cases],
            actor=operator,
            together=True,
        )
    for case, hop in zip(cases, hops, strict=True):
        assert isinstance(hop, Escalation)
        stored = Escalation.objects.get(pk=hop.pk)
        assert (stored.case_id, stored.number) == (case.pk, 1)
        assert stored.transition_id == case.history.latest("history_date").history_id
        assert SLATimer.objects.filter(escalation=stored).count() == 2
        (note,) = CaseNote.objects.filter(case=case, transition_id=stored.transition_id)
        assert note.author == operator


def test_more_bells_than_one_statement_takes(org, operator, supervisor, monkeypatch):
    """A target team with more present members than ``kit.bulk.FEW`` (more bells than one
    INSERT of ``kit.together.insert_together`` takes): on PostgreSQL made by the escalation's
    statement all the same (``outbox.notify_team_in_app``); the same rows as
    ``_write_apart``'s."""
    make_sla_policy()
    org["l2"].members.add(*(UserFactory(username=f"m{n}") for n in range(FEW + 1)))
    written_together = []
    write_together = escalate._write_together
    monkeypatch.setattr(
        escalate,
        "_write_together",
        lambda *args, **kwargs: written_together.append(True) or write_together(*args, **kwargs),
    )
    together = services.case_start_work(case=make_case(owner=operator), actor=operator)
    services.case_escalate(case=together, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    assert len(written_together) == (connection.vendor == "postgresql")
    monkeypatch.setattr(escalate, "TOGETHER_MOST", 0)
    apart = services.case_start_work(case=make_case(owner=operator), actor=operator)
    services.case_escalate(case=apart, actor=operator, reason="knowledge_gap", handoff=HANDOFF)

    written = snapshot(together)
    assert written == snapshot(apart)
    assert written["case"][0] == "escalated"
    bells = [row for row in written["notifications"] if row[0] == InboxKind.ESCALATED]
    assert len(bells) == org["l2"].members.count() > FEW
