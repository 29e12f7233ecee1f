"""The demo's knowledge base, written through the knowledge services at their times: 36
published articles (a few whose review is overdue or due within 30 days, one confirmed
after review), and three drafts waiting for review. Approving indexes an article for search."""

from __future__ import annotations

import random

from accounts.models import User
from demo import articles_orders, articles_support, clock
from escalations.models import Category
from knowledge.models import Article
from knowledge.services import (
    article_approve,
    article_confirm_review,
    article_create,
    article_submit,
)

AUTHORS = ["specialist", "specialist2", "supervisor", "supervisor3", "developer"]
REVIEWERS = ["supervisor", "specialist"]  # may approve (knowledge.publish_article)
PUBLISHED = articles_orders.ARTICLES + articles_support.ARTICLES
# Articles (by index into PUBLISHED) approved this many days ago: a review is due 180 days
# after approval, so the first three are overdue and the next three due within 30 days. The
# others were approved 70 to 150 days ago.
APPROVED_DAYS_AGO = {2: 225, 9: 212, 31: 200, 4: 172, 15: 165, 24: 158}
CONFIRMED = 10  # this article had its review confirmed 40 days ago


def load_articles(
    rng: random.Random, users: dict[str, User], categories: dict[str, Category]
) -> dict[int, list[Article]]:
    """Write the articles; return the published ones per category id (for solving cases)."""
    live: dict[int, list[Article]] = {}
    for index, row in enumerate(PUBLISHED):
        approved_days = APPROVED_DAYS_AGO.get(index) or rng.randint(70, 150)
        article = _write(rng, users, categories, row, approved_days)
        if article.category_id is not None:
            live.setdefault(article.category_id, []).append(article)
    for row in articles_support.IN_REVIEW:
        _write(rng, users, categories, row, approved_days=None)
    confirmed = Article.objects.get(title=PUBLISHED[CONFIRMED][1])
    with clock.at(clock.days_ago(40)):
        article_confirm_review(
            article=confirmed, actor=confirmed.owner, comment="内容を確認、変更なし"
        )
    return live


def _write(
    rng: random.Random,
    users: dict[str, User],
    categories: dict[str, Category],
    row: tuple,
    approved_days: int | None,
) -> Article:
    """Draft, submit and (with ``approved_days``) approve one article, each at its time."""
    category, title, tags, audience, body = row
    author = users[rng.choice(AUTHORS)]
    reviewer = users[next(name for name in REVIEWERS if users[name] != author)]
    if approved_days is None:  # waiting for review: written in the last few days
        written = clock.office_time(rng, rng.randint(2, 6))
        submitted = clock.step(written, rng, rng.randint(60, 1440))
    else:
        approved = clock.office_time(rng, approved_days)
        submitted = clock.step(approved, rng, -rng.randint(60, 2 * 1440))
        written = clock.step(submitted, rng, -rng.randint(60, 5 * 1440))
    with clock.at(written):
        article = article_create(
            actor=author,
            title=title,
            body=body,
            category=categories[category] if category else None,
            tags=tags,
            audience=audience,
        )
    with clock.at(submitted):
        article_submit(article=article, actor=author)
    if approved_days is not None:
        with clock.at(approved):
            article_approve(article=article, actor=reviewer, comment="内容を確認し公開")
    return article
