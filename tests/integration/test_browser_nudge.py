"""The case header's nudge in a real browser (issue 20): it names whom to escalate to, and its
one click opens the inline escalate panel with the rule's reason chosen (no page load), the
route of that reason shown. Screenshots go to /tmp/shots-nudge/.

The browser fixtures are in ``tests/integration/conftest.py`` (Debian's chromium)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from escalations.models import EscalationRule, Reason
from escalations.services.nudges import nudge_sweep, nudges_start_work
from tests.integration.browser import BROWSER, log_in

pytestmark = BROWSER

SHOTS = Path("/tmp/shots-nudge")


def test_the_nudge_opens_the_escalate_panel_with_the_reason_chosen(
    transactional_db,
    live_server,
    page,  # noqa: F811 - the imported fixture
    org,
    operator,
    supervisor,
    l2_team,
    case,  # noqa: F811
):
    from playwright.sync_api import expect

    supervisor.extension = "200"
    supervisor.save()
    for rule in EscalationRule.objects.filter(target_team=l2_team):
        rule.escalate_within_work = 10
        rule.target_user, rule.reason = supervisor, Reason.BEYOND_AUTHORITY
        rule.save()  # not QuerySet.update: a save tells the routing kept per process
    # the case fixture started work before the rule had its threshold: start the clock anew
    nudges_start_work(case=case, now=timezone.now() - dt.timedelta(minutes=11))
    assert nudge_sweep().sent == 1

    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server.url, operator.username)
    page.goto(f"{live_server.url}/admin/escalations/case/{case.pk}/change/")
    nudge = page.locator("#ch-nudge")
    expect(nudge).to_be_visible()
    expect(nudge).to_contain_text("高橋 SV")
    expect(nudge).to_contain_text("内線 200")
    page.screenshot(path=str(SHOTS / "nudge-1366.png"))

    loads = []
    page.on("load", lambda _page: loads.append(1))
    page.click("#ch-nudge-escalate")
    panel = page.locator('details.ch-panel[data-transition="escalate"]')
    expect(panel).to_have_attribute("open", "")
    expect(panel.locator('input[name=reason][value="beyond_authority"]')).to_be_checked()
    expect(panel.locator('.ch-route[data-reason="beyond_authority"]')).to_be_visible()
    assert loads == []  # no page load
    page.screenshot(path=str(SHOTS / "nudge-panel-1366.png"))
