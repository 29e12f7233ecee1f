"""A supervisor's choices of desktop notifications hold in the live bell: from the bell they
open "my notification settings", turn the desktop notification off for customers on hold and
save; an escalation with the customer on hold then raises the bell count but no desktop
notification, while a plain escalation (still chosen) raises one. ``window.Notification`` is
stubbed to record its calls, as in ``test_browser_live_bell``; ``SCREENSHOTS=1`` saves
/tmp/browser-notification-settings.png."""

from __future__ import annotations

from escalations import services
from notifications.models import InboxKind
from tests.escalations.hold_setup import hold_policy
from tests.factories import HANDOFF, make_case
from tests.integration.browser import BROWSER, SCREENSHOTS, TIMEOUT_MS, person

pytestmark = BROWSER


def _bell_shows(page, count: str) -> None:
    page.wait_for_function(
        "([n]) => document.getElementById('bell-count').textContent === n"
        " && !document.getElementById('bell-count').hidden",
        arg=[count],
        timeout=TIMEOUT_MS,
    )


def test_a_kind_turned_off_counts_in_the_bell_without_a_desktop_notification(
    transactional_db,
    live_server,
    browser,  # noqa: F811
    org,
    operator,
    supervisor,
    case,
):
    hold_policy()
    base = live_server.url
    boss = person(browser, base, supervisor.username)
    boss.goto(f"{base}/admin/escalations/case/")
    boss.click("#bell-button")
    boss.click("#bell-settings")
    boss.wait_for_url("**/notifications/inboxsettings/mine/")
    boss.uncheck(f'input[name=desktop_kinds][value="{InboxKind.ON_HOLD}"]')
    if SCREENSHOTS:
        boss.screenshot(path="/tmp/browser-notification-settings.png", full_page=True)
    boss.click("#my-notification-settings [type=submit]")
    boss.wait_for_selector(".messagelist .success")

    boss.goto(f"{base}/admin/escalations/case/")
    boss.wait_for_function("document.getElementById('bell-count').hidden")  # polled: nothing
    services.case_escalate(
        case=case, actor=operator, reason="superior_requested", handoff=HANDOFF, on_hold=True
    )
    _bell_shows(boss, "1")  # one render sets the count and raises the desktop notifications
    assert boss.evaluate("window.__notified") == []

    other = services.case_start_work(case=make_case(owner=operator), actor=operator)
    services.case_escalate(case=other, actor=operator, reason="superior_requested", handoff=HANDOFF)
    _bell_shows(boss, "2")
    boss.wait_for_function("window.__notified.length === 1", timeout=TIMEOUT_MS)
    assert other.reference in boss.evaluate("window.__notified")[0]["body"]
