"""A live escalation in a real browser, through the admin: the operator escalates with the
customer on hold; the supervisor finds it on "waiting for me" (with the hold badge), acknowledges
it from there, and ends the hold (answered on the line). Elements are found by CSS hooks and
form field names only: the visible texts are translated.

The browser fixtures are in ``tests/integration/conftest.py`` (Debian's chromium)."""

from __future__ import annotations

from escalations.models import Case, CaseNote, CaseStatus, HoldOutcome, NoteKind
from tests.escalations.hold_setup import hold_policy
from tests.integration.browser import BROWSER, confirm_and_back, do, log_in, log_out

pytestmark = BROWSER


# transactional_db before the persona fixtures: live_server's thread must see committed rows
def test_operator_holds_supervisor_acknowledges_and_ends_the_hold(
    transactional_db,
    live_server,
    page,  # noqa: F811 - the imported fixture
    org,
    operator,
    supervisor,
    case,
):
    from playwright.sync_api import expect

    hold_policy()
    base = live_server.url
    case_url = f"/admin/escalations/case/{case.pk}/change/"

    # --- the operator escalates with the customer on hold -----------------------------------
    log_in(page, base, operator.username)
    page.goto(base + case_url)
    do(page, "escalate")
    page.check("#transition-form input[name=reason][value=superior_requested]")
    page.fill("#transition-form textarea[name=customer_wants]", "上の者を出してほしい")
    page.fill("#transition-form textarea[name=tried]", "規約を説明した")
    page.select_option("#transition-form select[name=mood]", "angry")
    page.check("#transition-form input[name=on_hold]")
    confirm_and_back(page, case_url)
    expect(page.locator("#case-hold #hold-waiting")).to_have_count(1)
    log_out(page)

    # --- the supervisor: waiting for me, acknowledge, end the hold --------------------------
    log_in(page, base, supervisor.username)
    page.goto(f"{base}/admin/escalations/case/")
    page.click('#changelist-filter a[href*="on_hold=mine"]')
    page.wait_for_url("**on_hold=mine**")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".hold-badge")).to_have_count(1)
    page.click(f'#result_list a[href*="/escalations/case/{case.pk}/change/"] >> nth=0')
    page.wait_for_url(f"**{case_url}**")
    do(page, "acknowledge")
    confirm_and_back(page, case_url)
    expect(page.locator("#case-hold #hold-handled")).to_contain_text(supervisor.display_name)

    page.click("#case-hold-end")  # the case header's panel
    panel = '#case-actions details[data-transition="hold_end"]'
    page.check(f"{panel} input[name=outcome][value={HoldOutcome.ANSWERED}]")
    with page.expect_navigation():
        page.click(f"{panel} button[type=submit]")
    page.wait_for_url(f"**{case_url}")
    expect(page.locator("#case-hold")).to_have_count(0)
    expect(page.locator("#case-hold-end")).to_have_count(0)
    expect(page.locator("#case-timeline tr.note-hold")).to_have_count(1)
    log_out(page)

    # --- the database ------------------------------------------------------------------------
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.ACKNOWLEDGED
    hop = case.escalations.get()
    assert hop.acknowledged_by == supervisor
    assert hop.hold_outcome == HoldOutcome.ANSWERED
    assert hop.hold_ended_at >= hop.acknowledged_at >= hop.on_hold_since
    assert CaseNote.objects.filter(case=case, kind=NoteKind.HOLD, author=supervisor).count() == 1
