"""The case workspace in a real browser (issue 17), at a laptop's 1366×768 and a phone's
390×844: the call comes in (the incoming call page, the number as CTI sends it) and opens the
caller's case; the operator starts work with one click, searches the knowledge base in place
(no page load; what was shown is recorded) and escalates with the customer on hold from the
case page's panel; the supervisor acknowledges with one click and answers from the panel; the
operator resolves with the answer and closes in one step. Clicks and page loads are counted
from the call page (the operator) or the opened case; the header must be visible without
scrolling and nothing may overflow sideways. Screenshots go to /tmp/shots-header/. Elements
are found by CSS hooks and field names (the browser asks for Japanese).

The browser fixtures are in ``tests/integration/conftest.py`` (Debian's chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from escalations.models import Case, CaseStatus
from knowledge import services as knowledge_services
from knowledge.models import Deflection
from tests.escalations.hold_setup import hold_policy
from tests.factories import CustomerFactory, make_case
from tests.integration.browser import BROWSER, log_in, log_out

pytestmark = BROWSER

SHOTS = Path("/tmp/shots-header")
VIEWPORTS = [(1366, 768), (390, 844)]
CUSTOMER_WANTS = "上の者を出してほしい"
TRIED = "請求明細を一緒に確認し、規約を説明した"
ANSWER = "返金可能です。3営業日以内に返金するとお伝えください。"


class Counter:
    """Clicks made and pages loaded, from the moment the case is open."""

    def __init__(self, browser_page) -> None:
        self.page = browser_page
        self.clicks = 0
        self.loads = 0
        browser_page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def reset(self) -> None:
        self.clicks = self.loads = 0

    def click(self, selector: str) -> None:
        self.clicks += 1
        self.page.click(selector)

    def check(self, selector: str) -> None:
        self.clicks += 1
        self.page.check(selector)

    def select(self, selector: str, value: str) -> None:
        self.clicks += 1
        self.page.select_option(selector, value)

    def submit_and_wait(self, selector: str) -> None:
        """Click a button that posts and comes back to the case page."""
        with self.page.expect_navigation():
            self.click(selector)
        self.page.wait_for_load_state("load")


def check_layout(page, width: int, height: int, shot: str) -> None:  # noqa: F811
    """The header (title, facts and the action buttons) is in view without scrolling, and the
    page does not scroll sideways."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{width}x{height}-{shot}.png"))
    page.screenshot(path=str(SHOTS / f"{width}x{height}-{shot}-full.png"), full_page=True)
    assert page.evaluate("window.scrollY") == 0
    for part in ["#case-header .ch-top", "#case-header .ch-facts", "#case-actions"]:
        box = page.locator(part).bounding_box()
        assert box is not None, part
        assert box["y"] >= 0 and box["y"] + min(box["height"], 60) <= height, (part, box)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow} px wider than the window"


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=["1366x768", "390x844"])
# transactional_db before the persona fixtures: live_server's thread must see committed rows
def test_operator_escalates_with_hold_and_supervisor_answers_from_the_case_page(
    transactional_db,
    live_server,
    page,  # noqa: F811 - the imported fixture
    org,
    operator,
    supervisor,
    width,
    height,
):
    from playwright.sync_api import expect

    hold_policy()
    customer = CustomerFactory(name="阿部 真理", furigana="アベ マリ", phone="080-7289-6413")
    case = make_case(owner=operator, customer=customer)
    article = knowledge_services.article_create(
        actor=operator, title="請求額が違うときの説明", body="日割り計算で初月の請求額が変わります"
    )
    knowledge_services.article_submit(article=article, actor=operator)
    knowledge_services.article_approve(article=article, actor=supervisor)
    base = live_server.url
    case_url = f"/admin/escalations/case/{case.pk}/change/"
    page.set_viewport_size({"width": width, "height": height})
    counter = Counter(page)

    # --- the operator: the call opens the case; start work, search, escalate with hold ---------
    log_in(page, base, operator.username)
    page.wait_for_load_state("load")  # the admin index's load event, before counting starts
    counter.reset()
    page.goto(base + "/admin/escalations/case/call/?number=08072896413")  # the CTI's screen pop
    assert page.url.endswith(case_url)  # the caller's one open case, at once
    expect(page.locator("#ch-customer")).to_contain_text("アベ マリ")
    expect(page.locator("#ch-sla .ch-countdown")).not_to_be_empty()
    check_layout(page, width, height, "1-operator-opens")

    counter.submit_and_wait('#case-actions form[data-transition="start_work"] button')
    expect(page.locator("#ch-status")).to_contain_text("L1")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS

    loads = counter.loads
    counter.click("#case-knowledge")  # opening the panel searches for the case's subject
    hit = page.locator(f'#ch-knowledge-results .ch-kb-hit[data-article="{article.pk}"]')
    expect(hit).to_be_visible()
    expect(hit.locator("a.ch-kb-open")).to_have_attribute("href", re.compile(r"deflection="))
    expect(hit.locator(".ch-kb-solve button")).to_be_visible()  # "this answered it"
    assert counter.loads == loads  # searched in place
    page.screenshot(path=str(SHOTS / f"{width}x{height}-2-operator-knowledge.png"))
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow} px wider than the window"

    panel = '#case-actions details[data-transition="escalate"]'
    counter.click(f"{panel} > summary")
    counter.check(f"{panel} input[name=reason][value=superior_requested]")
    route = page.locator(f'{panel} .ch-route[data-reason="superior_requested"]')
    expect(route).to_be_visible()
    expect(route).to_contain_text(org["l2"].name)
    expect(page.locator(f'{panel} .ch-route[data-reason="knowledge_gap"]')).to_be_hidden()
    page.fill(f"{panel} textarea[name=customer_wants]", CUSTOMER_WANTS)
    page.fill(f"{panel} textarea[name=tried]", TRIED)
    counter.select(f"{panel} select[name=mood]", "angry")
    counter.check(f"{panel} input[name=on_hold]")
    page.screenshot(path=str(SHOTS / f"{width}x{height}-2-operator-escalate-panel-b.png"))
    counter.submit_and_wait(f"{panel} button[type=submit]")

    expect(page.locator("#ch-hold")).to_be_visible()
    expect(page.locator("#ch-handoff")).to_contain_text(CUSTOMER_WANTS)
    check_layout(page, width, height, "3-operator-escalated")
    operator_clicks, operator_loads = counter.clicks, counter.loads
    assert operator_clicks <= 8 and operator_loads <= 3, (operator_clicks, operator_loads)
    log_out(page)

    # --- the supervisor: open the case, acknowledge, answer ----------------------------------
    log_in(page, base, supervisor.username)
    page.goto(base + case_url)
    counter.reset()
    expect(page.locator("#ch-handoff")).to_contain_text(TRIED)
    check_layout(page, width, height, "4-supervisor-opens")

    counter.submit_and_wait('#case-actions form[data-transition="acknowledge"] button')
    expect(page.locator("#ch-hold .ch-hold-state")).to_contain_text(supervisor.display_name)

    panel = '#case-actions details[data-transition="return_to_owner"]'
    counter.click(f"{panel} > summary")
    page.fill(f"{panel} textarea[name=answer]", ANSWER)
    counter.check(f"{panel} input[name=reusable][value=yes]")  # know-how kept: an article
    counter.submit_and_wait(f"{panel} button[type=submit]")

    expect(page.locator("#ch-answer")).to_contain_text(ANSWER)
    check_layout(page, width, height, "5-supervisor-answered")
    supervisor_clicks, supervisor_loads = counter.clicks, counter.loads
    assert supervisor_clicks <= 4 and supervisor_loads <= 2, (supervisor_clicks, supervisor_loads)
    print(  # with -s: the figures for the issue
        f"{width}x{height}: operator {operator_clicks} clicks / {operator_loads} loads, "
        f"supervisor {supervisor_clicks} clicks / {supervisor_loads} loads"
    )
    log_out(page)

    # --- the operator: resolve with the answer and close, in one step --------------------------
    log_in(page, base, operator.username)
    page.goto(base + case_url)
    counter.reset()
    panel = '#case-actions details[data-transition="resolve"]'
    counter.click(f"{panel} > summary")
    expect(page.locator(f"{panel} textarea[name=resolution]")).to_have_value(ANSWER)
    counter.check(f"{panel} input[name=close]")
    page.screenshot(path=str(SHOTS / f"{width}x{height}-6-operator-resolve-panel.png"))
    counter.submit_and_wait(f"{panel} button[type=submit]")
    expect(page.locator("#ch-status")).to_contain_text("完了")
    expect(page.locator("#case_form details")).to_have_count(3)  # the fields, collapsed
    check_layout(page, width, height, "7-operator-closed")
    assert (counter.clicks, counter.loads) == (3, 1)
    log_out(page)

    # --- the database ------------------------------------------------------------------------
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.CLOSED and case.handler == operator
    [shown] = Deflection.objects.filter(case=case)  # the search, recorded as shown
    assert (shown.shown_to, shown.article_ids, shown.used_article) == (operator, [article.pk], None)
    hop = case.escalations.get()
    assert (hop.reason, hop.customer_mood) == ("superior_requested", "angry")
    assert (hop.customer_wants, hop.tried, hop.answer) == (CUSTOMER_WANTS, TRIED, ANSWER)
    [article] = hop.drafted_articles.all()  # the reusable answer, in review with its answerer
    assert (article.status, article.owner, article.source_case) == ("in_review", supervisor, case)
    assert ANSWER in article.body and CUSTOMER_WANTS in article.body
    assert hop.on_hold_since is not None and hop.acknowledged_by == supervisor
