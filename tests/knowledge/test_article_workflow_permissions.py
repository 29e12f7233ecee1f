"""Who may write, review, publish and archive (knowledge/policy.py, accounts/roles.py), enforced
by the services like case transitions; one history row per change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kit.statemachine import TransitionConflict
from knowledge import services
from knowledge.models import Article, ArticleStatus
from knowledge.search import search


@pytest.fixture
def draft(operator):
    return services.article_create(actor=operator, title="返品の受付方法", body="返品は30日以内。")


def test_an_operator_writes_and_submits_a_draft(draft, operator):
    services.article_update(article=draft, actor=operator, body="返品は購入から30日以内。")
    services.article_submit(article=draft, actor=operator, comment="確認お願いします")

    draft.refresh_from_db()
    assert draft.status == ArticleStatus.IN_REVIEW
    assert [h.history_change_reason for h in draft.history.order_by("history_id")] == [
        "create",
        "edit: body",
        "submit: 確認お願いします",
    ]
    assert {h.history_user for h in draft.history.all()} == {operator}


@pytest.mark.parametrize("persona", ["operator", "manager", "outsider"])
def test_only_reviewers_approve(request, draft, operator, persona):
    services.article_submit(article=draft, actor=operator)
    with pytest.raises(PermissionDenied):
        services.article_approve(article=draft, actor=request.getfixturevalue(persona))
    assert Article.objects.get(pk=draft.pk).status == ArticleStatus.IN_REVIEW


@pytest.mark.parametrize("persona", ["supervisor", "specialist"])
def test_supervisors_and_specialists_approve_and_publish(request, draft, operator, persona):
    services.article_submit(article=draft, actor=operator)
    services.article_approve(article=draft, actor=request.getfixturevalue(persona))

    draft.refresh_from_db()
    assert draft.status == ArticleStatus.PUBLISHED
    assert (draft.published_title, draft.version) == ("返品の受付方法", 1)
    assert draft.reviewed_at is not None


def test_a_reviewer_sends_a_draft_back(draft, operator, supervisor):
    services.article_submit(article=draft, actor=operator)
    services.article_reject(article=draft, actor=supervisor, comment="根拠を追記")
    assert Article.objects.get(pk=draft.pk).status == ArticleStatus.DRAFT


@pytest.mark.parametrize("persona", ["manager"])
def test_managers_archive(request, publish, persona):
    article = publish("解約の手続き", "解約は書面で受け付けます。")
    services.article_archive(article=article, actor=request.getfixturevalue(persona))
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.ARCHIVED


@pytest.mark.parametrize("persona", ["operator", "supervisor", "specialist"])
def test_writers_and_reviewers_do_not_archive(request, publish, persona):
    article = publish("解約の手続き", "解約は書面で受け付けます。")
    with pytest.raises(PermissionDenied):
        services.article_archive(article=article, actor=request.getfixturevalue(persona))


def test_managers_do_not_write(manager):
    with pytest.raises(PermissionDenied):
        services.article_create(actor=manager, title="題名", body="本文")


def test_a_published_article_is_not_edited_in_place(publish, operator):
    article = publish("返品の受付方法", "返品は30日以内。")
    with pytest.raises(ValidationError):
        services.article_update(article=article, actor=operator, body="書き換え")


def test_revising_keeps_the_published_version_visible_until_the_new_one_is_approved(
    publish, operator, supervisor
):
    article = publish("返品の受付方法", "返品は30日以内。")
    services.article_revise(article=article, actor=operator)
    services.article_update(
        article=article, actor=operator, title="返品・交換の受付方法", body="返品と交換は14日以内。"
    )

    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT
    assert article.is_live
    assert article.published_body == "返品は30日以内。"
    assert [h.title for h in search("返品", user=operator)] == ["返品の受付方法"]
    assert search("交換", user=operator) == []

    services.article_submit(article=article, actor=operator)
    services.article_approve(article=article, actor=supervisor)

    article.refresh_from_db()
    assert (article.published_body, article.version) == ("返品と交換は14日以内。", 2)
    assert [h.title for h in search("交換", user=operator)] == ["返品・交換の受付方法"]


def test_an_action_that_does_not_apply_to_the_status_is_a_conflict(draft, supervisor):
    with pytest.raises(TransitionConflict):
        services.article_approve(article=draft, actor=supervisor)


def test_a_stale_copy_of_the_article_is_refused(draft, operator, supervisor):
    stale = Article.objects.get(pk=draft.pk)
    services.article_submit(article=draft, actor=operator)
    with pytest.raises(TransitionConflict):
        services.article_submit(article=stale, actor=operator)


def test_the_owner_may_confirm_the_review_of_their_published_article(publish, operator, colleague):
    article = publish("返品の受付方法", "返品は30日以内。")
    services.article_confirm_review(article=article, actor=operator)
    with pytest.raises(PermissionDenied):
        services.article_confirm_review(article=article, actor=colleague)
