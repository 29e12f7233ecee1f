"""The flow page in a real browser shows who answers now: the SV team's on-call person is
absent, so their delegate answers, with the extension; the technical team's on-call person
answers themself. At a laptop size (1366x768) and a phone size (390x844) the section fits
without horizontal scrolling. ``SCREENSHOTS=1`` saves /tmp/oncall-flow-1366.png and -390.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.absence import absence_period_save
from accounts.models import AbsenceReason, OnCallMember, OnCallRotation
from tests.factories import UserFactory
from tests.integration.browser import BROWSER, SCREENSHOTS, TIMEOUT_MS, log_in

pytestmark = BROWSER


def rotation(team, person):
    rota = OnCallRotation.objects.create(
        team=team, name=f"{team.name}当番", starts_on=timezone.localdate() - dt.timedelta(days=7)
    )
    OnCallMember.objects.create(rotation=rota, user=person, position=1)


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_the_flow_page_shows_who_answers_now(
    transactional_db,
    live_server,
    browser,  # noqa: F811 - the imported fixture
    org,
    manager,
    supervisor,
    specialist,
    width,
    height,
):
    chief = UserFactory(username="chief", display_name="中村 課長", extension="210")
    deputy = UserFactory(username="deputy", display_name="小林 代理", extension="202")
    org["l2"].members.add(chief, deputy)
    specialist.extension = "300"
    specialist.save()
    rotation(org["l2"], chief)
    rotation(org["l3"], specialist)
    absence_period_save(
        actor=supervisor,
        user=chief,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(days=2),
        reason=AbsenceReason.MEETING,
        note="全社会議",
        delegate=deputy,
    )

    context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/admin/escalations/flow/")
    section = page.locator("#flow-answers")
    section.wait_for()
    section.scroll_into_view_if_needed()
    if SCREENSHOTS:
        page.screenshot(path=f"/tmp/oncall-flow-{width}.png")
        section.screenshot(path=f"/tmp/oncall-flow-{width}-answers.png")

    assert "現在の対応者" in section.locator("h2").inner_text()
    sv = section.locator(f'tr[data-team="{org["l2"].pk}"]')
    assert "中村 課長" in sv.locator(".flow-on-call").inner_text()
    answerer = sv.locator(".flow-answerer").inner_text()
    assert "小林 代理" in answerer and "202" in answerer and "中村 課長" in answerer
    tech = section.locator(f'tr[data-team="{org["l3"].pk}"] .flow-answerer').inner_text()
    assert "田中 技術" in tech and "300" in tech
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), "the page scrolls horizontally"
    assert section.evaluate("s => s.scrollWidth <= s.clientWidth + 1"), "the table pokes out"
