"""Changes made after the last review of one escalation rule and one team contact list (both
overdue), so that their review pages show a diff on the first run: the complaint rule's guidance
and review owner, the technical support team's phone number and a new member."""

from __future__ import annotations

from accounts.models import Team, User
from demo import clock
from escalations.models import EscalationRule
from kit.audit import audit, audited_save

REASON = "load_demo_data: edited after the last review"
RULE_INDEX = 1  # the complaint rule (content.RULES), reviewed 100 days ago
TEAM = "技術サポート"  # reviewed 104 days ago


def change_after_reviews(
    users: dict[str, User], teams: dict[str, Team], rules: list[EscalationRule]
) -> None:
    rule, team = rules[RULE_INDEX], teams[TEAM]
    editor = users["supervisor"]
    with clock.at(clock.days_ago(60)):
        rule.guidance += "夜間・休日は内線209（当番SV）へ。"
        audited_save(rule, actor=editor, reason=REASON)
    with clock.at(clock.days_ago(25)):
        rule.review_owner = users["supervisor3"]
        audited_save(rule, actor=editor, reason=REASON)
    with clock.at(clock.days_ago(50)):
        team.phone = "03-5555-0301"
        audited_save(team, actor=users["admin"], reason=REASON)
    with clock.at(clock.days_ago(20)):
        audit(team, actor=users["admin"], reason=REASON)
        team.members.add(users["developer"])
