"""Reviews of rules and team contact lists: recorded (who, when, comment) and moving the next
review date; listed on the dashboard when overdue with articles; the daily task reminds the
owners once per review period; rules whose target team has nobody present are flagged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Team
from escalations.models import EscalationRule
from notifications.models import Notification, NotificationChannel
from reports import selectors, services, tasks
from reports.models import Review, ReviewReminder

TODAY = dt.date(2026, 6, 8)


@pytest.fixture
def stale(org, manager, supervisor, l2_team):
    """The L2 rule and the L2 team, both overdue since yesterday; the supervisor owns both."""
    supervisor.email = "sv@example.jp"
    supervisor.save()
    rule = EscalationRule.objects.get(target_team=l2_team)
    for subject in (rule, l2_team):
        subject.review_owner = supervisor
        subject.next_review_on = TODAY - dt.timedelta(days=1)
        subject.save()
    return rule, l2_team


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=9))))


def test_a_review_is_recorded_and_moves_the_next_review_date(stale, manager):
    rule, team = stale
    review = services.review_record(actor=manager, rule=rule, comment="連絡先を確認済み")
    rule.refresh_from_db()
    assert (review.reviewed_by, review.comment) == (manager, "連絡先を確認済み")
    assert rule.last_reviewed_on == TODAY
    assert rule.next_review_on == TODAY + services.REVIEW_PERIOD == review.next_review_on
    assert rule.history.latest().history_change_reason == "review recorded"

    services.review_record(actor=manager, team=team, period=dt.timedelta(days=30))
    team.refresh_from_db()
    assert team.next_review_on == TODAY + dt.timedelta(days=30)


def test_only_managers_record_reviews(stale, supervisor):
    with pytest.raises(PermissionDenied):
        services.review_record(actor=supervisor, rule=stale[0])
    assert not Review.objects.exists()


def test_the_dashboard_records_a_review(client, stale, manager):
    client.force_login(manager)
    response = client.post(
        "/admin/reports/dashboard/review/", {"kind": "team", "id": stale[1].pk, "comment": "OK"}
    )
    assert response.status_code == 302
    assert Review.objects.get().team == stale[1]
    bad = client.post("/admin/reports/dashboard/review/", {"kind": "case", "id": "x"})
    assert bad.status_code == 302 and Review.objects.count() == 1


def test_overdue_reviews_are_listed(stale):
    rows = selectors.overdue_reviews(today=TODAY)
    assert [(r.kind, r.subject) for r in rows] == [("rule", stale[0]), ("team", stale[1])]
    assert selectors.overdue_reviews(today=TODAY - dt.timedelta(days=1)) == []


def test_owners_are_reminded_once_per_review_period(
    stale, supervisor, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.notify_reviews_due() == 2
    # one commit-time round trip (notifications.oncommit): the delivery task for the batch
    # and the bells' version bump
    [commit] = callbacks
    assert commit.deliver and commit.users
    emails = Notification.objects.filter(channel=NotificationChannel.EMAIL)
    assert sorted(emails.values_list("event_type", flat=True)) == [
        "rule.review_overdue",
        "team.review_overdue",
    ]
    assert set(Notification.objects.values_list("recipient", flat=True)) == {supervisor.pk}
    assert tasks.notify_reviews_due() == 0  # same period: nobody again
    assert emails.count() == 2

    services.review_record(actor=manager, rule=stale[0])  # a new period starts...
    rule = stale[0]
    EscalationRule.objects.filter(pk=rule.pk).update(next_review_on=TODAY - dt.timedelta(days=2))
    assert tasks.notify_reviews_due() == 1  # ...and is reminded once when it is overdue
    assert ReviewReminder.objects.count() == 3


def test_nobody_is_reminded_before_the_date_or_without_an_owner(stale):
    Team.objects.filter(pk=stale[1].pk).update(review_owner=None)
    EscalationRule.objects.filter(pk=stale[0].pk).update(next_review_on=TODAY)
    assert tasks.notify_reviews_due() == 0


def test_a_rule_whose_team_has_nobody_present_is_flagged(stale, supervisor):
    assert selectors.rules_nobody_present() == []
    supervisor.is_absent = True
    supervisor.save()
    [message] = selectors.rules_nobody_present()
    assert "SVチーム" in message
    assert timezone.localdate() == TODAY


def test_managers_see_recorded_reviews_read_only(client, stale, manager, operator):
    review = services.review_record(actor=manager, rule=stale[0], comment="確認済み")
    client.force_login(manager)
    listing = client.get("/admin/reports/review/")
    assert listing.status_code == 200 and "確認済み" in listing.content.decode()
    change = client.post(f"/admin/reports/review/{review.pk}/change/", {"comment": "改ざん"})
    assert change.status_code == 403
    review.refresh_from_db()
    assert review.comment == "確認済み"
    client.force_login(operator)
    assert client.get("/admin/reports/review/").status_code == 403
