"""Articles built through the real services: ``publish`` writes a draft as the operator and has
the supervisor approve it."""

import pytest

from knowledge import services


@pytest.fixture
def publish(operator, supervisor):
    def make(title: str, body: str, **kwargs):
        article = services.article_create(actor=operator, title=title, body=body, **kwargs)
        services.article_submit(article=article, actor=operator)
        return services.article_approve(article=article, actor=supervisor)

    return make


@pytest.fixture(autouse=True)
def _empty_cache():
    """Search caches document frequencies: each test starts without them."""
    from django.core.cache import cache

    cache.clear()
