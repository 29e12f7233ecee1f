"""Live alerts in two real browsers, without a reload: a supervisor has the case list open; an
operator escalates with the customer on hold; within 5 s the supervisor's bell count rises and
a desktop notification is raised. The supervisor acknowledges and answers; within 5 s the
operator's page (still on the case) alerts in turn. ``window.Notification`` is stubbed in both
pages to record its calls (permission granted).

Debian's chromium through playwright, as ``test_browser_escalation_flow``; set
``SCREENSHOTS=1`` to save /tmp/browser-bell.png (the supervisor's open bell)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import connections

from tests.escalations.hold_setup import hold_policy
from tests.integration.test_browser_escalation_flow import (
    CHROMIUM,
    PASSWORD,
    SCREENSHOTS,
    TIMEOUT_MS,
    _confirm_and_back,
    _do,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
]

LIVE_WITHIN_S = 5.0
STUB_NOTIFICATION = """
window.__notified = [];
window.Notification = function (title, options) {
  window.__notified.push({title: title, body: (options || {}).body, at: Date.now()});
};
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
"""


@pytest.fixture
def browser(monkeypatch) -> Iterator:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            timeout=TIMEOUT_MS * 2,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run"],
        )
        sync_api.expect.set_options(timeout=TIMEOUT_MS)
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


def _person(browser, base: str, username: str):
    """A browser context of its own (its own session) with a recording Notification."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(STUB_NOTIFICATION)
    page = context.new_page()
    page.goto(f"{base}/admin/")
    page.fill("#login-form input[name=username]", username)
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_selector("#logout-form")
    return page


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

    boss = _person(browser, base, supervisor.username)
    boss.goto(f"{base}/admin/escalations/case/?o=1")  # the case list, open, filtered
    boss.wait_for_function("document.getElementById('bell-count').hidden")  # polled: nothing
    list_url = boss.url

    agent = _person(browser, base, operator.username)
    agent.goto(base + case_url)
    _do(agent, "escalate")
    agent.check("#transition-form input[name=reason][value=superior_requested]")
    agent.fill("#transition-form textarea[name=customer_wants]", "上の者を出してほしい")
    agent.fill("#transition-form textarea[name=tried]", "規約を説明した")
    agent.select_option("#transition-form select[name=mood]", "angry")
    agent.check("#transition-form input[name=on_hold]")
    _confirm_and_back(agent, case_url)  # committed when the redirect is answered

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
    _do(boss, "acknowledge")
    _confirm_and_back(boss, case_url)
    _do(boss, "return_to_owner")
    boss.fill("#transition-form textarea[name=answer]", "返金可能です。お客様へお伝えください。")
    boss.check("#transition-form input[name=reusable][value=no]")
    boss.fill("#transition-form input[name=not_reusable_reason]", "この契約に固有の回答")
    _confirm_and_back(boss, case_url)

    seen_after = _seconds_until_alerted(agent, "1")
    print(f"operator alerted {seen_after:.2f} s after the answer committed")  # with -s
    assert seen_after < LIVE_WITHIN_S
    assert case.reference in agent.evaluate("window.__notified")[0]["body"]
