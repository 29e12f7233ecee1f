"""The demo's content: the request categories, the escalation matrix with its guidance and
review dates (some overdue, some due soon), and about 100 customers (people with furigana in
katakana and mobile or landline numbers written as Japanese people write them, and companies).
Plain Japanese text on purpose: this is data, not user interface."""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

from simple_history.utils import bulk_create_with_history

from accounts.models import Team, User
from demo import clock, names
from demo.organisation import REASON, REVIEWER, audited
from escalations.models import Category, Customer, EscalationRule
from escalations.models import Reason as R
from escalations.priority import Priority
from reports.services import review_record

# name, description, weight, first-hop reasons, further hops possible (L2 -> L3 -> L4)
CATEGORIES = [
    (
        "返品・交換",
        "初期不良・誤配送・イメージ違いなどの返品と交換",
        15,
        [R.BEYOND_AUTHORITY, R.KNOWLEDGE_GAP, R.OTHER],
        False,
    ),
    (
        "請求・料金",
        "請求額・二重請求・延滞料金・領収書",
        18,
        [R.BEYOND_AUTHORITY, R.KNOWLEDGE_GAP, R.TECHNICAL_FAULT],
        True,
    ),
    (
        "故障・不具合",
        "製品の故障、アプリ・接続の不具合、製品安全",
        18,
        [R.TECHNICAL_FAULT, R.TECHNICAL_FAULT, R.KNOWLEDGE_GAP],
        True,
    ),
    (
        "解約",
        "解約手続き、違約金、契約者のご逝去",
        8,
        [R.BEYOND_AUTHORITY, R.BEYOND_AUTHORITY, R.SUPERIOR_REQUESTED, R.COMPLIANCE],
        False,
    ),
    (
        "クレーム",
        "応対・品質へのご不満、責任者対応のご要望",
        10,
        [R.COMPLAINT, R.COMPLAINT, R.SUPERIOR_REQUESTED],
        False,
    ),
    ("契約変更", "プラン・名義・支払方法の変更", 10, [R.KNOWLEDGE_GAP, R.COMPLIANCE], False),
    (
        "配送",
        "未着・破損・配達日時の変更",
        12,
        [R.KNOWLEDGE_GAP, R.OTHER, R.BEYOND_AUTHORITY],
        False,
    ),
    (
        "ログイン・アカウント",
        "パスワード再設定、ロック、不正ログインの疑い",
        9,
        [R.TECHNICAL_FAULT, R.COMPLIANCE, R.KNOWLEDGE_GAP],
        True,
    ),
]


class RuleRow(NamedTuple):
    """One row of the escalation matrix; an empty category, priority or reason means any."""

    team: str
    guidance: str
    category: str | None = None
    priority: int | None = None
    reason: str = ""
    person: str | None = None  # the person named (their delegate takes it while they are absent)


# The most specific matching rule above the case's tier wins; on a tie, the lowest tier. So a
# technical fault on a product goes straight to L3, and the generic rows lead one tier up each.
RULES = [
    RuleRow(
        "SVチーム",
        "一次対応で回答・判断できないときは、お客様を5分以上お待たせする前にSVへ。"
        "内線200でSVに一報し、引き継ぎ欄に「お客様のご要望」「実施済みの対応」"
        "「お客様のご様子」を必ず書く。お客様には「担当部署で確認のうえ、本日中に折り返します」"
        "とお伝えする。",
    ),
    RuleRow(
        "SVチーム",
        "お話を遮らず最後まで伺い、ご不快な思いをさせたことをまずお詫びする。"
        "「上の者を出せ」と言われたら無理に引き止めず、内線201（クレーム担当SV）へ。"
        "引き継ぎにはお客様の言葉をそのまま書き、推測は書かない。",
        category="クレーム",
        person="supervisor2",
    ),
    RuleRow(
        "SVチーム",
        "P1（影響大・緊急）は保留にせず、その場で内線200でSVを呼ぶ。"
        "SVが出ないときは管理職の内線500へ。エスカレーション後も通話はつないだまま待つ。",
        priority=Priority.P1,
    ),
    RuleRow(
        "SVチーム",
        "違約金の免除・減額、解約日の遡りは一次対応で約束しない。プラン変更のご提案を一度したうえで、"
        "お客様の事情（転勤・入院・ご逝去など）と証明書類の有無を引き継ぎに書き、内線200でSVへ。",
        category="解約",
        reason=R.BEYOND_AUTHORITY,
    ),
    RuleRow(
        "技術サポート",
        "取扱説明書の基本手順（再起動・リセット・別ケーブル）で直らなければ、SVを通さず技術サポートへ。"
        "製品名・購入日・シリアル番号・エラーコード・試した手順を引き継ぎに書く。"
        "発煙・異臭・発熱は使用中止をご案内してから、すぐに内線300へ。",
        category="故障・不具合",
        reason=R.TECHNICAL_FAULT,
    ),
    RuleRow(
        "技術サポート",
        "SVで回答できない技術的な質問・システムの挙動は技術サポートへ。再現手順、発生日時、"
        "お客様の環境（端末・OS・アプリのバージョン）を引き継ぎに書く。回答の目安は翌営業日。",
    ),
    RuleRow(
        "開発",
        "ログイン・認証の障害が疑われるとき（再設定メールが届かない、ロックが解除できない）は開発へ。"
        "会員ID、発生日時、表示されたエラーメッセージを書く。"
        "同じ入電が続くときは内線310で開発リーダーに一報。",
        category="ログイン・アカウント",
        reason=R.TECHNICAL_FAULT,
    ),
    RuleRow(
        "開発",
        "二重請求・請求額の計算誤りなど、システム起因が疑われるときは開発へ。"
        "請求月、決済番号、明細の金額を引き継ぎに書く。返金はお約束しない。",
        category="請求・料金",
        reason=R.TECHNICAL_FAULT,
    ),
    RuleRow(
        "ベンダー窓口",
        "技術サポートで解決できないハードウェア故障・製品事故の疑いはメーカー（ベンダー窓口）へ。"
        "シリアル番号、症状、技術サポートでの切り分け結果を添える。製品事故の疑いは当日中に連絡する。",
        category="故障・不具合",
        reason=R.TECHNICAL_FAULT,
    ),
    RuleRow(
        "ベンダー窓口",
        "社内で解決できない外部サービス（決済代行・配送業者・メーカー）起因の問題はベンダー窓口へ。"
        "ベンダーの問い合わせ番号を必ず案件に記録する。",
    ),
]


