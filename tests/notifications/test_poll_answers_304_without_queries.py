"""The bell's poll: an unchanged version answers 304 with no database query at all (the user
is read from the cached session, the version from the cache); a changed one answers the count
and the newest notifications in a few queries, however many there are. A new in-app
notification changes the version when it commits; reading one changes it at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import outbox
from notifications.models import InboxKind, InboxSettings, Loudness, Notification

POLL = "/notifications/poll/"
# the user (1), the unread count (1), the newest notifications (1), the desktop setting (1)
FULL_ANSWER_QUERIES = 4


@pytest.fixture
def logged_in(client, supervisor):
    client.force_login(supervisor)
    client.get(POLL)  # the session is now in the cache, as after any page of the admin
    return client


def give(users, n: int, case=None, *, loudness=Loudness.QUIET, actor=None) -> None:
    for i in range(n):
        outbox.notify_in_app(
            users,
            kind=InboxKind.ESCALATED,
            title=f"C-{i} 請求額が違う",
            case_id=case.pk if case else None,
            loudness=loudness,
            actor=actor,
            payload={"reference": f"C-2026-{i:06d}", "subject": "請求額が違う"},
        )


def poll(client, etag=None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(POLL, **headers)
    return response, len(queries)


def test_unchanged_is_304_with_zero_queries(logged_in):
    first, _ = poll(logged_in)
    assert first.status_code == 200

    again, queries = poll(logged_in, first["ETag"])
    assert again.status_code == 304
    assert queries == 0
    assert again["ETag"] == first["ETag"]


@pytest.mark.django_db(transaction=True)
def test_a_new_notification_changes_the_answer_in_constant_queries(
    logged_in, supervisor, operator, case
):
    first, _ = poll(logged_in)
    assert first.json()["unread"] == 0

    give([supervisor], 1, case)
    one, queries_for_one = poll(logged_in, first["ETag"])
    assert one.status_code == 200
    assert one.json()["unread"] == 1
    assert queries_for_one == FULL_ANSWER_QUERIES

    give([supervisor], 12, case)
    many, queries_for_many = poll(logged_in, one["ETag"])
    assert many.json()["unread"] == 13
    assert len(many.json()["items"]) == 10
    assert queries_for_many == FULL_ANSWER_QUERIES

    same, queries = poll(logged_in, many["ETag"])
    assert (same.status_code, queries) == (304, 0)


def test_newest_unread_first_and_opening_marks_read(logged_in, supervisor, case):
    give([supervisor], 3, case)
    items = poll(logged_in)[0].json()["items"]
    oldest = items[-1]
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)

    opened = logged_in.get(oldest["url"])
    assert opened.status_code == 302
    assert opened["Location"] == reverse("admin:escalations_case_change", args=[case.pk])

    answer = poll(logged_in)[0].json()
    assert answer["unread"] == 2
    # the read one goes below the unread ones
    assert [item["read"] for item in answer["items"]] == [False, False, True]
    assert answer["items"][-1]["id"] == oldest["id"]


def test_mark_all_read(logged_in, supervisor, case):
    give([supervisor], 3, case)
    etag = poll(logged_in)[0]["ETag"]

    response = logged_in.post("/notifications/read-all/", {"next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    after, _ = poll(logged_in, etag)
    assert after.status_code == 200 and after.json()["unread"] == 0


def test_one_sees_only_ones_own(client, logged_in, supervisor, specialist, case):
    give([specialist], 2, case)
    assert poll(logged_in)[0].json()["unread"] == 0
    theirs = Notification.objects.filter(recipient=specialist).first()
    assert logged_in.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404


def test_anonymous_is_refused(client):
    assert client.get(POLL).status_code == 403


def test_the_desktop_setting(logged_in, supervisor):
    assert poll(logged_in)[0].json()["desktop"] is True
    response = logged_in.post(
        "/notifications/settings/", {"desktop_alerts": "off"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert InboxSettings.objects.get(user=supervisor).desktop_alerts is False
    assert poll(logged_in)[0].json()["desktop"] is False
    assert logged_in.post("/notifications/settings/", {"desktop_alerts": "x"}).status_code == 400
