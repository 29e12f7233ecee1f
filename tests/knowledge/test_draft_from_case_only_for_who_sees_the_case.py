"""A draft made "from case" is the case's subject, question and answer: until it is published,
only those who may see the case find it (list, search, page, reading page, history, transitions).
Once published it is for every reader, but its link to the case and its history (the first,
verbatim text and "create from <reference>") stay with those who may see the case."""

import pytest
from django.urls import reverse

from accounts.models import Tier
from knowledge import services
from tests.factories import TeamFactory, UserFactory
from tests.visibility_setup import ANSWER, SUBJECT, make_secret_case

LIST = reverse("admin:knowledge_article_changelist")


@pytest.fixture
def secret(org, operator, supervisor):
    return make_secret_case(operator=operator, supervisor=supervisor)


@pytest.fixture
def other_supervisor(db):
    """A reviewer of another team (may publish articles, may not see the case)."""
    user = UserFactory(username="other_sv", role="supervisor")
    TeamFactory(name="別のSVチーム", tier=Tier.L2, lead=user, members=[user])
    return user


def article_pages(article) -> list[str]:
    return [
        reverse("admin:knowledge_article_change", args=[article.pk]),
        reverse("admin:knowledge_article_read", args=[article.pk]),
        reverse("admin:knowledge_article_transition", args=[article.pk, "submit"]),
        reverse("admin:knowledge_article_history", args=[article.pk]),
        *(
            reverse("admin:knowledge_article_simple_history", args=[article.pk, h.history_id])
            for h in article.history.all()
        ),
    ]


@pytest.mark.parametrize("persona", ["outsider", "other_supervisor"])
def test_the_draft_is_hidden_from_writers_who_may_not_see_the_case(
    request, client, secret, persona
):
    client.force_login(request.getfixturevalue(persona))

    listed = client.get(LIST, {"q": SUBJECT})

    assert list(listed.context["cl"].result_list) == []
    for url in article_pages(secret.draft):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        assert SUBJECT not in response.content.decode()
        assert ANSWER not in response.content.decode()


def test_those_who_see_the_case_write_and_review_it(client, secret, operator, supervisor):
    for user in operator, supervisor:
        client.force_login(user)
        listed = client.get(LIST, {"q": SUBJECT})
        assert list(listed.context["cl"].result_list) == [secret.draft]
        for url in article_pages(secret.draft):
            assert client.get(url).status_code == 200, url
        page = client.get(reverse("admin:knowledge_article_change", args=[secret.draft.pk]))
        assert secret.case.reference in page.content.decode()


def test_once_published_it_is_read_by_all_but_its_case_and_history_stay_hidden(
    client, secret, operator, supervisor, outsider
):
    services.article_submit(article=secret.draft, actor=operator)
    article = services.article_approve(article=secret.draft, actor=supervisor)
    client.force_login(outsider)

    listed = client.get(LIST, {"q": SUBJECT})
    page = client.get(reverse("admin:knowledge_article_change", args=[article.pk]))
    history = client.get(reverse("admin:knowledge_article_history", args=[article.pk]))

    assert list(listed.context["cl"].result_list) == [article]
    assert page.status_code == 200
    assert secret.case.reference not in page.content.decode()
    assert history.status_code == 404
