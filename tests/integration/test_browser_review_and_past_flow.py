"""In a real browser, at a laptop (1366) and a phone (390) width: the review page of a rule with
the changes since its last review and the reachability marks, and the flow page compared with a
past date (the date picker), with the differences marked. Nothing makes the page scroll
sideways. ``SCREENSHOTS=1`` saves /tmp/browser-review-<width>.png and
/tmp/browser-flow-past-<width>.png."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Tier
from reports.services import review_record
from tests.factories import EscalationRuleFactory, TeamFactory, UserFactory
from tests.integration.browser import BROWSER, SCREENSHOTS, TIMEOUT_MS, log_in

pytestmark = BROWSER


def _page(chromium, width: int):
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def story(transactional_db):
    """A rule and its team set up 30 days ago, reviewed 20 days ago, changed 5 days ago."""
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=30), tick=False):
        manager = UserFactory(username="manager", display_name="伊藤 部長", role="manager")
        lead = UserFactory(username="lead", display_name="高橋 SV", extension="200")
        member = UserFactory(username="member", display_name="鈴木 花子")
        newcomer = UserFactory(username="newcomer", display_name="中村 新人", extension="230")
        team = TeamFactory(name="SVチーム", tier=Tier.L2, lead=lead, members=[lead, member])
        rule = EscalationRuleFactory(
            target_team=team, target_user=lead, guidance="内線200でSVに一報し、引き継ぎを記入。"
        )
    with time_machine.travel(now - dt.timedelta(days=20), tick=False):
        review_record(actor=manager, rule=rule, comment="確認済み")
        review_record(actor=manager, team=team, comment="確認済み")
    with time_machine.travel(now - dt.timedelta(days=5), tick=False):
        rule.guidance = "内線201（クレーム担当SV）へ。お客様の言葉をそのまま引き継ぎに書く。"
        rule.target_user = newcomer
        rule._history_user = manager
        rule._change_reason = "edited"
        rule.save()
        team._history_user = manager
        team._change_reason = "edited"
        team.members.add(newcomer)
        lead.is_absent = True
        lead.absent_until = now + dt.timedelta(days=2)
        lead._history_user = lead
        lead.save()
    return {"manager": manager, "rule": rule, "team": team, "then": now - dt.timedelta(days=10)}


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_review_page_and_past_flow_in_a_browser(live_server, browser, story, width):  # noqa: F811
    page = _page(browser, width)
    log_in(page, live_server.url, story["manager"].username)

    page.goto(f"{live_server.url}/admin/reports/review/rule/{story['rule'].pk}/")
    page.wait_for_selector("#review-changes-table")
    rows = page.locator("#review-changes-table tr.review-change")
    assert rows.count() == 2  # guidance and person: nothing from before the review
    text = page.locator("#review-changes-table").inner_text()
    assert "案内" in text or "ガイダンス" in text
    assert "中村 新人" in text
    contacts = page.locator("#review-contacts").inner_text()
    assert "✗" in contacts and "✓" in contacts
    assert page.locator("#review-contact-changes-table tr.review-contact-change").count() >= 1
    assert _no_sideways_scroll(page), "the review page scrolls sideways"
    page.screenshot(
        path=f"/tmp/browser-review-{width}.png" if SCREENSHOTS else None, full_page=True
    )

    page.goto(f"{live_server.url}/admin/escalations/flow/")
    page.fill("#flow-date", timezone.localdate(story["then"]).isoformat())
    page.click("#flow-filters [type=submit]")
    page.wait_for_selector("#flow-compare")
    assert page.locator(f"#rule-{story['rule'].pk}.flow-changed").count() == 1
    assert page.locator(f"#team-{story['team'].pk}.flow-changed").count() == 1
    marks = page.locator(f"#team-{story['team'].pk} ul.flow-changes").inner_text()
    assert "中村 新人" in marks
    assert _no_sideways_scroll(page), "the flow page scrolls sideways"
    page.locator(f"#team-{story['team'].pk}").scroll_into_view_if_needed()
    page.screenshot(
        path=f"/tmp/browser-flow-past-{width}.png" if SCREENSHOTS else None, full_page=True
    )
