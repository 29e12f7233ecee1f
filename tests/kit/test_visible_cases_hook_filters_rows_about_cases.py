"""``kit.visibility.only_visible_cases``: the lower apps' rows about a case, filtered by the
rule the escalations app connects; rows about no case stay; with no rule connected, no row
about a case at all (closed, not open)."""

import uuid

import pytest

from kit import visibility
from notifications.models import Notification


def notification(case=None) -> Notification:
    return Notification.objects.create(
        event_id=uuid.uuid4(),
        event_type="case.escalated",
        channel="email",
        address="x@example.jp",
        subject="件名",
        payload={},
        case=case,
    )


@pytest.fixture
def rows(case):
    return {"about the case": notification(case), "about nothing": notification()}


def test_the_escalations_rule_is_connected(rows, operator, outsider):
    everything = Notification.objects.all()

    assert set(visibility.only_visible_cases(everything, operator)) == set(rows.values())
    assert list(visibility.only_visible_cases(everything, outsider)) == [rows["about nothing"]]


def test_without_a_rule_no_row_about_a_case_is_shown(rows, operator, monkeypatch):
    monkeypatch.setattr(visibility.visible_cases, "_receivers", [])

    shown = visibility.only_visible_cases(Notification.objects.all(), operator)

    assert list(shown) == [rows["about nothing"]]
