"""What the notification tests share: people with e-mail addresses, and the delivery tasks
enqueued (recorded, not run)."""

import pytest

from notifications import tasks


@pytest.fixture
def emails(operator, colleague):
    for user in (operator, colleague):
        user.email = f"{user.username}@example.jp"
        user.save()


@pytest.fixture
def enqueued(monkeypatch):
    """The delivery tasks enqueued (not run: a test runs them as a worker would)."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.deliver_queued_notifications, "delay", lambda: sent.append(1))
    return sent
