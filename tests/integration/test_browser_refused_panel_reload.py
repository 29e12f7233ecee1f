"""A panel form the server refuses, in a real browser: the browser lands on the case page (its
own address, not the transition's), the panel open with the error and what was typed; a reload
then posts nothing (post/redirect/get) and shows the page as it is, the panel closed.
Screenshots go to /tmp/shots-refused-panel/.

The form is sent with the browser's own checks off (``noValidate``): what is tested is the
server's refusal, which a browser's required-field check only sometimes comes before.

The browser fixtures are in ``tests/integration/conftest.py`` (Debian's chromium)."""

from __future__ import annotations

from pathlib import Path

from escalations.models import Case, CaseStatus, Escalation
from tests.integration.browser import BROWSER, log_in

pytestmark = BROWSER

TYPED = "上の者を出してほしいとのこと"
SHOTS = Path("/tmp/shots-refused-panel")


# transactional_db before the persona fixtures: live_server's thread must see committed rows
def test_a_refused_escalation_lands_on_the_case_page_and_a_reload_posts_nothing(
    transactional_db,
    live_server,
    page,  # noqa: F811 - the imported fixture
    org,
    operator,
    case,
):
    from playwright.sync_api import expect

    base = live_server.url
    case_url = f"/admin/escalations/case/{case.pk}/change/"
    log_in(page, base, operator.username)
    page.goto(base + case_url)

    panel = '#case-actions details[data-transition="escalate"]'
    page.click(f"{panel} > summary")
    page.fill(f"{panel} textarea[name=customer_wants]", TYPED)  # no reason chosen
    page.eval_on_selector(f"{panel} form", "form => { form.noValidate = true; }")
    with page.expect_navigation():
        page.click(f"{panel} button[type=submit]")
    page.wait_for_load_state("load")

    assert page.url == base + case_url  # redirected to the case page itself
    expect(page.locator(panel)).to_have_attribute("open", "")
    expect(page.locator(f"{panel} .errorlist").first).to_be_visible()
    expect(page.locator(f"{panel} textarea[name=customer_wants]")).to_have_value(TYPED)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "refused-escalate.png"))

    posted = []
    page.on(
        "request", lambda request: posted.append(request.url) if request.method == "POST" else None
    )
    page.reload()
    page.wait_for_load_state("load")

    assert posted == []
    assert page.url == base + case_url
    expect(page.locator(panel)).not_to_have_attribute("open", "")
    assert page.locator(f"{panel} .errorlist").count() == 0
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS
    assert not Escalation.objects.exists()
