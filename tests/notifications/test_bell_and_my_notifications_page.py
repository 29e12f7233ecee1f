"""Every admin page carries the bell (its script is a static file: no inline script), and
"my notifications" lists one's own in-app notifications only, for every staff member."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from notifications import outbox
from notifications.models import InboxKind, Loudness, Notification, NotificationChannel

INBOX = "admin:notifications_inboxitem_changelist"


def give(user, case, title):
    outbox.notify_in_app(
        [user],
        kind=InboxKind.ON_HOLD,
        title=title,
        case_id=case.pk,
        loudness=Loudness.LOUDEST,
        payload={"reference": case.reference, "subject": title},
    )


def test_the_bell_is_on_admin_pages(client, operator):
    client.force_login(operator)
    page = client.get(reverse("admin:index")).content.decode()

    assert 'id="bell"' in page
    assert 'data-poll-url="/notifications/poll/"' in page
    assert "notifications/bell.js" in page
    assert reverse(INBOX) in page


def test_my_notifications_are_mine_only(client, operator, supervisor, case):
    give(operator, case, "お客様の保留 A")
    give(supervisor, case, "お客様の保留 B")
    client.force_login(supervisor)

    page = client.get(reverse(INBOX)).content.decode()

    assert "お客様の保留 B" in page
    assert "お客様の保留 A" not in page
    theirs = Notification.objects.get(recipient=operator, channel=NotificationChannel.IN_APP)
    other = reverse("admin:notifications_inboxitem_change", args=[theirs.pk])
    assert client.get(other).status_code in (302, 403, 404)


def test_the_outbox_page_leaves_the_bells_out(client, case, operator):
    give(operator, case, "お客様の保留 A")
    admin = User.objects.create_superuser("root", "root@example.jp", "x")
    client.force_login(admin)
    page = client.get(reverse("admin:notifications_notification_changelist")).content.decode()
    assert "お客様の保留 A" not in page


def test_my_notifications_in_english(client, supervisor, case):
    give(supervisor, case, "on hold")
    client.force_login(supervisor)
    client.cookies["django_language"] = "en"
    page = client.get(reverse(INBOX), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Customer on hold for you" in page


def test_my_notifications_in_japanese_with_kind_filter(client, supervisor, case):
    give(supervisor, case, "保留")
    client.force_login(supervisor)
    page = client.get(reverse(INBOX), {"kind": InboxKind.ON_HOLD}).content.decode()
    assert "保留中のお客様がお待ちです" in page
    assert page.count(case.reference) >= 1
    empty = client.get(reverse(INBOX), {"kind": InboxKind.RETURNED}).content.decode()
    assert case.reference not in empty
