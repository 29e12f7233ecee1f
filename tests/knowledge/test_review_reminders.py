"""A daily task reminds owners of articles past their review date, through the notification
outbox, once per review period; the admin filters "review overdue"."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge import services, tasks
from knowledge.models import Article
from notifications.models import Notification, NotificationChannel

EMAILS = Notification.objects.filter(channel=NotificationChannel.EMAIL)


@pytest.fixture
def overdue(publish, operator):
    operator.email = "operator@example.jp"
    operator.save()
    article = publish("返品の受付方法", "返品は30日以内。")
    Article.objects.filter(pk=article.pk).update(
        review_due=timezone.localdate() - dt.timedelta(days=1)
    )
    article.refresh_from_db()
    return article


def test_the_owner_is_reminded_through_the_outbox(
    overdue, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.notify_review_overdue() == 1

    note = EMAILS.get()
    assert (note.channel, note.recipient, note.event_type) == (
        NotificationChannel.EMAIL,
        operator,
        "article.review_overdue",
    )
    assert "返品の受付方法" in note.subject
    assert note.payload["article"] == overdue.pk
    # one commit-time round trip (notifications.oncommit): the delivery task for the batch
    # and the bells' version bump
    [commit] = callbacks
    assert commit.deliver and commit.users
    overdue.refresh_from_db()
    assert overdue.review_reminded_for == overdue.review_due
    assert overdue.history.latest().history_change_reason == "review reminder sent"


def test_a_second_run_reminds_nobody_again(overdue):
    tasks.notify_review_overdue()
    assert tasks.notify_review_overdue() == 0
    assert EMAILS.count() == 1


def test_confirming_the_review_starts_a_new_period(overdue, operator):
    tasks.notify_review_overdue()
    services.article_confirm_review(article=overdue, actor=operator)

    overdue.refresh_from_db()
    assert overdue.review_due > timezone.localdate()
    assert tasks.notify_review_overdue() == 0
    later = overdue.review_due + dt.timedelta(days=1)
    assert services.notify_review_overdue(today=later) == 1
    assert EMAILS.count() == 2


def test_an_absent_owner_s_delegate_is_reminded(overdue, operator, colleague):
    colleague.email = "colleague@example.jp"
    colleague.save()
    operator.is_absent, operator.delegate = True, colleague
    operator.save()

    tasks.notify_review_overdue()

    note = EMAILS.get()
    assert (note.recipient, note.intended_recipient) == (colleague, operator)


def test_archived_articles_and_articles_not_yet_due_are_left_alone(overdue, publish, manager):
    publish("解約の手続き", "書面で受け付けます。")
    services.article_archive(article=overdue, actor=manager)
    assert tasks.notify_review_overdue() == 0


@pytest.mark.parametrize("count", [1, 4])
def test_the_reminder_costs_the_same_queries_for_1_and_4_articles(
    publish, operator, count, django_assert_num_queries
):
    operator.email = "operator@example.jp"
    operator.save()
    for number in range(count):
        publish(f"記事{number}", "本文")
    Article.objects.update(review_due=dt.date(2020, 1, 1))
    services.notify_review_overdue(today=dt.date(2019, 1, 1))  # creates the system user

    # system user; savepoint, select due, bulk update, history insert, one outbox insert for
    # the batch, release; savepoint, select due (none left), release
    with django_assert_num_queries(10):
        services.notify_review_overdue()


def test_the_admin_filters_review_overdue(client, overdue, publish, supervisor):
    publish("解約の手続き", "書面で受け付けます。")
    client.force_login(supervisor)

    response = client.get(reverse("admin:knowledge_article_changelist"), {"review": "overdue"})

    assert response.status_code == 200
    assert [a.pk for a in response.context["cl"].result_list] == [overdue.pk]
