"""The matching step of the repeat escalations figure (``knowledge.repeats.find_repeats``) on
synthetic handoffs, without a database: what the dashboard computes in Python after its three
queries (run by hand; figures go to bench/README.md).

    .venv/bin/python bench/repeat_escalations.py --sizes 2000 10000 30000

Each size is that many L1 escalations in the period against as many answered ones, over 60 days
in 8 categories; each handoff is one of 12 questions cut at a random length plus three random
words of a call centre's vocabulary (seeded, reproducible): far more alike than real handoffs,
so nearly every escalation is a repeat — the expensive case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from knowledge.repeats import find_repeats  # noqa: E402

QUESTIONS = [
    "先月の請求額が普段より5,000円高いので、内訳を説明してほしい",
    "クレジットカードの支払い方法を口座振替に変更したい",
    "解約したのに今月も月額料金が引き落とされたので返金してほしい",
    "届いた商品が初期不良で電源が入らないので交換してほしい",
    "購入から40日経っているが未開封なので返品できるか知りたい",
    "セール品を返品したいが返金はポイントになるのか現金になるのか",
    "パスワードを何度入力してもログインできず、アカウントがロックされた",
    "登録メールアドレスを新しいアドレスに変更したいが確認メールが届かない",
    "二段階認証用のスマートフォンを機種変更して認証コードが受け取れない",
    "注文した商品が予定日を3日過ぎても届かないので状況を確認してほしい",
    "配送先住所を注文後に引っ越し先へ変更したい",
    "不在票が入っていたが再配達の日時を夜間に指定したい",
]
VOCABULARY = [
    "請求",
    "料金",
    "返品",
    "交換",
    "配送",
    "住所",
    "変更",
    "解約",
    "契約",
    "ログイン",
    "パスワード",
    "メール",
    "商品",
    "注文",
    "確認",
    "返金",
    "支払",
    "口座",
    "クレジットカード",
    "初期不良",
    "電源",
    "再配達",
    "ポイント",
    "割引",
    "キャンペーン",
    "領収書",
    "名義",
    "法人",
    "プラン",
    "端末",
]
START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def handoffs(rng: random.Random, n: int, first_case: int) -> list[SimpleNamespace]:
    found = []
    for i in range(n):
        question = rng.choice(QUESTIONS)
        text = question[: rng.randint(8, len(question))] + "、" + "".join(rng.sample(VOCABULARY, 3))
        at = START + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        found.append(
            SimpleNamespace(
                case_id=first_case + i,
                case=SimpleNamespace(category_id=rng.randint(1, 8)),
                customer_wants=text + "について",
                requested_at=at,
                answered_at=at + dt.timedelta(hours=2),
            )
        )
    return sorted(found, key=lambda hop: hop.answered_at)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 10_000, 30_000])
    args = parser.parse_args()
    rng = random.Random(1)
    for n in args.sizes:
        answered, requested = handoffs(rng, n, 0), handoffs(rng, n, 10**9)
        start = time.process_time()
        found = find_repeats(requested, answered, synonyms={})
        seconds = time.process_time() - start
        print(f"{n:>7,} × {n:>7,} answered: {seconds:6.2f} s CPU, {len(found):,} repeats")


if __name__ == "__main__":
    main()
