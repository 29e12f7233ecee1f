"""Benchmark of the knowledge search on PostgreSQL (run by hand; figures go to bench/README.md).

    .venv/bin/python bench/knowledge_search.py --articles 100000 \
        --server postgres://postgres@127.0.0.1:5433/postgres \
        --restart "pg_ctlcluster --skip-systemctl-redirect 15 bench restart"

Creates its own database on the server of ``--server`` (``LC_CTYPE`` and ``LC_COLLATE`` C: the
search must not depend on the locale), ``--db`` (dropped first) or by default one of this run's
own (``esc_knowledge_bench_<hex>``: two runs never collide), and claims an empty Redis database
for the broker (``api_bench.run_state``, flushed at the end, also on failure), migrates it, then:

1. generates ``--articles`` published Japanese articles from a vocabulary of products, topics,
   symptoms and templates (seeded, reproducible), plus the hand-written articles of the labelled
   set below, hidden among them, and the synonym dictionary of ``SYNONYMS``;
2. loads them in bulk: articles with ``bulk_create``, the documents and the packed postings
   (computed by the same ``knowledge.indexing.weighted_grams`` and ``knowledge.postings.build``
   the services and the migration use) with COPY, then ``VACUUM ANALYZE``;
3. cold: runs ``--restart`` (a command that restarts the PostgreSQL server; run as root it also
   drops the OS page cache when permitted), empties this process's cache (synonyms, document
   frequencies), reconnects and runs the labelled queries and ``--queries`` generated ones
   through ``knowledge.search.search`` (the function the admin calls), each once;
4. warm: the same queries again; then the floor: reading 50 documents by primary key (what any
   search must do to show its results), cold (after another restart) and warm;
5. reports p50/p95/max latency of each pass, recall@5 on the labelled set and the size of the
   index, and drops the database, also on failure (``--keep`` keeps it for ``--reuse --db``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (the run's own database and Redis db, dropped at the end)

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

# The synonym dictionary of the run (kept in the admin in real life), and labelled queries that
# find their article only through it.
SYNONYMS = [
    "解約、退会、キャンセル",
    "返金、払い戻し",
    "故障、壊れた、動かない",
    "ログイン、サインイン",
]
LABELLED_BY_SYNONYM = [
    ("停電後にエアコンが動かない", ["停電 エアコン 壊れた", "停電でエアコン故障"]),
    ("名義人が亡くなった場合の手続き", ["名義人死亡 退会"]),
    ("解約時の端末代金の残債", ["キャンセル時の残債"]),
]

Q_WORDS = [*TOPICS, *PRODUCTS, *SYMPTOMS]


def setup(*, server: str, db: str, reuse: bool) -> None:
    import psycopg

    base, _slash, _name = server.rpartition("/")
    if not reuse:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
            admin.execute(
                f"CREATE DATABASE \"{db}\" TEMPLATE template0 ENCODING 'UTF8'"
                " LC_COLLATE 'C' LC_CTYPE 'C'"
            )
    os.environ["DATABASE_URL"] = f"{base}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL.")
    call_command("migrate", verbosity=0)


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
    from knowledge import postings
    from knowledge.indexing import weighted_grams
    from knowledge.models import Article, ArticleStatus, DocumentKind, SynonymGroup
    from knowledge.synonyms import synonym_group_save

    timings: dict[str, float] = {}
    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"is_staff": True})
    for terms in SYNONYMS:
        synonym_group_save(group=SynonymGroup(terms=terms), actor=owner, reason="bench")
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
    count = 0
    with connection.cursor() as cursor:
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
        documents = []
        with cursor.connection.cursor().copy(
            "COPY knowledge_searchdocument (id, kind, article_id, case_id, title, body, answer,"
            " review_due, freshness) FROM STDIN"
        ) as copy_docs:
            for offset, (pk, title, body, tags, review_due, reviewed_at) in enumerate(rows):
                doc_id = first + offset
                copy_docs.write_row(
                    (doc_id, DocumentKind.ARTICLE, pk, None, title, f"{body}\n{tags}", "",
                     review_due, reviewed_at)
                )  # fmt: skip
                documents.append((doc_id, title, f"{body}\n{tags}"))
        timings["documents (COPY)"] = time.perf_counter() - started
        started = time.perf_counter()
        with cursor.connection.cursor().copy(
            "COPY knowledge_searchposting (kind, gram, block, count, documents, titles) FROM STDIN"
        ) as copy_postings:
            weighted = ((d, weighted_grams(t, b)) for d, t, b in documents)
            for gram, block, n, packed, titles in postings.build(weighted):
                copy_postings.write_row((DocumentKind.ARTICLE, gram, block, n, packed, titles))
                count += n
        timings["packed postings (computed and COPY)"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE knowledge_searchposting")
        cursor.execute("VACUUM ANALYZE knowledge_searchdocument")
        cursor.execute("VACUUM ANALYZE knowledge_article")
    timings["VACUUM ANALYZE"] = time.perf_counter() - started
    timings["postings"] = count
    return ids, timings


def sizes() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid),
                   coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)
            FROM pg_class c
            WHERE c.relname IN ('knowledge_searchposting', 'knowledge_searchposting_pkey',
                                'knowledge_searchdocument', 'knowledge_article')
            ORDER BY c.relname
            """
        )
        return [
            (
                name,
                f"{total / 2**20:.1f} MB (alone {alone / 2**20:.1f} MB,"
                f" TOAST {toast / 2**20:.1f} MB)",
            )
            for name, total, alone, toast in cursor
        ]


