"""The demo organisation: one login per role, the teams of every tier with their leads, an
absent supervisor with a delegate, and the teams' contact-list reviews (one overdue, one due
soon). Plain Japanese text on purpose: this is data, not user interface."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.models import Team, Tier, User
from accounts.roles import ROLES
from demo import clock
from reports.services import review_record

PASSWORD = "demo-pass-2026"
REASON = "load_demo_data"  # the change reason of the rows the demo writes itself

# username, role, display name, furigana (katakana, as CTI and the CRM send it), extension,
# delegate (while absent)
USERS = [
    ("admin", "administrator", "井上 明", "イノウエ アキラ", "900", None),
    ("manager", "manager", "松本 浩二", "マツモト コウジ", "500", None),
    ("operator", "operator", "佐藤 美咲", "サトウ ミサキ", "1101", None),
    ("operator2", "operator", "鈴木 健太", "スズキ ケンタ", "1102", None),
    ("operator3", "operator", "高橋 彩", "タカハシ アヤ", "1103", None),
    ("operator4", "operator", "田中 翔太", "タナカ ショウタ", "1201", None),
    ("operator5", "operator", "伊藤 さくら", "イトウ サクラ", "1202", None),
    ("operator6", "operator", "渡辺 大輔", "ワタナベ ダイスケ", "1203", None),
    ("supervisor", "supervisor", "山本 直樹", "ヤマモト ナオキ", "200", None),
    ("supervisor2", "supervisor", "中村 由美", "ナカムラ ユミ", "201", "supervisor"),
    ("supervisor3", "supervisor", "小林 誠", "コバヤシ マコト", "202", None),
    ("specialist", "specialist", "加藤 拓也", "カトウ タクヤ", "300", None),
    ("specialist2", "specialist", "吉田 恵", "ヨシダ メグミ", "301", None),
    ("developer", "specialist", "山田 修", "ヤマダ オサム", "310", None),
    ("vendor", "specialist", "佐々木 隆", "ササキ タカシ", "400", None),
]
ABSENT = {"supervisor2"}
OPERATORS = ["operator", "operator2", "operator3", "operator4", "operator5", "operator6"]
REVIEWER = "manager"  # records the reviews of rules and teams (reports.add_review)

# name, tier, lead, members, email, phone, last review (days ago; the next is 90 days later)
TEAMS = [
    ("一次対応A", Tier.L1, "operator", OPERATORS[:3], "l1-a@example.com", "03-5555-0110", 20),
    ("一次対応B", Tier.L1, "operator4", OPERATORS[3:], "l1-b@example.com", "03-5555-0120", 75),
    (
        "SVチーム",
        Tier.L2,
        "supervisor",
        ["supervisor", "supervisor2", "supervisor3"],
        "sv@example.com",
        "03-5555-0200",
        40,
    ),
    (
        "技術サポート",
        Tier.L3,
        "specialist",
        ["specialist", "specialist2"],
        "tech@example.com",
        "03-5555-0300",
        104,
    ),
    ("開発", Tier.L3, "developer", ["developer"], "dev@example.com", "03-5555-0310", 30),
    ("ベンダー窓口", Tier.L4, "vendor", ["vendor"], "vendor-desk@example.com", "0120-555-400", 12),
]


def audited(obj, actor: User | None):
    obj._history_user = actor
    obj._change_reason = REASON
    return obj


def load_people() -> dict[str, User]:
    """Everyone, with their role; the absent supervisor names her delegate."""
    groups = {group.name: group for group in Group.objects.filter(name__in=list(ROLES))}
    if set(groups) != set(ROLES):
        raise CommandError(_("The roles are missing: run “manage.py migrate” first."))
    hashed = make_password(PASSWORD)  # hashed once: the same demo password for everyone
    users: dict[str, User] = {}
    for username, role, name, furigana, extension, delegate in USERS:
        family, given = name.split(" ")
        user = User(
            username=username,
            password=hashed,
            display_name=name,
            furigana=furigana,
            last_name=family,
            first_name=given,
            extension=extension,
            email=f"{username}@example.com",
            is_staff=True,
            is_superuser=username == "admin",
            is_absent=username in ABSENT,
            delegate=users.get(delegate) if delegate else None,
        )
        audited(user, users.get("admin")).save()
        user.groups.add(groups[role])
        users[username] = user
    return users


# Where an escalation goes when no rule matches: the tier's default team. L3 has none on
# purpose, so the flow page shows what a missing default looks like.
DEFAULT_TEAMS = {"SVチーム", "ベンダー窓口"}


def load_teams(users: dict[str, User]) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for name, tier, lead, members, email, phone, _reviewed in TEAMS:
        team = Team(
            name=name,
            tier=tier,
            is_tier_default=name in DEFAULT_TEAMS,
            lead=users[lead],
            email=email,
            phone=phone,
            review_owner=users[lead],
        )
        audited(team, users["admin"]).save()
        team.members.add(*(users[username] for username in members))
        teams[name] = team
    return teams


def review_teams(users: dict[str, User], teams: dict[str, Team]) -> None:
    """Each team's contact list was last reviewed some days ago (through the review service,
    at that time): past 90 days the review is overdue, within 30 days of it due."""
    for name, *_rest, reviewed_days_ago in TEAMS:
        with clock.at(clock.days_ago(reviewed_days_ago)):
            review_record(
                actor=users[REVIEWER],
                team=teams[name],
                comment="連絡先・内線・在籍メンバーを確認",
                period=dt.timedelta(days=90),
            )


def present_members(teams: dict[str, Team]) -> dict[int, list[User]]:
    """Team id -> its members who are not absent (who acts for a team's queue)."""
    return {
        team.pk: [user for user in team.members.all() if not user.is_absent]
        for team in teams.values()
    }
