"""Idempotency-Key records are forgotten after the retry window by a daily beat task (the
command does the same by hand): older records go, recent ones stay."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from integrations import tasks
from integrations.models import IdempotencyRecord


def record(key: str, user, *, hours_ago: float) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        user=user,
        key=key,
        fingerprint="0" * 64,
        method="POST",
        path="/api/v1/cases/",
        status_code=201,
        response_body={"reference": key},
        created_at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def test_the_daily_task_forgets_records_older_than_the_window(operator, settings):
    settings.IDEMPOTENCY_RETENTION_HOURS = 24
    record("old", operator, hours_ago=25)
    record("recent", operator, hours_ago=23)
    assert tasks.purge_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


def test_the_window_is_a_setting(operator, settings):
    settings.IDEMPOTENCY_RETENTION_HOURS = 2
    record("three-hours", operator, hours_ago=3)
    record("one-hour", operator, hours_ago=1)
    tasks.purge_idempotency_records()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["one-hour"]


def test_the_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["idempotency-purge"]
    assert entry["task"] == tasks.purge_idempotency_records.name
    assert len(entry["schedule"].hour) == 1 and len(entry["schedule"].minute) == 1


def test_the_command_reports_what_it_deleted(operator, capsys):
    record("old", operator, hours_ago=30)
    call_command("purge_idempotency_records", "--hours", "24")
    assert "1" in capsys.readouterr().out
    assert not IdempotencyRecord.objects.exists()