def restart(command: str) -> str:
    """Restart the server (``command``), drop the OS page cache if permitted; reconnect."""
    from django.core.cache import cache
    from django.db import connections

    connections.close_all()
    subprocess.run(command, shell=True, check=True)
    try:
        subprocess.run("sync", check=True)
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        dropped = "page cache dropped"
    except OSError as exc:
        dropped = f"page cache NOT dropped ({exc.strerror})"
    cache.clear()
    for _attempt in range(50):
        try:
            connections["default"].ensure_connection()
            break
        except Exception:
            time.sleep(0.2)
    return dropped


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (from /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(queries: list[str], user) -> tuple[list[tuple[float, list[int]]], list[float], float]:
    """Each query once: (wall ms, hits) per query, this process's CPU ms per query, and the
    PostgreSQL backend's CPU ms per query on average."""
    from knowledge.search import search

    timed, cpu = [], []
    backend = backend_cpu()
    for query in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        hits = search(query, user=user, limit=5, include_cases=False)
        timed.append(((time.perf_counter() - t0) * 1000, [hit.pk for hit in hits]))
        cpu.append((time.process_time() - c0) * 1000)
    return timed, cpu, (backend_cpu() - backend) * 1000 / len(queries)


def floor(documents: list[list[int]]) -> list[float]:
    """Reading 50 documents by primary key, as many times as there are queries."""
    from knowledge.models import SearchDocument

    timed = []
    for ids in documents:
        t0 = time.perf_counter()
        list(SearchDocument.objects.filter(pk__in=ids))
        timed.append((time.perf_counter() - t0) * 1000)
    return timed


def figures(latencies: list[float]) -> str:
    return (
        f"p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 95):.1f} ms,"
        f" max {max(latencies):.1f} ms"
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(round(p / 100 * (len(ordered) - 1))), len(ordered) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--server",
        default="postgres://postgres@127.0.0.1:5433/postgres",
        help="a connection to the server's maintenance database (the run makes its own)",
    )
    parser.add_argument(
        "--db", help="its name (default: one of this run's own, esc_knowledge_bench_<hex>)"
    )
    parser.add_argument(
        "--restart", default="", help="a shell command restarting that server (cold runs)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database for --reuse")
    parser.add_argument("--budget", type=int, help="experiment: knowledge.search.POSTINGS_BUDGET")
    parser.add_argument("--candidates", type=int, help="experiment: knowledge.search.CANDIDATES")
    parser.add_argument(
        "--reuse", action="store_true", help="search the articles loaded by a kept run"
    )
    args = parser.parse_args()
    if args.reuse and not args.db:
        parser.error("--reuse needs --db (the database a run kept with --keep)")
    with api_bench.run_state(
        args.db,
        prefix="esc_knowledge_bench",
        keep=args.keep,
        server=args.server,
        shared_cache=False,
    ) as state:
        args.db = state.database
        setup(server=args.server, db=args.db, reuse=args.reuse)
        from knowledge import search

        search.POSTINGS_BUDGET = args.budget or search.POSTINGS_BUDGET
        search.CANDIDATES = args.candidates or search.CANDIDATES
        measure(args)


def measure(args) -> None:
    from django.db import connection

    from accounts.models import User
    from knowledge.models import Article, SearchDocument

    rng = random.Random(2026)
    generated = generate(args.articles - len(LABELLED), rng)
    positions = sorted(rng.sample(range(len(generated) + len(LABELLED)), len(LABELLED)))
    articles = list(generated)
    for position, (title, body, _queries) in zip(positions, LABELLED, strict=True):
        articles.insert(position, (title, body))

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
    labelled += [(q, expected[title]) for title, queries in LABELLED_BY_SYNONYM for q in queries]
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
    queries = [query for query, _article in labelled] + generated_queries
    document_ids = list(SearchDocument.objects.values_list("pk", flat=True))
    samples = [random.Random(n).sample(document_ids, 50) for n in range(len(queries))]

    print(f"PostgreSQL {connection.pg_version}, {len(articles):,} articles, database {args.db}"
          f" (LC_CTYPE {connection.cursor().execute('SHOW lc_ctype').fetchone()[0]})")  # fmt: skip
    for name, value in timings.items():
        print(f"  load: {name}: {value:,.1f}{'' if name == 'postings' else ' s'}")
    if total_load:
        print(f"  load total: {total_load:.1f} s")
    passes = []
    if args.restart:
        dropped = restart(args.restart)
        passes.append((f"cold, right after a restart ({dropped})", run(queries, user)))
    passes.append(("warm", run(queries, user)))
    for name, (timed, cpu, backend) in passes:
        latencies = [ms for ms, _hits in timed]
        slowest = max(zip(latencies, queries, strict=True))
        print(f"  search {name}: {len(latencies)} queries, {figures(latencies)}"
              f" (slowest {slowest[1]!r} {slowest[0]:.1f} ms)")  # fmt: skip
        print(f"    CPU of this process per query: {figures(cpu)};"
              f" of the PostgreSQL backend: {backend:.1f} ms per query on average")  # fmt: skip
    found, misses = 0, []
    for (query, article_id), (_ms, hits) in zip(labelled, passes[-1][1][0], strict=False):
        if article_id in hits:
            found += 1
        else:
            misses.append(query)
    by_synonym = sum(len(q) for _t, q in LABELLED_BY_SYNONYM)
    print(f"  recall@5 on the labelled set: {found}/{len(labelled)}"
          f" ({by_synonym} of them through synonyms)")  # fmt: skip
    for query in misses:
        print(f"    missed {query!r}")
    if args.restart:
        dropped = restart(args.restart)
        print(f"  floor, 50 documents by primary key, cold ({dropped}): {figures(floor(samples))}")
    print(f"  floor, 50 documents by primary key, warm: {figures(floor(samples))}")
    for name, size in sizes():
        print(f"  size {name}: {size}")


if __name__ == "__main__":
    main()
