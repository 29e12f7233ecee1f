"""The absence page 「不在・代理」 in a real browser at 1366×768 and 390×844, as a supervisor with
a team: the rows (name, extension, teams, absent, delegate, until, who stands in) fit without
the page scrolling sideways, and marking a member absent with a delegate and an until-time
works from the page. Screenshots go to /tmp/shots-absence/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Tier, User
from tests.factories import TeamFactory, UserFactory
from tests.integration.browser import BROWSER, log_in

pytestmark = BROWSER

SHOTS = Path("/tmp/shots-absence")
URL = "/admin/accounts/absence/"


def overflow(page) -> int:  # noqa: F811
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)], ids=["1366", "390"])
def test_the_absence_page_fits_and_marks_a_member_absent(
    transactional_db,
    live_server,
    page,  # noqa: F811
    operator,
    colleague,
    supervisor,
    width,
    height,
):
    UserFactory(username="kimura", display_name="木村 長い名前の人", role="operator")
    TeamFactory(
        name="一次対応チーム（東京第二センター）",
        tier=Tier.L1,
        lead=supervisor,
        members=[operator, colleague, User.objects.get(username="kimura")],
    )
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, supervisor.username)
    page.goto(live_server.url + URL)
    page.screenshot(path=str(SHOTS / f"{width}-1-list.png"), full_page=True)
    assert overflow(page) <= 0, f"{overflow(page)} px wider than the window"

    row = page.locator("#result_list tbody tr").filter(
        has=page.locator(".field-person", has_text=operator.display_name)
    )
    row.locator("input[name$=is_absent]").check()
    row.locator("select[name$=delegate]").select_option(str(colleague.pk))
    row.locator("input[name$=absent_until]").fill("2099-12-24T18:00")
    page.screenshot(path=str(SHOTS / f"{width}-2-filled.png"), full_page=True)
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.screenshot(path=str(SHOTS / f"{width}-3-saved.png"), full_page=True)
    assert overflow(page) <= 0, f"{overflow(page)} px wider than the window"

    operator.refresh_from_db()
    assert operator.is_absent and operator.delegate == colleague
    assert timezone.localtime(operator.absent_until).strftime("%Y-%m-%d %H:%M") == (
        "2099-12-24 18:00"  # typed in local time (Asia/Tokyo)
    )
    row = page.locator("#result_list tbody tr").filter(
        has=page.locator(".field-person", has_text=operator.display_name)
    )
    assert colleague.display_name in row.locator(".field-stands_in").inner_text()
    assert page.locator("h1").inner_text() == "不在・代理"
