"""The escalation round trip in a real browser, through the admin.

An operator escalates a case they own to the SV team; the supervisor finds it through the
"escalated to my team" filter, acknowledges it and returns it with an answer. Elements are found
by CSS hooks and form field names only: the visible texts are translated.

Runs Debian's chromium (``/usr/bin/chromium``) through playwright; skipped without it. Set
``SCREENSHOTS=1`` to save /tmp/browser-escalate.png and /tmp/browser-case.png.
"""

from __future__ import annotations

from accounts.models import Tier
from escalations.models import Case, CaseStatus, EscalationOutcome
from tests.integration.browser import (
    BROWSER,
    confirm_and_back,
    do,
    log_in,
    log_out,
    screenshot,
)

CUSTOMER_WANTS = "先月分の差額を返金してほしい"
TRIED = "請求明細と契約内容を確認し、差額の理由を説明した"
ANSWER = "返金は不可。規約第5条に基づき、翌月請求で差額を調整すると伝えてください。"

pytestmark = BROWSER


# transactional_db before the persona fixtures: live_server's thread must see committed rows
def test_operator_escalates_and_supervisor_answers(
    transactional_db, live_server, page, org, operator, supervisor, case
):
    from playwright.sync_api import expect

    base = live_server.url
    case_url = f"/admin/escalations/case/{case.pk}/change/"
    assert case.status == CaseStatus.IN_PROGRESS

    # --- the operator escalates --------------------------------------------------------------
    log_in(page, base, operator.username)
    page.goto(base + case_url)
    expect(page.locator('#case-actions [data-transition="acknowledge"]')).to_have_count(0)
    do(page, "escalate")

    routes = page.locator("#escalation-routes")
    expect(routes).to_contain_text("SVへ内線 200 で連絡")
    expect(routes.locator('tr[data-reason="knowledge_gap"]')).to_contain_text(org["l2"].name)
    page.check("#transition-form input[name=reason][value=knowledge_gap]")
    page.fill("#transition-form textarea[name=customer_wants]", CUSTOMER_WANTS)
    page.fill("#transition-form textarea[name=tried]", TRIED)
    page.select_option("#transition-form select[name=mood]", "dissatisfied")
    screenshot(page, "/tmp/browser-escalate.png")
    confirm_and_back(page, case_url)

    hops = page.locator("#case-hops tbody tr")
    expect(hops).to_have_count(1)
    expect(hops.first).to_contain_text("L1 → L2")
    expect(hops.first).to_contain_text(org["l2"].name)
    expect(hops.first).to_contain_text(CUSTOMER_WANTS)
    expect(hops.first).to_contain_text(TRIED)
    expect(page.locator("#case-timeline tr.note-handoff")).to_contain_text(CUSTOMER_WANTS)
    # escalated: nothing left for the owner to do on it
    expect(page.locator('#case-actions [data-transition="escalate"]')).to_have_count(0)
    log_out(page)

    # --- the supervisor finds it in the team's queue, takes it and answers -------------------
    log_in(page, base, supervisor.username)
    page.goto(f"{base}/admin/escalations/case/")
    page.click('#changelist-filter a[href*="to_my_team=open"]')
    page.wait_for_url("**to_my_team=open**")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    page.click(f'#result_list a[href*="/escalations/case/{case.pk}/change/"] >> nth=0')
    page.wait_for_url(f"**{case_url}**")

    do(page, "acknowledge")
    confirm_and_back(page, case_url)
    expect(page.locator("#case-hops tbody tr").first).to_contain_text(supervisor.display_name)

    do(page, "return_to_owner")
    page.fill("#transition-form textarea[name=answer]", ANSWER)
    page.check("#transition-form input[name=reusable][value=no]")
    page.fill("#transition-form input[name=not_reusable_reason]", "この契約に固有の回答")
    confirm_and_back(page, case_url)

    expect(page.locator("#case-timeline tr.note-answer")).to_contain_text(ANSWER)
    expect(page.locator("#case-hops tbody tr").first).to_contain_text(ANSWER)
    # returned to L1: the supervisor can no longer act on it as the handler
    expect(page.locator('#case-actions [data-transition="return_to_owner"]')).to_have_count(0)
    screenshot(page, "/tmp/browser-case.png")
    log_out(page)

    # --- the database ------------------------------------------------------------------------
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.RETURNED
    assert case.tier == Tier.L1
    assert case.owner == operator
    assert case.handler == operator
    assert case.assigned_team == org["l1"]

    hop = case.escalations.get()
    assert (hop.from_tier, hop.to_tier, hop.to_team) == (Tier.L1, Tier.L2, org["l2"])
    assert (hop.reason, hop.customer_mood) == ("knowledge_gap", "dissatisfied")
    assert (hop.customer_wants, hop.tried) == (CUSTOMER_WANTS, TRIED)
    assert hop.requested_by == operator
    assert hop.acknowledged_by == supervisor and hop.acknowledged_at is not None
    assert hop.answered_by == supervisor and hop.answered_at is not None
    assert (hop.answer, hop.outcome) == (ANSWER, EscalationOutcome.ANSWERED)

    history = [
        (h.history_change_reason.split(":")[0], h.history_user, h.status)
        for h in case.history.order_by("history_date", "history_id")
    ]
    assert history == [
        ("create", operator, CaseStatus.NEW),
        ("start_work", operator, CaseStatus.IN_PROGRESS),
        ("escalate", operator, CaseStatus.ESCALATED),
        ("acknowledge", supervisor, CaseStatus.ACKNOWLEDGED),
        ("return_to_owner", supervisor, CaseStatus.RETURNED),
    ]
    assert [n.kind for n in case.notes.all()] == ["handoff", "answer"]
