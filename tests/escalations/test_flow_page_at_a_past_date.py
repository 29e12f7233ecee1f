"""The flow page compared with its state at the end of a past day (``?date=YYYY-MM-DD``): rules,
teams and contacts as they were (from the history), what differs from now marked; bad dates give
a message and today's page, never a 500; the query count does not grow with the rules."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from escalations.flow import past
from escalations.models import EscalationRule, Reason
from tests.escalations.test_flow_page_query_count import grow

JST = dt.timezone(dt.timedelta(hours=9))
SETUP = dt.datetime(2026, 4, 1, 9, tzinfo=JST)
THEN = dt.date(2026, 5, 1)
NOW = dt.datetime(2026, 6, 8, 9, tzinfo=JST)
URL = "/admin/escalations/flow/"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(SETUP, tick=False)


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def changed(time_machine, org, l2_team, supervisor, colleague, specialist):
    """Set up on 04-01; after 05-01: the L2 rule's guidance and person change, the colleague
    joins the SV team, the supervisor goes absent and gets an extension, a rule is added."""
    rule = EscalationRule.objects.get(target_team=l2_team)
    time_machine.move_to(NOW - dt.timedelta(days=3), tick=False)
    rule.guidance = "新しい手順"
    rule.target_user = specialist
    rule.save()
    l2_team.members.add(colleague)
    supervisor.is_absent = True
    supervisor.extension = "201"
    supervisor.save()
    added = EscalationRule.objects.create(
        target_tier=2, target_team=l2_team, reason=Reason.COMPLAINT, guidance="クレームはSVへ"
    )
    time_machine.move_to(NOW, tick=False)
    return rule, added


def test_the_page_shows_the_past_state_with_the_differences_marked(
    client, changed, manager, l2_team, supervisor, colleague, specialist
):
    rule, added = changed
    client.force_login(manager)
    response = client.get(URL, {"date": THEN.isoformat()})
    assert response.status_code == 200
    page, comparison = response.context["page"], response.context["comparison"]

    [then_rule] = [v for v in page.rules if v.rule.pk == rule.pk]
    assert then_rule.rule.guidance == "SVへ内線 200 で連絡"
    assert then_rule.rule.target_user is None
    assert then_rule.changes == [
        f"Target person now: {specialist}",
        "Guidance now: 新しい手順",
        f"Receives now: {specialist}",
    ]
    assert added.pk not in [v.rule.pk for v in page.rules]
    assert [v.rule.pk for v in comparison.added_rules] == [added.pk]

    [team] = [v for tier in page.tiers for v in tier.teams if v.team.pk == l2_team.pk]
    assert [p.pk for p in team.present] == [supervisor.pk] and team.absent == []
    assert team.changes == [
        f"Joined since: {colleague}",
        f"{supervisor} is absent now",
        f"{supervisor}: extension now 201",
    ]
    html = response.content.decode()
    assert (
        "flow-changed" in html and "The escalation flow as it was at the end of 2026-05-01" in html
    )
    assert 'value="2026-05-01"' in html  # the date picker keeps the date


def test_without_a_date_the_page_is_todays_and_unmarked(client, changed, manager):
    client.force_login(manager)
    response = client.get(URL)
    assert response.context["comparison"] is None
    assert ' flow-changed"' not in response.content.decode()


@pytest.mark.parametrize(
    "raw, message",
    [
        ("2026-13-01", "The date must be a day such as 2026-05-01"),
        ("yesterday", "The date must be a day such as 2026-05-01"),
        ("2026-06-09", "The date is in the future"),
        ("0001-01-01", "The date is too far back"),
    ],
)
def test_a_bad_date_gives_a_message_and_todays_page(client, changed, manager, raw, message):
    client.force_login(manager)
    response = client.get(URL, {"date": raw}, follow=True)
    assert response.status_code == 200
    assert response.context["comparison"] is None
    assert message in response.content.decode()


def test_the_pdf_takes_the_date_too(client, changed, manager, monkeypatch):
    monkeypatch.setattr(past, "compare", _spy := _Spy(past.compare))
    client.force_login(manager)
    assert client.get(URL + "pdf/", {"date": THEN.isoformat()}).status_code in (200, 503)
    assert _spy.days == [THEN]


class _Spy:
    def __init__(self, wrapped):
        self.wrapped, self.days = wrapped, []

    def __call__(self, **kwargs):
        self.days.append(kwargs["day"])
        return self.wrapped(**kwargs)


def test_the_page_is_for_staff_only_as_today(client, changed, outsider):
    outsider.is_staff = False
    outsider.save()
    client.force_login(outsider)
    assert client.get(URL, {"date": THEN.isoformat()}).status_code == 302  # to the login


def _count(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_number_of_rules(
    time_machine, client, org, billing, manager, django_assert_num_queries
):
    params = {"date": THEN.isoformat()}
    grow(1, billing)
    time_machine.move_to(NOW, tick=False)
    client.force_login(manager)
    _count(client, params)  # warm the process-wide caches (on-call rotations), as in production
    few = _count(client, params)
    time_machine.move_to(SETUP + dt.timedelta(days=1), tick=False)
    grow(6, billing)
    time_machine.move_to(NOW - dt.timedelta(days=1), tick=False)
    for rule in EscalationRule.objects.all():
        rule.guidance += "（改訂）"
        rule.save()
    time_machine.move_to(NOW, tick=False)
    assert _count(client, params) == few
    with django_assert_num_queries(5):
        past.configuration_as_of(past.end_of(THEN))
