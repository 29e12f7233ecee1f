"""Benchmark of the knowledge search on PostgreSQL (run by hand; figures go to bench/README.md).

    .venv/bin/python bench/knowledge_search.py --articles 100000

Uses the database of ``DATABASE_URL`` (default ``escalations_knowledge`` on the local
PostgreSQL), migrates it and empties the knowledge tables, then:

1. generates ``--articles`` published Japanese articles from a vocabulary of products, topics,
   symptoms and templates (seeded, reproducible), plus the hand-written articles of the labelled
   set below, hidden among them;
2. loads them in bulk: articles with ``bulk_create``, the index (documents and bigram postings,
   computed by the same ``knowledge.indexing.weighted_grams`` the services use) with COPY, the
   postings' primary key built after the load, then ``VACUUM ANALYZE``;
3. runs the labelled queries and ``--queries`` generated ones through ``knowledge.search.search``
   (the function the admin calls), warm, and reports p50/p95/max latency, recall@5 on the
   labelled set and the size of the index.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRODUCTS = [
    "スマートフォン", "タブレット", "ルーター", "プリンター", "冷蔵庫", "洗濯機", "エアコン",
    "掃除機", "テレビ", "カメラ", "ノートパソコン", "イヤホン", "電子レンジ", "炊飯器",
    "スマートウォッチ", "モバイルWi-Fi", "光回線", "電気プラン", "ガスプラン", "会員カード",
    "ネットショップ", "定期便", "保険プラン", "クレジットカード", "ポイントカード",
]  # fmt: skip
TOPICS = [
    "返品", "交換", "解約", "契約変更", "住所変更", "支払方法の変更", "請求書の再発行",
    "領収書の発行", "初期設定", "修理", "保証", "ポイント", "配送", "再配達", "キャンセル",
    "ログイン", "パスワード再設定", "二段階認証", "退会", "名義変更", "プラン変更", "料金",
    "割引", "クーポン", "在庫", "予約", "受付時間", "故障", "通信障害", "充電", "電源",
    "初期化", "アップデート", "データ移行", "バックアップ", "引っ越し", "口座振替",
    "コンビニ払い", "分割払い", "請求額", "日割り", "違約金", "手数料", "送料", "延長保証",
]  # fmt: skip
SYMPTOMS = [
    "電源が入らない", "画面が映らない", "異音がする", "接続できない", "動作が遅い",
    "エラーが表示される", "届かない", "金額が違う", "二重に請求された", "反映されない",
]  # fmt: skip
CHANNELS = ["会員ページ", "電話窓口", "チャット", "店頭", "郵送", "専用フォーム"]
DOCUMENTS = ["本人確認書類", "保証書", "購入時のレシート", "契約番号", "注文番号", "会員番号"]
TEAMS = ["SVチーム", "技術チーム", "請求担当", "物流センター", "契約管理課"]
TITLE_TEMPLATES = [
    "{product}の{topic}について",
    "{topic}の手順（{product}）",
    "{product}で{symptom}場合",
    "{topic}に関するよくある質問",
    "【{product}】{topic}の受付方法",
]
SENTENCES = [
    "{product}の{topic}は{channel}から受け付けています。",
    "{topic}には{document}が必要です。",
    "{days}日以内であれば{topic2}の{fee}はかかりません。",
    "{product}で{symptom}場合は、{topic2}をお試しください。",
    "お客様が{topic}を希望された場合は{team}へエスカレーションしてください。",
    "{channel}での{topic}は平日9時から18時まで対応しています。",
    "{topic}の完了までに{days}営業日ほどかかります。",
    "{document}をご用意いただくよう案内してください。",
]
FEES = ["手数料", "送料", "違約金", "事務手数料"]

# The labelled set: hand-written articles hidden among the generated ones, each with the queries
# that should find it (as operators type them: words, sentences, half-width, hiragana, English).
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
     ["残債", "解約 端末代金", "一括精算"]),
    ("置き配の指定と盗難時の対応",
     "置き配は玄関前・宅配ボックスから選べます。置き配後の盗難は物流センターが調査します。",
     ["置き配", "置き配 盗難"]),
    ("領収書の宛名を変更したい",
     "領収書の宛名は発行前であれば会員ページで変更できます。発行後は再発行扱いになります。",
     ["領収書 宛名", "宛名を変えたい"]),
    ("Refund to a foreign credit card",
     "Refunds to cards issued abroad take up to 10 business days; exchange differences are not "
     "covered.",
     ["refund foreign card", "REFUND"]),
    ("ポイントの有効期限が切れた",
     "失効したポイントは原則として復元できません。システム障害による失効のみ技術チームが対応します。",
     ["ポイント 失効", "有効期限切れ"]),
    ("停電後にエアコンが動かない",
     "停電復旧後はブレーカーを一度切って入れ直し、リモコンの電池も確認してください。",
     ["停電", "停電 エアコン", "ブレーカー"]),
    ("冷蔵庫の霜取り",
     "霜が厚くなった場合は電源を切り、扉を開けて自然解凍してください。",
     ["霜取り", "冷蔵庫 霜"]),
    ("洗濯機の排水エラー",
     "排水エラーが出た場合は排水フィルターの糸くずを取り除き、排水ホースの折れを確認します。",
     ["排水エラー", "洗濯機 排水", "糸くずフィルター"]),
    ("名義人が亡くなった場合の手続き",
     "契約者死亡による解約または承継には、死亡の事実がわかる書類と承継者の本人確認書類が必要です。",
     ["契約者 死亡", "承継", "名義人が亡くなった"]),
    ("迷惑メールフィルターで確認メールが届かない",
     "確認メールが届かない場合は迷惑メールフォルダと受信拒否設定を確認してください。",
     ["迷惑メール", "確認メールが届かない"]),
]  # fmt: skip

Q_WORDS = [*TOPICS, *PRODUCTS, *SYMPTOMS]


def setup(*, reuse: bool) -> None:
    os.environ.setdefault(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/escalations_knowledge"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL (set DATABASE_URL).")
    call_command("migrate", verbosity=0)
    if reuse:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE knowledge_searchgram, knowledge_searchdocument, knowledge_casearticle,"
            " knowledge_deflection, knowledge_article, knowledge_historicalarticle CASCADE"
        )


def generate(count: int, rng: random.Random) -> list[tuple[str, str]]:
    def fill(template: str) -> str:
        return template.format(
            product=rng.choice(PRODUCTS),
            topic=rng.choice(TOPICS),
            topic2=rng.choice(TOPICS),
            symptom=rng.choice(SYMPTOMS),
            channel=rng.choice(CHANNELS),
            document=rng.choice(DOCUMENTS),
            team=rng.choice(TEAMS),
            fee=rng.choice(FEES),
            days=rng.choice([3, 7, 8, 14, 30]),
        )

    return [
        (
            fill(rng.choice(TITLE_TEMPLATES)),
            "".join(fill(rng.choice(SENTENCES)) for _ in range(rng.randint(4, 7))),
        )
        for _ in range(count)
    ]


def load(articles: list[tuple[str, str]]) -> tuple[list[int], dict[str, float]]:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from knowledge.indexing import weighted_grams
    from knowledge.models import Article, ArticleStatus, DocumentKind

    timings: dict[str, float] = {}
    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"is_staff": True})
    now = timezone.now()
    rng = random.Random(7)
    started = time.perf_counter()
    ids: list[int] = []
    batch = 5000
    for start in range(0, len(articles), batch):
        rows = []
        for title, body in articles[start : start + batch]:
            reviewed = now - dt.timedelta(days=rng.randint(0, 400))
            rows.append(
                Article(
                    title=title,
                    body=body,
                    owner=owner,
                    status=ArticleStatus.PUBLISHED,
                    published_title=title,
                    published_body=body,
                    published_at=reviewed,
                    reviewed_at=reviewed,
                    review_due=(reviewed + dt.timedelta(days=180)).date(),
                    version=1,
                )
            )
        ids.extend(a.pk for a in Article.objects.bulk_create(rows))
    timings["articles (bulk_create)"] = time.perf_counter() - started

    started = time.perf_counter()
    postings = 0
    # Autocommit: each COPY commits by itself (deferred foreign key checks run then), so the
    # primary key can be built afterwards.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE knowledge_searchgram DROP CONSTRAINT knowledge_searchgram_pkey")
        cursor.execute("DROP INDEX IF EXISTS searchgram_document_idx")
        cursor.execute("SELECT nextval(pg_get_serial_sequence('knowledge_searchdocument', 'id'))")
        first = cursor.fetchone()[0]
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('knowledge_searchdocument', 'id'), %s)",
            [first + len(ids)],
        )
        rows = list(  # read before COPY: the connection runs no query during a COPY
            Article.objects.filter(pk__gte=min(ids))
            .order_by("pk")
            .values_list(
                "pk", "published_title", "published_body", "tags", "review_due", "reviewed_at"
            )
        )
        with cursor.connection.cursor().copy(
            "COPY knowledge_searchdocument (id, kind, article_id, case_id, title, body, answer,"
            " review_due, freshness) FROM STDIN"
        ) as copy_docs:
            documents = []
            for offset, (pk, title, body, tags, review_due, reviewed_at) in enumerate(rows):
                doc_id = first + offset
                copy_docs.write_row(
                    (doc_id, DocumentKind.ARTICLE, pk, None, title, f"{body}\n{tags}", "",
                     review_due, reviewed_at)
                )  # fmt: skip
                documents.append((doc_id, title, f"{body}\n{tags}"))
        with cursor.connection.cursor().copy(
            "COPY knowledge_searchgram (kind, gram, document_id, weight) FROM STDIN"
        ) as copy_grams:
            for doc_id, title, body in documents:
                for gram, weight in weighted_grams(title, body).items():
                    copy_grams.write_row((DocumentKind.ARTICLE, gram, doc_id, weight))
                    postings += 1
        timings["index rows (COPY)"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(
            "ALTER TABLE knowledge_searchgram ADD CONSTRAINT knowledge_searchgram_pkey"
            " PRIMARY KEY (kind, gram, document_id, weight)"
        )
        cursor.execute("CREATE INDEX searchgram_document_idx ON knowledge_searchgram (document_id)")
        timings["index build (primary key + document index)"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE knowledge_searchgram")
        cursor.execute("VACUUM ANALYZE knowledge_searchdocument")
        cursor.execute("VACUUM ANALYZE knowledge_article")
    timings["VACUUM ANALYZE"] = time.perf_counter() - started
    timings["postings"] = postings
    return ids, timings


def sizes() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid)),
                   pg_size_pretty(pg_relation_size(c.oid))
            FROM pg_class c
            WHERE c.relname IN ('knowledge_searchgram', 'knowledge_searchgram_pkey',
                                'searchgram_document_idx', 'knowledge_searchdocument',
                                'knowledge_article')
            ORDER BY c.relname
            """
        )
        return [(name, f"{total} (table or index alone: {alone})") for name, total, alone in cursor]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(round(p / 100 * (len(ordered) - 1))), len(ordered) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--reuse", action="store_true", help="search the articles loaded by a previous run"
    )
    args = parser.parse_args()

    setup(reuse=args.reuse)
    from django.db import connection

    from accounts.models import User
    from knowledge.search import search

    rng = random.Random(2026)
    generated = generate(args.articles - len(LABELLED), rng)
    positions = sorted(rng.sample(range(len(generated) + len(LABELLED)), len(LABELLED)))
    articles = list(generated)
    for position, (title, body, _queries) in zip(positions, LABELLED, strict=True):
        articles.insert(position, (title, body))
    from knowledge.models import Article

    timings: dict[str, float] = {}
    total_load = 0.0
    if not args.reuse:
        started = time.perf_counter()
        _ids, timings = load(articles)
        total_load = time.perf_counter() - started
    expected = dict(
        Article.objects.filter(title__in=[t for t, _b, _q in LABELLED]).values_list("title", "pk")
    )

    user = User.objects.get(username="bench-owner")
    user.is_superuser = True  # reads everything; cases are not part of this benchmark
    labelled = [(query, expected[title]) for title, _body, queries in LABELLED for query in queries]
    generated_queries = []
    for _ in range(args.queries):
        shape = rng.random()
        if shape < 0.4:
            generated_queries.append(rng.choice(TOPICS)[:2])  # two characters: 返品, 解約
        elif shape < 0.7:
            generated_queries.append(f"{rng.choice(PRODUCTS)} {rng.choice(TOPICS)}")
        else:
            generated_queries.append(
                f"{rng.choice(PRODUCTS)}の{rng.choice(TOPICS)}をしたいのですが{rng.choice(SYMPTOMS)}"
            )

    cold = []
    for query in generated_queries[:20]:  # cold: nothing cached yet in this process
        t0 = time.perf_counter()
        search(query, user=user, include_cases=False)
        cold.append((time.perf_counter() - t0) * 1000)
    latencies: list[float] = []
    found = 0
    misses = []
    for query, article_id in labelled:
        t0 = time.perf_counter()
        hits = search(query, user=user, limit=5, include_cases=False)
        latencies.append((time.perf_counter() - t0) * 1000)
        if article_id in [hit.pk for hit in hits]:
            found += 1
        else:
            misses.append((query, [hit.title for hit in hits]))
    slowest = ("", 0.0)
    for query in generated_queries:
        t0 = time.perf_counter()
        search(query, user=user, limit=5, include_cases=False)
        elapsed = (time.perf_counter() - t0) * 1000
        latencies.append(elapsed)
        if elapsed > slowest[1]:
            slowest = (query, elapsed)

    print(f"PostgreSQL {connection.pg_version}, {len(articles):,} articles")
    for name, value in timings.items():
        print(f"  load: {name}: {value:,.1f}{'' if name == 'postings' else ' s'}")
    if total_load:
        print(f"  load total: {total_load:.1f} s")
    print(f"  search: {len(latencies)} queries, p50 {statistics.median(latencies):.1f} ms, "
          f"p95 {percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms "
          f"(slowest: {slowest[0]!r} {slowest[1]:.1f} ms)")  # fmt: skip
    print(f"  first 20 searches of the process (frequencies not cached yet): "
          f"p50 {statistics.median(cold):.1f} ms, max {max(cold):.1f} ms")  # fmt: skip
    print(f"  recall@5 on the labelled set: {found}/{len(labelled)} = {found / len(labelled):.2f}")
    for query, titles in misses:
        print(f"    missed {query!r}: {titles}")
    for name, size in sizes():
        print(f"  size {name}: {size}")


if __name__ == "__main__":
    main()
