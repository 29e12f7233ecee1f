"""Review reminders of articles, escalation rules and team contact lists put exactly one
notification in the owner's bell (an absent owner's delegate's), in the reminder's transaction
(rolled back with it); opening it goes to the admin page of what is due for review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from escalations.models import EscalationRule
from knowledge import services as knowledge
from knowledge.models import Article
from notifications.models import InboxKind, Loudness, Notification, NotificationChannel
from reports import services as reports


def bell(kind: str) -> list[tuple[str, int]]:
    rows = Notification.objects.filter(channel=NotificationChannel.IN_APP, event_type=kind)
    return sorted(rows.values_list("recipient__username", "loudness"))


@pytest.fixture
def overdue_article(operator, supervisor):
    article = knowledge.article_create(actor=operator, title="返品の受付方法", body="30日以内。")
    knowledge.article_submit(article=article, actor=operator)
    article = knowledge.article_approve(article=article, actor=supervisor)
    Article.objects.filter(pk=article.pk).update(
        review_due=timezone.localdate() - dt.timedelta(days=1)
    )
    return article


def test_the_owner_of_an_overdue_article_is_reminded_once(overdue_article, client, operator):
    knowledge.notify_review_overdue()
    knowledge.notify_review_overdue()  # the same period: nobody again

    assert bell(InboxKind.REVIEW_OVERDUE) == [("operator", Loudness.QUIET)]
    row = Notification.objects.get(event_type=InboxKind.REVIEW_OVERDUE)
    assert row.subject == "返品の受付方法" and row.case_id is None
    client.force_login(operator)
    opened = client.get(reverse("notifications:open", args=[row.pk]))
    assert opened.url == reverse("admin:knowledge_article_change", args=[overdue_article.pk])


def test_an_absent_article_owner_s_delegate_is_reminded(overdue_article, operator, colleague):
    operator.is_absent, operator.delegate = True, colleague
    operator.save()

    knowledge.notify_review_overdue()

    assert bell(InboxKind.REVIEW_OVERDUE) == [("colleague", Loudness.QUIET)]


@pytest.fixture
def stale_rule_and_team(org, supervisor, l2_team):
    rule = EscalationRule.objects.get(target_team=l2_team)
    for subject in (rule, l2_team):
        subject.review_owner = supervisor
        subject.next_review_on = timezone.localdate() - dt.timedelta(days=1)
        subject.save()
    return rule, l2_team


def test_the_owner_of_an_overdue_rule_and_team_is_reminded_of_each(
    stale_rule_and_team, client, supervisor
):
    rule, team = stale_rule_and_team
    reports.notify_reviews_due()
    reports.notify_reviews_due()

    assert bell(InboxKind.REVIEW_OVERDUE) == [
        ("supervisor", Loudness.QUIET),
        ("supervisor", Loudness.QUIET),
    ]
    client.force_login(supervisor)
    targets = {
        client.get(reverse("notifications:open", args=[pk])).url
        for pk in Notification.objects.filter(event_type=InboxKind.REVIEW_OVERDUE).values_list(
            "pk", flat=True
        )
    }
    assert targets == {
        reverse("admin:escalations_escalationrule_change", args=[rule.pk]),
        reverse("admin:accounts_team_change", args=[team.pk]),
    }


def test_review_reminders_roll_back_with_their_transaction(stale_rule_and_team):
    with pytest.raises(RuntimeError), transaction.atomic():
        reports.notify_reviews_due()
        assert len(bell(InboxKind.REVIEW_OVERDUE)) == 2
        raise RuntimeError("fails after the reminders")

    assert bell(InboxKind.REVIEW_OVERDUE) == []


def test_a_link_to_another_site_is_not_followed(overdue_article, client, operator):
    knowledge.notify_review_overdue()
    row = Notification.objects.get(event_type=InboxKind.REVIEW_OVERDUE)
    row.payload = {**row.payload, "link": "//evil.example/phish"}
    row.save()
    client.force_login(operator)

    opened = client.get(reverse("notifications:open", args=[row.pk]))

    assert opened.url == reverse("admin:notifications_inboxitem_changelist")
