"""The case list as a work queue in a real browser, at 1366×768 and at 390×844: no horizontal
overflow (the page, and the list inside it), the SLA and hold columns visible, sorting by the
nearest SLA deadline works, and when another user escalates to the supervisor's team the bar
"N new — show" appears without a reload and shows the new case, keeping the filters, the sort
and the scroll position.

Debian's chromium through playwright, the fixtures of ``tests/integration/conftest.py``; set
``SCREENSHOTS=1`` to save the pages under /tmp/shots-queue/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from escalations import services
from escalations.models import SLATimer
from tests.factories import HANDOFF, CustomerFactory, make_case, make_sla_policy
from tests.integration.browser import BROWSER, PASSWORD, SCREENSHOTS, TIMEOUT_MS

pytestmark = BROWSER

SHOTS = Path("/tmp/shots-queue")
LIVE_WITHIN_MS = 5_000
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
OVERFLOW = """() => {
  const page = document.scrollingElement.scrollWidth - window.innerWidth;
  const results = document.querySelector('#changelist .results');
  return {page: page, list: results.scrollWidth - results.clientWidth};
}"""
# (impact, urgency): P3, P1, P2, P4 — the list shows every priority
PRIORITIES = [(1, 3), (1, 1), (1, 2), (3, 3)]


@pytest.fixture
def queue(org, operator):
    """Cases escalated to the SV team with long subjects and different deadlines, two with the
    customer on hold; and one still with the operator (escalated during the test)."""
    make_sla_policy()
    escalated = []
    for i in range(12):
        impact, urgency = PRIORITIES[i % len(PRIORITIES)]
        case = make_case(
            owner=operator,
            customer=CustomerFactory(),
            impact=impact,
            urgency=urgency,
            subject=f"{i}: 解約手続きの説明が前回と違うとのお申し出、契約書の控えを確認したい",
        )
        services.case_start_work(case=case, actor=operator)
        services.case_escalate(
            case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF, on_hold=i < 2
        )
        escalated.append(case)
    waiting = make_case(owner=operator, subject="請求額が契約プランより高い")
    services.case_start_work(case=waiting, actor=operator)
    return {"escalated": escalated, "waiting": waiting}


def _page(chromium, base: str, username: str, viewport: dict):
    context = chromium.new_context(viewport=viewport, locale="ja-JP")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/admin/")
    page.fill("#login-form input[name=username]", username)
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_selector("#logout-form")
    return page


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


def _inside(page, selector: str) -> bool:
    """The element is shown and lies within the window's width."""
    box = page.locator(selector).first.bounding_box()
    width = page.evaluate("window.innerWidth")
    if box is None or box["width"] == 0:
        return False
    return box["x"] >= 0 and box["x"] + box["width"] <= width


def nearest_deadline(case):
    running = SLATimer.objects.filter(case=case, stopped_at=None, running_since__isnull=False)
    return min(timer.due_at for timer in running)


def _references(page) -> list[str]:
    return page.locator("#result_list .queue-ref").all_inner_texts()


def test_the_queue_fits_sorts_by_sla_and_shows_new_cases_live(
    transactional_db,
    live_server,
    browser,  # noqa: F811
    queue,
    operator,
    supervisor,
):
    from playwright.sync_api import expect

    base = live_server.url
    list_url = base + reverse("admin:escalations_case_changelist")
    by_deadline = [case.reference for case in sorted(queue["escalated"], key=nearest_deadline)]

    # --- a phone: cards, nothing wider than the screen -------------------------------------
    phone = _page(browser, base, supervisor.username, PHONE)
    phone.goto(list_url)
    expect(phone.locator("#result_list .queue-ref")).to_have_count(12)  # waiting for my team
    assert phone.evaluate(OVERFLOW) == {"page": 0, "list": 0}
    assert phone.locator("#result_list thead").is_hidden()  # cards, not a table
    assert _inside(phone, "#result_list td.field-sla .sla-badge")
    assert _inside(phone, "#result_list td.field-hold .hold-badge")
    _shot(phone, "phone-390.png")
    phone.context.close()

    # --- 1366×768: every column visible, the subject readable --------------------------------
    page = _page(browser, base, supervisor.username, DESKTOP)
    page.goto(list_url)
    expect(page.locator("#result_list .queue-ref")).to_have_count(12)
    assert page.evaluate(OVERFLOW) == {"page": 0, "list": 0}
    for column in ("sla", "hold", "case_cell"):
        assert _inside(page, f"#result_list th.column-{column}")
    assert _inside(page, "#result_list td.field-sla .sla-badge")
    assert _inside(page, "#result_list td.field-hold .hold-badge")
    subject = page.locator("#result_list .queue-subject").first.bounding_box()
    assert subject["width"] > 300  # not 2-3 characters wide
    assert _references(page) == by_deadline  # the team's queue: nearest deadline first
    _shot(page, "desktop-1366.png")

    # sort by SLA due from the column header (it shows the queue's own sort): the other way
    # round, then nearest first again
    header = page.locator("#result_list th.column-sla .text a")
    header.click()
    page.wait_for_url("**o=-5**")
    assert _references(page) == by_deadline[::-1]
    header.click()
    page.wait_for_url("**o=5**")
    sorted_url = page.url
    assert _references(page) == by_deadline

    # --- another user escalates: "1 new — show" without a reload ----------------------------
    page.mouse.wheel(0, 400)
    page.wait_for_function("() => window.scrollY > 0")
    scrolled = page.evaluate("window.scrollY")
    page.evaluate("window.__same_page = true")
    services.case_escalate(
        case=queue["waiting"], actor=operator, reason="knowledge_gap", handoff=HANDOFF
    )

    bar = page.locator("#queue-new")
    bar.wait_for(state="visible", timeout=LIVE_WITHIN_MS)
    assert page.evaluate("window.__same_page") is True  # no reload, no navigation
    expect(bar).to_contain_text("1")
    assert page.evaluate(OVERFLOW)["page"] == 0
    _shot(page, "desktop-1366-new.png")

    page.locator("#queue-new-show").click()
    page.wait_for_function("() => window.__same_page === undefined")  # reloaded
    expect(page.locator("#result_list .queue-ref")).to_have_count(13)
    assert page.url == sorted_url  # the filters and the sort kept
    assert page.evaluate("window.scrollY") == scrolled
    assert queue["waiting"].reference in _references(page)
    expect(page.locator("#queue-new")).to_be_hidden()
    page.context.close()
