"""An email about a case carries it: what happened, the handoff (what the customer wants, what
was tried, their mood), the deadline in local time, and an absolute link to the case
(``SITE_URL``) that opens it for the recipient and not for someone who may not see it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import time_machine

from escalations import services
from notifications import delivery, outbox
from notifications.models import Notification
from tests.escalations.hold_setup import SATURDAY_EVENING, give_emails, hold_policy
from tests.factories import HANDOFF


def test_the_on_hold_email_has_the_handoff_and_a_working_link(
    settings, client, case, operator, supervisor, outsider, mailoutbox
):
    settings.SITE_URL = "https://escalation.example.jp/"
    give_emails(supervisor, operator, outsider)
    hold_policy()
    with time_machine.travel(SATURDAY_EVENING, tick=False):
        services.case_escalate(
            case=case, actor=operator, reason="superior_requested", handoff=HANDOFF, on_hold=True
        )
    row = Notification.objects.get(event_type="escalation.on_hold", recipient=supervisor)

    assert delivery.deliver(row.pk) == "sent"

    (mail,) = mailoutbox
    assert case.reference in mail.subject
    assert "お客様の要望: 返金してほしい" in mail.body
    assert "請求明細を確認し説明した" in mail.body
    link = mail.body.rsplit(" ", 1)[-1]
    assert link.startswith("https://escalation.example.jp/admin/escalations/case/")
    path = urlparse(link).path
    client.force_login(supervisor)
    assert client.get(path).status_code == 200
    client.force_login(outsider)
    assert client.get(path).status_code != 200


def test_the_deadline_is_in_local_time(settings, case, operator, mailoutbox):
    give_emails(operator)
    due = dt.datetime(2026, 6, 8, 1, 30, tzinfo=dt.UTC)  # 10:30 in Tokyo
    (row,) = outbox.notify_users(
        [operator],
        event_type="sla.warning",
        subject=f"[警告] {case.reference}",
        payload={"text": "期限が近づいています", "due_at": due},
        case_id=case.pk,
    )

    delivery.deliver(row.pk)

    assert "期限: 2026-06-08 10:30" in mailoutbox[0].body