# When each rule of RULES was last reviewed (days ago); the next review is 90 days later, so
# past 90 days it is overdue and from 60 days on it is due within 30 days.
RULES_REVIEWED_DAYS_AGO = [20, 100, 35, 80, 10, 95, 45, 70, 120, 15]
REVIEW_PERIOD = dt.timedelta(days=90)


def load_categories(admin: User) -> dict[str, Category]:
    names_ = [row[0] for row in CATEGORIES]
    categories = {c.name: c for c in Category.objects.filter(name__in=names_)}
    for order, (name, description, *_rest) in enumerate(CATEGORIES, start=1):
        if name not in categories:
            category = Category(name=name, description=description, sort_order=order * 10)
            audited(category, admin).save()
            categories[name] = category
    return categories


def load_rules(
    users: dict[str, User], teams: dict[str, Team], categories: dict[str, Category]
) -> list[EscalationRule]:
    rules = []
    for row in RULES:
        team = teams[row.team]
        rule = EscalationRule(
            category=categories[row.category] if row.category else None,
            priority=row.priority,
            reason=row.reason,
            target_tier=team.tier,
            target_team=team,
            target_user=users[row.person] if row.person else None,
            guidance=row.guidance,
            review_owner=users["supervisor"],
        )
        rule.clean()
        audited(rule, users["admin"]).save()
        rules.append(rule)
    return rules


def review_rules(users: dict[str, User], rules: list[EscalationRule]) -> None:
    """Each rule was last reviewed some days ago, through the review service at that time."""
    for rule, days in zip(rules, RULES_REVIEWED_DAYS_AGO, strict=True):
        with clock.at(clock.days_ago(days)):
            review_record(
                actor=users[REVIEWER],
                rule=rule,
                comment="対象チーム・担当者・案内文を確認",
                period=REVIEW_PERIOD,
            )


def load_customers(rng: random.Random, admin: User, when: dt.datetime) -> list[Customer]:
    people = rng.sample([(f, g) for f in names.FAMILY for g in names.GIVEN], 95)
    customers = []
    for index, ((family, kana_f, roman_f), (given, kana_g, roman_g)) in enumerate(people):
        email = ""
        if rng.random() < 0.6:
            domain = rng.choice(["example.com", "example.net", "example.org"])
            email = f"{roman_g}.{roman_f}{rng.randint(1, 99)}@{domain}"
        customers.append(
            Customer(
                name=f"{family} {given}",
                furigana=f"{kana_f} {kana_g}",
                phone=phone(rng),
                email=email,
                external_id=_crm_id(rng, index),
            )
        )
    for index, (name, kana, slug) in enumerate(names.COMPANIES, start=len(customers)):
        customers.append(
            Customer(
                name=name,
                furigana=kana,
                phone=phone(rng, landline=True),
                email=f"info@{slug}.example.com",
                external_id=_crm_id(rng, index),
            )
        )
    for customer in customers:
        customer.set_lookup_keys()
    return bulk_create_with_history(
        customers, Customer, default_user=admin, default_change_reason=REASON, default_date=when
    )


def phone(rng: random.Random, *, landline: bool = False) -> str:
    """``090-1234-5678`` (mobile), ``03-1234-5678`` (Tokyo), ``045-123-4567`` (Yokohama)."""
    prefix = rng.choice(["03", "06", "045", "052"] + ([] if landline else ["090", "080"] * 2))
    if prefix in ("045", "052"):
        return f"{prefix}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
    return f"{prefix}-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}"


def _crm_id(rng: random.Random, index: int) -> str | None:
    if rng.random() < 0.25:
        return None
    return f"CRM-{104200 + index * 13 + rng.randint(0, 12):06d}"
