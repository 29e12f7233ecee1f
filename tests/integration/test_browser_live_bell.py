"""Live alerts in two real browsers, without a reload: a supervisor has the case list open; an
operator escalates with the customer on hold; within 5 s the supervisor's bell count rises and
a desktop notification is raised. The supervisor acknowledges and answers; within 5 s the
operator's page (still on the case) alerts in turn. ``window.Notification`` is stubbed in both
pages to record its calls (permission granted).

Debian's chromium through playwright, the fixtures of ``tests/integration/conftest.py``; set
``SCREENSHOTS=1`` to save /tmp/browser-bell.png (the supervisor's open bell)."""

from __future__ import annotations

import time

from tests.escalations.hold_setup import hold_policy
from tests.integration.browser import BROWSER, SCREENSHOTS, TIMEOUT_MS, confirm_and_back, do, person

pytestmark = BROWSER

LIVE_WITHIN_S = 5.0


def _seconds_until_alerted(page, count: str) -> float:
    """Seconds from now until the bell shows ``count`` and a desktop notification was raised."""
    start = time.monotonic()
    page.wait_for_function(
        "([n]) => document.getElementById('bell-count').textContent === n"
        " && !document.getElementById('bell-count').hidden && window.__notified.length > 0",
        arg=[count],
        timeout=TIMEOUT_MS,
    )
    return time.monotonic() - start


def test_the_bell_rings_live_for_the_supervisor_then_for_the_operator(
    transactional_db, live_server, browser, org, operator, supervisor, case
):
    from playwright.sync_api import expect

    hold_policy()
    base = live_server.url
    case_url = f"/admin/escalations/case/{case.pk}/change/"

    boss = person(browser, base, supervisor.username)
    boss.goto(f"{base}/admin/escalations/case/?o=1")  # the case list, open, filtered
    boss.wait_for_function("document.getElementById('bell-count').hidden")  # polled: nothing
    list_url = boss.url

    agent = person(browser, base, operator.username)
    agent.goto(base + case_url)
    do(agent, "escalate")
    agent.check("#transition-form input[name=reason][value=superior_requested]")
    agent.fill("#transition-form textarea[name=customer_wants]", "上の者を出してほしい")
    agent.fill("#transition-form textarea[name=tried]", "規約を説明した")
    agent.select_option("#transition-form select[name=mood]", "angry")
    agent.check("#transition-form input[name=on_hold]")
    confirm_and_back(agent, case_url)  # committed when the redirect is answered

    seen_after = _seconds_until_alerted(boss, "1")
    print(f"supervisor alerted {seen_after:.2f} s after the escalation committed")  # with -s
    assert seen_after < LIVE_WITHIN_S
    assert boss.url == list_url  # no reload, no navigation
    notified = boss.evaluate("window.__notified")
    assert len(notified) == 1 and case.reference in notified[0]["body"]

    boss.click("#bell-button")
    item = boss.locator("#bell-list li.bell-unread a")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(case.reference)
    if SCREENSHOTS:
        boss.screenshot(path="/tmp/browser-bell.png")

    # --- the supervisor opens it (marked read), acknowledges and answers ----------------------
    item.click()
    boss.wait_for_url(f"**{case_url}")
    expect(boss.locator("#bell-count")).to_be_hidden()
    do(boss, "acknowledge")
    confirm_and_back(boss, case_url)
    do(boss, "return_to_owner")
    boss.fill("#transition-form textarea[name=answer]", "返金可能です。お客様へお伝えください。")
    boss.check("#transition-form input[name=reusable][value=no]")
    boss.fill("#transition-form input[name=not_reusable_reason]", "この契約に固有の回答")
    confirm_and_back(boss, case_url)

    seen_after = _seconds_until_alerted(agent, "1")
    print(f"operator alerted {seen_after:.2f} s after the answer committed")  # with -s
    assert seen_after < LIVE_WITHIN_S
    assert case.reference in agent.evaluate("window.__notified")[0]["body"]
