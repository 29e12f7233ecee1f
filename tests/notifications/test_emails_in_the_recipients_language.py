"""An email is written when it is delivered, in its recipient's language (``User.language``:
Japanese by default, English), as text with an HTML alternative: the subject with the reference
and what happened, the customer, category and priority, the handoff, the deadline in local time,
and an absolute link that opens the case for the recipient and not for someone who may not see
it. What it says follows the recipient's language at delivery, not the one it was queued in."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
import time_machine
from django.utils import translation

from escalations import services
from escalations.services.sla_sweep import sla_sweep
from knowledge import services as knowledge
from knowledge.models import Article
from notifications import delivery, outbox
from notifications.models import InboxKind, Notification
from tests.escalations.hold_setup import SATURDAY_EVENING, give_emails, hold_policy
from tests.factories import HANDOFF, make_case, make_sla_policy

START = dt.datetime(2026, 6, 8, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.fixture
def on_hold_email(settings, case, operator, supervisor, outsider):
    """The on-hold email to the supervisor, queued (in Japanese, the site's language)."""
    settings.SITE_URL = "https://escalation.example.jp/"
    give_emails(supervisor, operator, outsider)
    hold_policy()
    with time_machine.travel(SATURDAY_EVENING, tick=False), translation.override("ja"):
        services.case_escalate(
            case=case, actor=operator, reason="superior_requested", handoff=HANDOFF, on_hold=True
        )
    return Notification.objects.get(event_type="escalation.on_hold", recipient=supervisor)


def sent(row, mailoutbox):
    assert delivery.deliver(row.pk) == "sent"
    mail = mailoutbox[-1]
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html"
    return mail, html


def test_japanese_by_default(on_hold_email, case, mailoutbox):
    mail, html = sent(on_hold_email, mailoutbox)

    assert mail.subject == f"[お客様保留中] {case.reference} {case.subject}"
    for line in (
        f"案件: {case.reference} {case.subject}",
        f"お客様: {case.customer}",
        f"カテゴリ: {case.category}",
        "お客様の要望: 返金してほしい",
        "実施済みの対応: 請求明細を確認し説明した",
        f"優先度: {case.get_priority_display()}",
    ):
        assert line in mail.body, line
    assert "What the customer wants" not in mail.body
    assert "お客様の要望" in html and "返金してほしい" in html and 'lang="ja"' in html


def test_in_english_for_who_chose_it_though_queued_in_japanese(
    on_hold_email, case, supervisor, mailoutbox
):
    supervisor.language = "en"
    supervisor.save()

    mail, html = sent(on_hold_email, mailoutbox)

    assert mail.subject == f"[Customer on hold] {case.reference} {case.subject}"
    assert "What the customer wants: 返金してほしい" in mail.body
    assert "What was tried: 請求明細を確認し説明した" in mail.body
    assert "Customer's mood: Angry" in mail.body
    assert "Open the case: https://escalation.example.jp/admin/" in mail.body
    assert "お客様の要望" not in mail.body
    assert "What the customer wants" in html and 'lang="en"' in html


def test_the_link_opens_the_case_for_the_recipient_only(
    on_hold_email, client, case, supervisor, outsider, mailoutbox
):
    mail, html = sent(on_hold_email, mailoutbox)

    link = mail.body.rsplit(" ", 1)[-1]
    assert re.search(r'href="([^"]+)"', html).group(1) == link
    path = urlparse(link).path
    assert path == f"/admin/escalations/case/{case.pk}/change/"
    client.force_login(supervisor)
    assert client.get(path).status_code == 200
    # someone who may not see the case: the admin treats it as missing (it redirects to its
    # index with "does not exist", as for any object outside one's queryset), nothing of it shows
    client.force_login(outsider)
    refused = client.get(path, follow=True)
    assert refused.redirect_chain == [("/admin/", 302)]
    assert case.subject not in refused.content.decode()


@pytest.mark.parametrize(("language", "label"), [("ja", "期限"), ("en", "Deadline")])
def test_the_deadline_is_in_local_time(case, operator, mailoutbox, language, label):
    give_emails(operator)
    operator.language = language
    operator.save()
    due = dt.datetime(2026, 6, 8, 1, 30, tzinfo=dt.UTC)  # 10:30 in Tokyo
    (row,) = outbox.notify_users(
        [operator],
        event_type="sla.warning",
        subject=f"[警告] {case.reference}",
        payload={"text": "期限が近づいています", "due_at": due},
        case_id=case.pk,
        kind=InboxKind.SLA_WARNING,
    )

    mail, html = sent(row, mailoutbox)

    assert f"{label}: 2026-06-08 10:30" in mail.body
    assert "2026-06-08 10:30" in html


def test_a_review_reminder_names_what_and_links_to_it(settings, operator, supervisor, mailoutbox):
    settings.SITE_URL = "https://escalation.example.jp"
    give_emails(operator)
    operator.language = "en"
    operator.save()
    article = knowledge.article_create(actor=operator, title="返品の受付方法", body="30日以内。")
    knowledge.article_submit(article=article, actor=operator)
    knowledge.article_approve(article=article, actor=supervisor)
    Article.objects.filter(pk=article.pk).update(review_due=dt.date(2020, 1, 1))
    knowledge.notify_review_overdue()
    row = Notification.objects.get(event_type="article.review_overdue")

    mail, html = sent(row, mailoutbox)

    assert mail.subject == "[Article review overdue] 返品の受付方法"
    assert "Review date: 2020-01-01" in mail.body
    assert mail.body.endswith(
        f"Open the page: https://escalation.example.jp/admin/knowledge/article/{article.pk}/change/"
    )


@pytest.mark.parametrize(
    ("language", "subject", "deadline"),
    [
        ("ja", "[SLA警告: 初回対応]", "期限: 2026-06-08 10:30"),
        ("en", "[SLA warning: First response]", "Deadline: 2026-06-08 10:30"),
    ],
)
def test_an_sla_warning_names_its_target_and_deadline(
    org, operator, mailoutbox, language, subject, deadline
):
    """P2, first response within 30 min of 10:00 (Tokyo): the owner is warned at 50 %."""
    give_emails(operator)
    operator.language = language
    operator.save()
    make_sla_policy()
    with time_machine.travel(START, tick=False):
        case = make_case(owner=operator)
    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        sla_sweep()
    row = Notification.objects.get(event_type="sla.warning", recipient=operator)

    mail, html = sent(row, mailoutbox)

    assert mail.subject == f"{subject} {case.reference} {case.subject}"
    assert deadline in mail.body and case.reference in html
