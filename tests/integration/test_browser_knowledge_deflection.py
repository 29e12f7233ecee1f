"""Deflection in a real browser: on the escalate form the operator sees a published article for
the case, opens it and marks it "solved with": the case is resolved at L1, never escalated.

The browser fixtures are in ``tests/integration/conftest.py`` (Debian's chromium through
playwright; skipped without it). Elements are found by CSS hooks only (texts are translated)."""

from __future__ import annotations

from escalations.models import Case, CaseStatus
from knowledge import services
from knowledge.models import CaseArticle, Deflection, LinkKind
from tests.integration.browser import BROWSER, log_in

pytestmark = BROWSER


# transactional_db before the persona fixtures: live_server's thread must see committed rows
def test_operator_solves_the_case_with_a_suggested_article(
    transactional_db,
    live_server,
    page,  # noqa: F811 - the imported fixture
    org,
    operator,
    supervisor,
    case,  # noqa: F811
):
    from playwright.sync_api import expect

    article = services.article_create(
        actor=operator, title="請求額が違うときの説明", body="初月は**日割り計算**です。"
    )
    services.article_submit(article=article, actor=operator)
    services.article_approve(article=article, actor=supervisor)
    base = live_server.url
    case_url = f"/admin/escalations/case/{case.pk}/change/"

    log_in(page, base, operator.username)
    page.goto(base + case_url)
    page.click('#case-actions details[data-transition="escalate"] > summary')
    page.click('#case-actions details[data-transition="escalate"] a.ch-full-page')
    page.wait_for_url("**/do/escalate/")
    suggestion = page.locator(f'#knowledge-suggestions .suggestion[data-article="{article.pk}"]')
    expect(suggestion).to_contain_text("請求額が違うときの説明")

    suggestion.locator("a").click()
    page.wait_for_url(f"**/knowledge/article/{article.pk}/read/**")
    expect(page.locator("#article-body strong")).to_have_text("日割り計算")
    page.click("#solved-with-form input[name=_solved]")
    page.wait_for_url(f"**{case_url}")
    expect(page.locator('#case-actions [data-transition="escalate"]')).to_have_count(0)

    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.tier) == (CaseStatus.RESOLVED, 1)
    assert not case.escalations.exists()
    assert CaseArticle.objects.filter(case=case, kind=LinkKind.SOLVED_WITH).count() == 1
    assert Deflection.objects.get(case=case).used_article_id == article.pk
