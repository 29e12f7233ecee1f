"""The synonym dictionary: kept in the admin with history (who and why), applied to queries
at once (「退会」 also finds what is written 「解約」, the word as typed ranking first), and shown
to the person searching (the API's side: tests/api/test_knowledge_search_shows_synonyms.py)."""

import pytest
from django.urls import reverse

from knowledge.models import SynonymGroup
from knowledge.search import search
from knowledge.synonyms import expansions, synonym_group_save


def titles(query, user):
    return [hit.title for hit in search(query, user=user, include_cases=False)]


@pytest.fixture
def cancel_words(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return synonym_group_save(group=SynonymGroup(terms="解約、退会、キャンセル"), actor=manager)


def test_a_query_also_finds_articles_written_with_a_synonym(publish, operator, cancel_words):
    publish("解約の手続き", "解約は会員ページで受け付けます。")
    publish("配送の遅れ", "台風で遅れています。")

    assert titles("退会したい", operator) == ["解約の手続き"]


def test_the_word_as_typed_ranks_above_its_synonym(publish, operator, cancel_words):
    publish("解約の手続き", "会員ページで受け付けます。")
    publish("退会の手続き", "会員ページで受け付けます。")

    assert titles("退会", operator) == ["退会の手続き", "解約の手続き"]


def test_katakana_half_width_and_hiragana_match_the_dictionary(cancel_words):
    found = expansions("ｷｬﾝｾﾙ料は？")

    assert [(e.written, e.alternatives) for e in found] == [("キャンセル", ("解約", "退会"))]
    assert [e.alternatives for e in expansions("きゃんせる")] == [("解約", "退会")]


def test_a_group_saved_applies_at_once(
    publish, operator, manager, django_capture_on_commit_callbacks
):
    publish("払い戻しの時期", "7営業日以内に振り込みます。")
    assert titles("返金", operator) == []  # the dictionary (empty) is now cached

    with django_capture_on_commit_callbacks(execute=True):
        synonym_group_save(group=SynonymGroup(terms="返金・払い戻し"), actor=manager)

    assert titles("返金", operator) == ["払い戻しの時期"]


def test_a_manager_keeps_the_dictionary_in_the_admin_with_history(
    client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:knowledge_synonymgroup_add"),
            {"terms": "故障\n壊れた\n動かない", "note": "家電"},
        )

    assert response.status_code == 302
    group = SynonymGroup.objects.get()
    assert group.term_list() == ["故障", "壊れた", "動かない"]
    record = group.history.get()
    assert (record.history_user, record.history_change_reason) == (manager, "管理画面で追加")
    page = client.get(reverse("admin:knowledge_synonymgroup_changelist"))
    assert "故障・壊れた・動かない" in page.content.decode()
    assert "同義語グループ" in page.content.decode()


def test_one_word_alone_is_a_form_error_not_a_group(client, manager):
    client.force_login(manager)
    response = client.post(reverse("admin:knowledge_synonymgroup_add"), {"terms": "故障、故障"})

    assert response.status_code == 200
    assert "異なる語句を2つ以上入力してください" in response.content.decode()
    assert not SynonymGroup.objects.exists()


def test_an_operator_sees_the_dictionary_but_may_not_change_it(client, operator, cancel_words):
    client.force_login(operator)

    assert client.get(reverse("admin:knowledge_synonymgroup_changelist")).status_code == 200
    url = reverse("admin:knowledge_synonymgroup_change", args=[cancel_words.pk])
    client.post(url, {"terms": "解約、削除"})
    assert SynonymGroup.objects.get().terms == "解約、退会、キャンセル"


def test_the_admin_search_page_says_what_else_was_searched(client, operator, cancel_words, publish):
    publish("解約の手続き", "会員ページで受け付けます。")
    client.force_login(operator)

    response = client.get(reverse("admin:knowledge_article_search"), {"q": "退会したい"})

    assert "「退会」も「解約」、「キャンセル」として検索しました。" in response.content.decode()
    assert "解約の手続き" in response.content.decode()


def test_a_search_with_synonyms_takes_two_queries_once_cached(
    publish, operator, cancel_words, django_assert_num_queries
):
    publish("解約の手続き", "会員ページで受け付けます。")
    search("退会したい", user=operator, include_cases=False)

    with django_assert_num_queries(2):  # the packed postings, the candidates' documents
        hits = search("退会したい", user=operator, include_cases=False)
    assert [hit.title for hit in hits] == ["解約の手続き"]
