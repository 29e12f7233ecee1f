"""Reads: which articles a user sees.

A draft made "from case" starts as that case's question, answer and subject: until it is
published (reviewed and approved as text for everyone), it is seen only by those who may see its
case. Its link to the case (the reference), and its history (which holds the first, verbatim
text and the reason "create from <reference>"), stay with those who may see the case even once
it is published."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from escalations.selectors import cases_visible_to
from knowledge.models import Article


def articles_visible_to(user: User) -> QuerySet[Article]:
    return Article.objects.filter(
        Q(source_case__isnull=True)
        | Q(published_at__isnull=False)
        | Q(source_case__in=cases_visible_to(user))
    )


def source_case_visible_to(article: Article, user: User) -> bool:
    """Whether the user may see the case the article was made from (true without one)."""
    if article.source_case_id is None:
        return True
    return cases_visible_to(user).filter(pk=article.source_case_id).exists()
