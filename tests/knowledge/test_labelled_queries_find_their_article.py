"""A labelled set: queries as operators type them (words, two-character words, one kanji,
sentences without spaces, half-width katakana, hiragana for katakana, full-width and upper-case
English, and words the article does not use but the synonym dictionary knows) each find their
article in the first five, among distractors written from the same vocabulary. Runs on SQLite,
and on PostgreSQL with DATABASE_URL set (whatever its locale)."""

import itertools

import pytest

from knowledge.models import SynonymGroup
from knowledge.search import search
from knowledge.synonyms import synonym_group_save

SYNONYMS = [
    "解約、退会、キャンセル",
    "返金、払い戻し",
    "故障、壊れた、動かない",
    "ログイン、サインイン",
    "領収書、レシート",
]

# (title, body, queries that should find it; those marked by a synonym use a word it lacks)
LABELLED = [
    ("ルーターのランプが赤く点滅する場合",
     "ルーターのランプが赤く点滅しているときは回線障害の可能性があります。障害情報を確認し、"
     "なければ電源を抜いて30秒待ってから再起動を案内してください。",
     ["ルーター 赤く点滅", "ランプが赤い", "ﾗﾝﾌﾟ 点滅"]),
    ("海外ローミングの設定方法",
     "渡航前にローミングを有効にしてください。現地でデータ通信ができない場合は、"
     "モバイルデータ通信とデータローミングがオンになっているか確認します。",
     ["海外ローミング", "ろーみんぐ", "海外でデータ通信ができない"]),
    ("eSIMの再発行",
     "機種変更や初期化でeSIMが消えた場合は、会員ページからeSIMプロファイルを再発行できます。",
     ["eSIM 再発行", "ＥＳＩＭ", "esimが消えた"]),
    ("督促状が届いたお客様への対応",
     "督促状はお支払い期限から14日を過ぎると自動で送付されます。入金済みの場合は行き違いを詫び、"
     "入金日を確認して請求担当へ連絡してください。",
     ["督促", "督促状が届いた", "入金したのに督促"]),
    ("マイナンバーカードでの本人確認",
     "オンライン本人確認ではマイナンバーカードのICチップを読み取ります。"
     "読み取りに失敗する場合はカードをスマートフォンの背面中央に当て直してください。",
     ["マイナンバー", "ICチップ 読み取れない", "まいなんばー"]),
    ("解約時の端末代金の残債",
     "解約後も端末代金の分割払いは継続します。一括精算を希望される場合は請求担当へ連絡します。",
     ["残債", "解約 端末代金", "一括精算", "退会 端末代金", "キャンセル時の残債"]),
    ("置き配の指定と盗難時の対応",
     "置き配は玄関前・宅配ボックスから選べます。置き配後の盗難は物流センターが調査します。",
     ["置き配", "置き配 盗難"]),
    ("領収書の宛名を変更したい",
     "領収書の宛名は発行前であれば会員ページで変更できます。発行後は再発行扱いになります。",
     ["領収書 宛名", "宛名を変えたい", "レシートの宛名"]),
    ("Refund to a foreign credit card",
     "Refunds to cards issued abroad take up to 10 business days; exchange differences are not "
     "covered.",
     ["refund foreign card", "REFUND"]),
    ("ポイントの有効期限が切れた",
     "失効したポイントは原則として復元できません。システム障害による失効のみ技術チームが対応します。",
     ["ポイント 失効", "有効期限切れ"]),
    ("停電後にエアコンが動かない",
     "停電復旧後はブレーカーを一度切って入れ直し、リモコンの電池も確認してください。",
     ["停電", "停電 エアコン", "ブレーカー", "停電でエアコンが壊れた", "エアコン 故障 停電"]),
    ("冷蔵庫の霜取り",
     "霜が厚くなった場合は電源を切り、扉を開けて自然解凍してください。",
     ["霜取り", "冷蔵庫 霜", "霜"]),
    ("洗濯機の排水エラー",
     "排水エラーが出た場合は排水フィルターの糸くずを取り除き、排水ホースの折れを確認します。",
     ["排水エラー", "洗濯機 排水", "糸くずフィルター"]),
    ("名義人が亡くなった場合の手続き",
     "契約者死亡による解約または承継には、死亡の事実がわかる書類と承継者の本人確認書類が必要です。",
     ["契約者 死亡", "承継", "名義人死亡で退会したい"]),
    ("迷惑メールフィルターで確認メールが届かない",
     "確認メールが届かない場合は迷惑メールフォルダと受信拒否設定を確認してください。",
     ["迷惑メール", "確認メールが届かない"]),
    ("会員サイトにログインできない",
     "パスワードを5回続けて間違えるとアカウントが30分ロックされます。時間をおいて再度お試しください。",
     ["サインインできない", "ログイン ロック"]),
    ("返金の振込時期",
     "返金は手続き完了から7営業日以内に、登録済みの口座へ振り込みます。",
     ["払い戻しはいつ", "返金 振込"]),
]  # fmt: skip
BY_SYNONYM = {
    "退会 端末代金", "キャンセル時の残債", "レシートの宛名", "停電でエアコンが壊れた",
    "エアコン 故障 停電", "名義人死亡で退会したい", "サインインできない", "払い戻しはいつ",
}  # fmt: skip

PRODUCTS = ["スマートフォン", "ルーター", "冷蔵庫", "洗濯機", "エアコン", "会員カード"]
TOPICS = ["解約", "退会", "キャンセル", "返金", "ログイン", "故障", "配送", "請求額", "ポイント"]
SENTENCES = [
    "{product}の{topic}は会員ページから受け付けています。",
    "{topic}には本人確認書類が必要です。",
    "お客様が{topic}を希望された場合はSVチームへエスカレーションしてください。",
    "{topic}の完了までに3営業日ほどかかります。",
]


def distractors():
    for number, (product, topic) in enumerate(itertools.product(PRODUCTS, TOPICS)):
        body = "".join(
            sentence.format(product=product, topic=TOPICS[(number + shift) % len(TOPICS)])
            for shift, sentence in enumerate(SENTENCES)
        )
        yield f"{product}の{topic}について", body


@pytest.fixture
def labelled_set(publish, manager):
    for terms in SYNONYMS:
        synonym_group_save(group=SynonymGroup(terms=terms), actor=manager)
    for title, body in distractors():
        publish(title, body)
    return {publish(title, body).pk: queries for title, body, queries in LABELLED}


def test_the_labelled_set_is_large_and_has_synonym_queries():
    queries = [query for _title, _body, queries in LABELLED for query in queries]
    assert len(queries) >= 39
    assert set(queries) >= BY_SYNONYM
    assert len(list(distractors())) == 54


def test_every_labelled_query_finds_its_article_in_the_first_five(labelled_set, operator):
    missed = [
        query
        for article, queries in labelled_set.items()
        for query in queries
        if article
        not in [hit.pk for hit in search(query, user=operator, limit=5, include_cases=False)]
    ]
    total = sum(len(queries) for queries in labelled_set.values())

    assert missed == [], f"recall@5 {total - len(missed)}/{total}"
