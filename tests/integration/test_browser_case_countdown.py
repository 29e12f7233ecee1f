"""The case header's SLA countdown ticks in the browser (issue 17): green while on track, amber
once half of the time is gone, red and counting the lateness once the deadline passes; the
hold clock counts up. The browser's clock is moved (playwright's clock), not waited for.

The browser fixtures are in ``tests/integration/conftest.py`` (Debian's chromium)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from escalations import services
from tests.factories import HANDOFF, make_case, make_sla_policy
from tests.integration.browser import BROWSER, log_in

pytestmark = BROWSER


def _ms_until(iso: str, now: dt.datetime) -> int:
    return int((dt.datetime.fromisoformat(iso) - now).total_seconds() * 1000)


# transactional_db before the persona fixtures: live_server's thread must see committed rows
def test_the_countdown_turns_amber_then_red_and_the_hold_clock_counts(
    transactional_db,
    live_server,
    page,  # noqa: F811 - the imported fixture
    org,
    operator,
):
    from playwright.sync_api import expect

    make_sla_policy()  # 24/7: the first response is due in wall-clock time
    case = make_case(owner=operator)
    base = live_server.url
    log_in(page, base, operator.username)
    now = timezone.now()
    page.clock.install(time=now)
    page.goto(f"{base}/admin/escalations/case/{case.pk}/change/")

    sla = page.locator("#ch-sla")
    expect(sla).to_have_class("ch-clock ch-sla ch-on_track")
    due = sla.get_attribute("data-due")
    start = sla.get_attribute("data-start")
    half = (_ms_until(due, now) + _ms_until(start, now)) // 2
    page.clock.fast_forward(half + 2_000)
    expect(sla).to_have_class("ch-clock ch-sla ch-at_risk")
    page.clock.fast_forward(_ms_until(due, now) - half + 63_000)
    expect(sla).to_have_class("ch-clock ch-sla ch-breached")
    # "期限超過 1:05": a minute and some seconds late (the page took a few real seconds too)
    expect(sla.locator(".ch-countdown")).to_have_text(re.compile(r"^期限超過 [1-9]:\d\d$"))

    services.case_start_work(case=case, actor=operator)
    services.case_escalate(
        case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
    )
    page.clock.set_system_time(timezone.now())  # back to the server's time
    page.reload()
    hold = page.locator("#ch-hold .ch-holdtime")
    expect(hold).to_be_visible()
    page.clock.fast_forward(125_000)
    expect(hold).to_have_text(re.compile(r"^[2-9]:\d\d$"))  # two minutes and some seconds
