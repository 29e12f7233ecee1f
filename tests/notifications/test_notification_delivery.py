"""The notification outbox: rows written in the caller's transaction, delivered once by email
(Django's locmem backend here) or by a signed webhook, retried with backoff while the receiver
is down, given up after ``MAX_ATTEMPTS``."""

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from notifications import delivery, outbox, tasks
from notifications.models import Notification, NotificationChannel, NotificationStatus

JST = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
SECRET = "s3cret-for-tests"
PAYLOAD = {"text": "C-2026-000001 一次回答期限まで残り 15 分", "level": "warn_handler"}


def email_to(*users) -> list[Notification]:
    with time_machine.travel(NOW, tick=False):
        return outbox.notify_users(
            users, event_type="sla.warning", subject="[警告] C-2026-000001", payload=PAYLOAD
        )


class Receiver:
    """A webhook receiver on 127.0.0.1 that checks the signature with the team's secret."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Escalation-Timestamp"]
                expected = hmac.new(
                    SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
                ).hexdigest()
                signed = hmac.compare_digest(
                    self.headers["X-Escalation-Signature"], f"sha256={expected}"
                )
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": body, "signed": signed}
                )
                self.send_response(receiver.status if signed else 401)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/escalations"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/escalations"


def webhook_to(team, url: str) -> Notification:
    team.webhook_url = url
    team.webhook_secret = SECRET
    team.save()
    with time_machine.travel(NOW, tick=False):
        (row,) = outbox.notify_team_webhook(
            team, event_type="sla.breached", subject="[違反] C-2026-000001", payload=PAYLOAD
        )
    return row


def deliver(row: Notification, moment: dt.datetime = NOW) -> str:
    with time_machine.travel(moment, tick=False):
        return delivery.deliver(row.pk)


def reloaded(row: Notification) -> Notification:
    return Notification.objects.get(pk=row.pk)


def test_an_email_is_sent_and_marked_sent(operator, emails, mailoutbox):
    (row,) = email_to(operator)

    assert deliver(row) == "sent"

    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["operator@example.jp"], "[警告] C-2026-000001")
    ]
    assert PAYLOAD["text"] in mailoutbox[0].body
    sent = reloaded(row)
    assert (sent.status, sent.sent_at, sent.attempts, sent.last_error) == (
        NotificationStatus.SENT,
        NOW,
        1,
        "",
    )


def test_an_absent_recipient_s_delegate_gets_the_email(operator, colleague, emails, mailoutbox):
    operator.is_absent = True
    operator.delegate = colleague
    operator.save()

    (row,) = email_to(operator)
    assert deliver(row) == "sent"

    assert (row.recipient, row.intended_recipient, row.address) == (
        colleague,
        operator,
        "colleague@example.jp",
    )
    assert [m.to for m in mailoutbox] == [["colleague@example.jp"]]


def test_each_person_gets_one_email_even_when_named_twice(operator, colleague, emails, mailoutbox):
    operator.is_absent = True
    operator.delegate = colleague
    operator.save()

    rows = email_to(operator, colleague)  # the delegate and the person they stand in for

    assert [(r.recipient, r.intended_recipient) for r in rows] == [(colleague, operator)]


def test_a_webhook_is_posted_as_signed_json(org, receiver):
    row = webhook_to(org["l2"], receiver.url)

    assert deliver(row) == "sent"

    (request,) = receiver.requests
    assert request["signed"]
    headers = request["headers"]
    assert headers["X-Escalation-Event-Id"] == str(row.event_id)
    assert headers["X-Escalation-Timestamp"] == str(int(NOW.timestamp()))
    assert headers["Content-Type"].startswith("application/json")
    body = json.loads(request["body"])
    assert body == {"event_id": str(row.event_id), "type": "sla.breached", **PAYLOAD}
    assert reloaded(row).status == NotificationStatus.SENT


def test_a_receiver_that_is_down_is_retried_with_backoff(org):
    row = webhook_to(org["l2"], closed_port_url())

    assert deliver(row) == "retry"
    first = reloaded(row)
    assert (first.status, first.attempts) == (NotificationStatus.PENDING, 1)
    assert first.next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert first.last_error.startswith("URLError")

    assert deliver(row, NOW + dt.timedelta(seconds=10)) == "skipped"  # not due yet
    later = NOW + dt.timedelta(seconds=30)
    assert deliver(row, later) == "retry"
    second = reloaded(row)
    assert (second.attempts, second.next_attempt_at) == (2, later + dt.timedelta(minutes=1))


def test_a_receiver_answering_500_is_retried(org, receiver):
    receiver.status = 500
    row = webhook_to(org["l2"], receiver.url)

    assert deliver(row) == "retry"

    failed = reloaded(row)
    assert len(receiver.requests) == 1 and receiver.requests[0]["signed"]
    assert (failed.status, failed.attempts) == (NotificationStatus.PENDING, 1)
    assert failed.next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert "500" in failed.last_error and failed.sent_at is None

    receiver.status = 200
    assert deliver(row, failed.next_attempt_at) == "sent"
    assert reloaded(row).last_error == ""


def test_after_max_attempts_the_notification_fails(org):
    row = webhook_to(org["l2"], closed_port_url())

    outcomes, moment = [], NOW
    for _ in range(delivery.MAX_ATTEMPTS):
        outcomes.append(deliver(row, moment))
        moment = reloaded(row).next_attempt_at

    assert outcomes == ["retry"] * (delivery.MAX_ATTEMPTS - 1) + ["failed"]
    failed = reloaded(row)
    assert (failed.status, failed.attempts) == (NotificationStatus.FAILED, 8)
    assert deliver(row, moment + dt.timedelta(days=1)) == "skipped"


def test_a_sent_notification_is_skipped_the_second_time(operator, emails, mailoutbox):
    (row,) = email_to(operator)

    assert deliver(row) == "sent"
    assert deliver(row, NOW + dt.timedelta(hours=1)) == "skipped"

    assert len(mailoutbox) == 1
    assert reloaded(row).attempts == 1


def test_a_notification_another_worker_is_sending_is_not_sent_twice(
    operator, emails, mailoutbox, monkeypatch
):
    (row,) = email_to(operator)
    send_email = delivery.send_email
    meanwhile = []

    def slow_send_email(*args, **kwargs):
        meanwhile.append(delivery.deliver(row.pk))  # a second worker, same moment
        return send_email(*args, **kwargs)

    monkeypatch.setattr(delivery, "send_email", slow_send_email)

    assert deliver(row) == "sent"
    assert meanwhile == ["skipped"]
    assert len(mailoutbox) == 1


def test_a_claim_whose_worker_died_is_retried_after_the_lease(
    operator, emails, mailoutbox, monkeypatch
):
    (row,) = email_to(operator)

    def worker_dies(*args, **kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(delivery, "send_email", worker_dies)
        with pytest.raises(SystemExit):
            deliver(row)

    claimed = reloaded(row)
    assert (claimed.status, claimed.attempts) == (NotificationStatus.PENDING, 1)
    assert deliver(row, NOW + delivery.LEASE / 2) == "skipped"
    assert deliver(row, NOW + delivery.LEASE) == "sent"
    assert len(mailoutbox) == 1


def test_the_delivery_tasks_deliver_by_id_and_what_is_due(
    org, operator, colleague, emails, mailoutbox
):
    rows = email_to(operator, colleague)
    down = webhook_to(org["l2"], closed_port_url())

    with time_machine.travel(NOW, tick=False):
        assert tasks.deliver_notifications.run([r.pk for r in rows] + [down.pk]) == {
            "sent": 2,
            "retry": 1,
        }
        assert tasks.deliver_notifications([rows[0].pk]) == {"skipped": 1}
        assert tasks.deliver_due_notifications() == {}
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        assert tasks.deliver_due_notifications() == {"retry": 1}
    assert sorted(m.to[0] for m in mailoutbox) == ["colleague@example.jp", "operator@example.jp"]


def test_outbox_rows_roll_back_with_the_caller_s_transaction(
    operator, emails, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email_to(operator)
        assert Notification.objects.count() == 1
        raise RuntimeError("the caller's work failed")

    assert not Notification.objects.exists()
    assert callbacks == []


def test_delivery_is_enqueued_only_on_commit(
    operator, colleague, emails, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(tasks.deliver_queued_notifications, "delay", lambda: enqueued.append(1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = email_to(operator, colleague)
        assert enqueued == []

    assert len(callbacks) == 1
    assert enqueued == [1]
    assert {r.channel for r in rows} == {NotificationChannel.EMAIL}
