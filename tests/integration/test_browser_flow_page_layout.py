"""The escalation flow page in a real browser at a laptop size (1366x768): the main sections do
not overlap and nothing overflows horizontally, with the sidebar open and a category filter on.

Runs Debian's chromium through playwright (skipped without it). ``SCREENSHOTS=1`` saves
/tmp/browser-flow.png."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Tier
from tests.factories import EscalationRuleFactory, TeamFactory, UserFactory, make_sla_policy
from tests.integration.browser import BROWSER, SCREENSHOTS, log_in, new_page

pytestmark = BROWSER


@pytest.fixture
def page(browser):
    """Chromium at a laptop size, 1366x768 (``browser``: tests/integration/conftest.py)."""
    return new_page(browser, 1366, 768)


SECTIONS = [
    "#flow-filters",
    "#flow-header",
    "#flow-gaps",
    "#flow-routes",
    "#flow-tiers",
    "#flow-matrix",
    "#rules",
    "#flow-sla",
    "#flow-states",
]


def test_flow_page_fits_a_laptop_screen(transactional_db, live_server, page, org, billing, manager):
    # a realistic amount of configuration: long names, long guidance, absent people, gaps
    for n in range(4):
        people = [
            UserFactory(
                username=f"vendor{n}-{i}",
                display_name=f"ベンダー担当者 {n}-{i}",
                extension=f"4{n}{i}",
                is_absent=i == 0,
            )
            for i in range(3)
        ]
        team = TeamFactory(
            name=f"外部ベンダー保守窓口（夜間・休日対応）{n}",
            tier=Tier.L4,
            lead=people[1],
            members=people,
            email=f"vendor{n}@example.jp",
            phone=f"03-5555-000{n}",
        )
        EscalationRuleFactory(
            category=billing,
            target_team=team,
            target_user=people[0],
            guidance="障害の再現手順、発生日時、影響範囲、お客様の契約番号を引き継ぎに必ず記入し、"
            "ベンダー窓口へ電話で一報のうえメールで詳細を送ってください。" * 2,
            next_review_on=dt.date(2020, 1, 1),
        )
    make_sla_policy(always_open=False)

    log_in(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/admin/escalations/flow/?category={billing.pk}")
    page.wait_for_selector("#flow-states svg")
    shot = page.screenshot(path="/tmp/browser-flow.png" if SCREENSHOTS else None, full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(shot[16:20], "big") == 1366  # the PNG's width: no horizontal growth

    boxes = {}
    for selector in SECTIONS:
        box = page.locator(selector).bounding_box()
        assert box is not None, f"{selector} is not shown"
        assert box["width"] > 0 and box["height"] > 0, selector
        boxes[selector] = box

    viewport_width = page.evaluate("document.documentElement.clientWidth")
    for selector, box in boxes.items():
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport_width + 0.5, selector

    for i, a_name in enumerate(SECTIONS):
        for b_name in SECTIONS[i + 1 :]:
            a, b = boxes[a_name], boxes[b_name]
            separate = (
                a["x"] + a["width"] <= b["x"] + 0.5
                or b["x"] + b["width"] <= a["x"] + 0.5
                or a["y"] + a["height"] <= b["y"] + 0.5
                or b["y"] + b["height"] <= a["y"] + 0.5
            )
            assert separate, f"{a_name} overlaps {b_name}"

    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), "the page scrolls horizontally"
    # nothing inside the page's content pokes out of its section either
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('#flow-page .flow-section')]
            .filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.id)"""
    )
    assert overflowing == []
    # the gaps are red
    color = page.locator("#flow-gaps .flow-gap-item").first.evaluate(
        "el => getComputedStyle(el).color"
    )
    assert color == "rgb(186, 33, 33)"
