"""Japanese (and English) queries find the published articles they should, ranked title >
body, more matched bigrams > fewer, fresh > stale. Runs on SQLite and on PostgreSQL."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from knowledge import search as knowledge_search
from knowledge import services
from knowledge.search import search


def titles(query, user, **kwargs):
    return [hit.title for hit in search(query, user=user, include_cases=False, **kwargs)]


@pytest.fixture
def articles(publish):
    return {
        "return": publish("返品の受付方法", "商品到着から30日以内であれば返品を受け付けます。"),
        "cancel": publish(
            "解約の手続き", "解約は会員ページまたは書面で受け付けます。違約金はありません。"
        ),
        "login": publish("ログインできない場合", "パスワードを再設定してください。"),
        "refund": publish("Refund policy", "Refunds are paid to the original card within 5 days."),
        "shipping": publish("配送の遅れ", "台風で配送が遅れています。返品の方は別記事を参照。"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("返品", "返品の受付方法"),
        ("解約", "解約の手続き"),
        ("違約金", "解約の手続き"),
        ("ﾛｸﾞｲﾝ", "ログインできない場合"),  # half-width katakana
        ("ろぐいん", "ログインできない場合"),  # hiragana
        ("パスワード　再設定", "ログインできない場合"),  # full-width space
        ("ＲＥＦＵＮＤ", "Refund policy"),  # full-width latin, upper case
        ("refund", "Refund policy"),
        ("返品したいのですが", "返品の受付方法"),  # a sentence, no spaces
    ],
)
def test_a_query_finds_its_article_first(articles, operator, query, expected):
    assert titles(query, operator)[0] == expected


def test_a_title_match_ranks_above_a_body_match(articles, operator):
    assert titles("返品", operator) == ["返品の受付方法", "配送の遅れ"]


def test_more_matched_bigrams_rank_above_fewer(publish, operator):
    publish("請求書の再発行", "請求書は会員ページから再発行できます。")
    publish("請求の確認", "請求の内容を確認します。")
    assert titles("請求書の再発行", operator) == ["請求書の再発行", "請求の確認"]


def test_a_stale_article_ranks_below_a_recently_reviewed_one(publish, operator):
    with time_machine.travel(timezone.now() - dt.timedelta(days=400)):
        publish("返品の受付方法（旧）", "返品は30日以内。")
    publish("返品の受付方法", "返品は30日以内。")

    hits = search("返品の受付方法", user=operator, include_cases=False)

    assert [(h.title, h.stale) for h in hits] == [
        ("返品の受付方法", False),
        ("返品の受付方法（旧）", True),
    ]


def test_drafts_and_articles_in_review_are_not_found(operator):
    draft = services.article_create(actor=operator, title="返品の受付方法", body="返品は30日以内。")
    assert titles("返品", operator) == []
    services.article_submit(article=draft, actor=operator)
    assert titles("返品", operator) == []


def test_an_archived_article_is_not_found(articles, operator, manager):
    services.article_archive(article=articles["cancel"], actor=manager)
    assert titles("解約", operator) == []


def test_limit_and_nothing_for_a_one_kana_or_latin_character_or_empty_query(articles, operator):
    assert titles("返品", operator, limit=1) == ["返品の受付方法"]
    assert titles("ろ", operator) == []
    assert titles("R", operator) == []
    assert titles("   ", operator) == []
    assert titles("存在しない単語", operator) == []


def test_an_article_search_takes_four_queries_then_two_with_dictionary_and_frequencies_cached(
    articles, operator, django_assert_num_queries
):
    # the synonym dictionary, document frequencies of the query's grams, the packed postings
    # of the chosen grams, the candidates' documents
    with django_assert_num_queries(4):
        search("返品したい", user=operator, include_cases=False)
    with django_assert_num_queries(2):
        search("返品したい", user=operator, include_cases=False)


def test_common_bigrams_do_not_select_candidates_but_still_score_them(
    publish, operator, monkeypatch, django_assert_num_queries
):
    for number in range(6):
        publish(f"スマートフォンの設定{number}", "スマートフォンの設定方法です。")
    wanted = publish("スマートフォンの督促状", "督促状が届いた場合の案内。")
    publish("督促の基本", "督促状の送付時期。")
    monkeypatch.setattr(knowledge_search, "POSTINGS_BUDGET", 3)

    # dictionary, frequencies, postings of the rare grams only (督, 促, 督促, 促状), the
    # candidates' documents (scored on every gram from their text)
    with django_assert_num_queries(4):
        hits = search("スマートフォン 督促状", user=operator, include_cases=False)

    assert [hit.pk for hit in hits] == [wanted.pk, hits[1].pk]
    assert hits[1].title == "督促の基本"


def test_tags_are_searched(publish, operator):
    publish("お支払い方法", "クレジットカードと口座振替。", tags="コンビニ払い, 振込")
    assert titles("コンビニ", operator) == ["お支払い方法"]


def test_someone_without_the_right_to_read_articles_finds_none(articles, db):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    assert search("返品", user=nobody) == []


def test_an_article_published_after_a_search_is_found_at_once(publish, operator):
    assert titles("督促状", operator) == []  # its bigrams are now cached as absent
    publish("督促状が届いた", "入金日を確認します。")
    assert titles("督促状", operator) == ["督促状が届いた"]
