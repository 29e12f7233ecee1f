"""The every-minute check decides a few new hops against 30 days of answers: those few are
compared with every answer of their category one by one instead of through the prefix filter's
index (built over every answer: seconds each minute at 1,000,000 cases). Both ways find the same
repeats, the same earlier answer and the same similarity, at any threshold, on random handoffs
(no database: the hops are plain rows)."""

import datetime as dt
import random

import pytest

from knowledge.repeats import _Case, _Hop, find_repeats

START = dt.datetime(2026, 6, 8, 10, tzinfo=dt.UTC)
WANTS = [
    "解約したのに月額料金が引き落とされた",
    "請求額が先月より高い",
    "注文した商品が届かない",
    "ログインできない",
    "パスワード再設定のメールが来ない",
    "ポイントが付与されていない",
    "商品が壊れていた",
    "配送先を変更したい",
    "クーポンが使えない",
    "二重に請求されている",
]
ASKS = [
    "返金してほしい",
    "至急対応してほしい",
    "理由を説明してほしい",
    "交換してほしい",
    "手数料を免除してほしい",
    "解約したい",
    "折り返し電話がほしい",
    "",
]
MORE = ["", "", "先週も電話した", "法人契約", "アプリから", "SNSに書くと言っている"]


def hops(seed: int, n: int) -> list[_Hop]:
    rng = random.Random(seed)
    made = []
    for pk in range(1, n + 1):
        requested = START + dt.timedelta(minutes=rng.randrange(60 * 24 * 60))
        answered = requested + dt.timedelta(minutes=rng.randrange(1, 600))
        wants = "。".join(p for p in (rng.choice(WANTS), rng.choice(ASKS), rng.choice(MORE)) if p)
        made.append(
            _Hop(
                pk,
                rng.randrange(n // 2),  # some hops share a case
                _Case(rng.randrange(3)),
                wants,
                requested,
                answered if rng.random() < 0.6 else None,
            )
        )
    return made


@pytest.mark.parametrize("threshold", [0.0, 0.35, 0.6])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_ways_find_the_same_repeats(seed, threshold):
    made = hops(seed, 400)
    requested = sorted(made, key=lambda hop: (hop.requested_at, hop.pk))
    answered = sorted(
        (hop for hop in made if hop.answered_at), key=lambda hop: (hop.answered_at, hop.pk)
    )

    def found(compare_all_up_to: int) -> list[tuple]:
        return [
            (r.escalation.pk, r.earlier.pk, r.similarity)
            for r in find_repeats(
                requested,
                answered,
                synonyms={},
                threshold=threshold,
                compare_all_up_to=compare_all_up_to,
            )
        ]

    one_by_one, indexed = found(10**12), found(0)
    assert one_by_one == indexed
    assert len(indexed) > 20  # there is something to compare
