"""Times on pages, note titles and exports are local (Asia/Tokyo), weekdays in the page's
language: 「2026-01-13 (火)」, not ``(Tue)``; a note's title is not UTC."""

import datetime as dt

from django.utils import translation

from escalations.models import CaseNote
from kit.times import day_with_weekday, local_minute, local_second
from reports.export import csv_lines
from reports.tables import Report

UTC_3AM = dt.datetime(2026, 1, 13, 3, 0, 5, tzinfo=dt.UTC)  # noon in Tokyo


def test_a_time_reads_in_tokyo():
    assert local_minute(UTC_3AM) == "2026-01-13 12:00"
    assert local_second(UTC_3AM) == "2026-01-13 12:00:05"


def test_a_weekday_reads_in_the_page_language():
    with translation.override("ja"):
        assert day_with_weekday(dt.date(2026, 1, 13)) == "2026-01-13 (火)"
    with translation.override("en"):
        assert day_with_weekday(dt.date(2026, 1, 13)) == "2026-01-13 (Tue)"


def test_a_note_title_is_in_local_time():
    note = CaseNote(kind="handoff", created_at=UTC_3AM)
    with translation.override("ja"):
        assert str(note) == "引き継ぎ (2026-01-13 12:00)"


def test_an_export_writes_times_local_and_durations_in_words():
    report = Report("k", "t", ["when", "how long"], [[UTC_3AM, dt.timedelta(hours=40)]])
    with translation.override("ja"):
        lines = list(csv_lines(report))
    assert lines[1] == "2026-01-13 12:00,40時間\r\n"
