"""``manage.py load_demo_data``: Japanese demo data played through the real services.

The command plays 300 cases by default; these tests ask for 16 (every status still gets at least
one, and the showcase cases still climb to L4 and go through a delegate) to stay fast. The
knowledge base, the SLA policies, the live holds and callbacks and the reviews do not depend on
the number of cases.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import Team, Tier, User
from escalations.models import (
    Callback,
    CallbackStatus,
    Case,
    CaseNote,
    CaseStatus,
    Customer,
    Escalation,
    EscalationOutcome,
    EscalationRule,
    Level,
    NoteKind,
    SLAEvent,
    SLAHopTarget,
    SLAPolicy,
    SLATimer,
    TimerKind,
)
from escalations.services.sla_sweep import sla_sweep
from knowledge.models import Article, ArticleStatus, CaseArticle, RepeatCheck
from knowledge.search import search
from reports.models import Review

PASSWORD = "demo-pass-2026"
LOGINS = {  # username -> role (Group)
    "operator": "operator",
    "supervisor": "supervisor",
    "specialist": "specialist",
    "manager": "manager",
    "admin": "administrator",
}

pytestmark = pytest.mark.django_db


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [User, Team, Customer, EscalationRule, Case, CaseNote, Escalation]
    models += [Article, CaseArticle, Callback, SLAPolicy, SLATimer, Review]
    return {model.__name__: model.objects.count() for model in models} | {
        "history": Case.history.count(),
        "article history": Article.history.count(),
        "callback history": Callback.history.count(),
    }


@pytest.fixture
def demo() -> str:
    return load(cases=16, force=True)  # pytest-django runs with DEBUG off


def test_it_plays_cases_into_every_status(demo):
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert not Case.objects.filter(notes__isnull=True).exists()  # each opens with a call log
    assert not Case.history.filter(history_user__isnull=True).exists()


def test_every_role_logs_in_with_the_printed_password(demo, client):
    for username, role in LOGINS.items():
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role).exists() and user.is_staff
        assert user.display_name and user.furigana and user.extension
        assert client.login(username=username, password=PASSWORD), username
        assert any(
            line.split() == [username, "/", PASSWORD, *line.split()[3:]]
            for line in demo.splitlines()
        ), username
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="operator").is_superuser


def test_escalations_climb_to_l3_and_l4_with_handoffs_and_answers(demo):
    hops = Escalation.objects.all()
    assert hops.filter(to_tier=Tier.L3).exists() and hops.filter(to_tier=Tier.L4).exists()
    assert hops.filter(number__gte=2, from_tier__gte=Tier.L2).exists()  # escalated further
    answered = hops.filter(outcome=EscalationOutcome.ANSWERED)
    assert answered.exists() and not answered.filter(answer="").exists()
    notes = CaseNote.objects
    assert notes.filter(kind=NoteKind.HANDOFF).count() == hops.count()
    assert notes.filter(kind=NoteKind.ANSWER).count() == answered.count()
    assert notes.filter(kind=NoteKind.INTERNAL).exists()


def test_an_escalation_for_an_absent_person_goes_to_their_delegate(demo):
    rule = EscalationRule.objects.get(target_user__is_absent=True)
    absent = rule.target_user
    assert absent.delegate is not None
    hop = Escalation.objects.filter(routed_from=absent).first()
    assert hop is not None
    assert hop.to_user == absent.delegate and hop.rule == rule


def test_its_timeline_lies_in_the_past_and_in_order(demo):
    now = timezone.now()
    first = Case.objects.order_by("created_at").first()
    assert first.created_at < now - timedelta(days=14)
    assert not Case.objects.filter(created_at__gt=now).exists()
    assert not CaseNote.objects.filter(created_at__lt=F("case__created_at")).exists()
    assert not Case.history.filter(history_date__lt=F("created_at")).exists()
    assert not Escalation.objects.filter(requested_at__lt=F("case__created_at")).exists()
    assert not Escalation.objects.filter(acknowledged_at__lt=F("requested_at")).exists()
    assert not Case.objects.filter(closed_at__lt=F("resolved_at")).exists()


def test_running_it_twice_creates_nothing_new(demo, django_assert_num_queries):
    before = counts()
    with django_assert_num_queries(1):  # is the demo there? then only the logins are printed
        again = load(cases=16, force=True)
    assert counts() == before
    assert f"operator   / {PASSWORD}" in again  # the logins are printed again


def test_logins_only_prints_the_logins_and_writes_nothing():
    out = load(logins_only=True)
    assert all(f"{username} " in out for username in LOGINS) and PASSWORD in out
    assert not User.objects.exists() and not Case.objects.exists()


def test_it_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        load(cases=16)
    assert not User.objects.exists()


def test_the_demo_has_sla_policies_and_running_timers_that_are_not_all_breached(demo):
    from escalations.models import BusinessCalendar, SLAPolicy, SLATimer, TimerKind

    assert SLAPolicy.objects.filter(is_default=True).count() == 1
    assert SLAPolicy.objects.filter(categories__name="故障・不具合").exists()
    weekdays = BusinessCalendar.objects.get(always_open=False)
    assert weekdays.opening_hours.count() == 10 and weekdays.days.filter(kind="closed").exists()
    open_cases = Case.objects.exclude(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED])
    for case in open_cases:
        assert case.sla_timers.filter(kind=TimerKind.RESOLUTION, stopped_at=None).count() == 1
    for case in Case.objects.filter(status=CaseStatus.NEW):
        assert case.sla_timers.filter(kind=TimerKind.FIRST_RESPONSE).exists()
    for hop in Escalation.objects.filter(outcome=EscalationOutcome.OPEN):
        assert hop.sla_timers.filter(kind=TimerKind.ANSWER, stopped_at=None).exists()
    # the resolution clock is paused (a callback promised on such a case still runs)
    paused = SLATimer.objects.filter(
        case__status=CaseStatus.PENDING_CUSTOMER, kind=TimerKind.RESOLUTION
    )
    assert paused.exists() and not paused.filter(running_since__isnull=False).exists()
    # started "just now": no case-level target is overdue when the demo opens
    assert not SLATimer.objects.filter(
        kind=TimerKind.RESOLUTION, due_at__lt=timezone.now()
    ).exists()


KATAKANA = re.compile(r"^[\u30a0-\u30ff ]+$")  # katakana, the prolonged sound mark, spaces
PHONE = re.compile(r"^0\d{1,3}-\d{2,4}-\d{3,4}$")  # 090-1234-5678, 03-1234-5678, 0120-555-400


def test_people_and_customers_have_katakana_furigana_and_japanese_phone_numbers(demo):
    for name, furigana in [
        *User.objects.exclude(username="system").values_list("display_name", "furigana"),
        *Customer.objects.values_list("name", "furigana"),
    ]:
        assert KATAKANA.match(furigana), (name, furigana)
    phones = [*Customer.objects.values_list("phone", flat=True)]
    phones += [*Team.objects.values_list("phone", flat=True)]
    assert all(PHONE.match(phone) for phone in phones), phones
    assert any(phone.startswith(("090-", "080-")) for phone in phones)  # mobiles too


def test_the_knowledge_base_has_published_articles_and_drafts_in_review(demo):
    written = Article.objects.filter(source_escalation__isnull=True)
    published = written.filter(status=ArticleStatus.PUBLISHED)
    assert published.count() == 36
    assert written.filter(status=ArticleStatus.IN_REVIEW).count() == 3
    # reusable answers drafted their articles: in review, some published at once
    from_answers = Article.objects.filter(source_escalation__isnull=False)
    assert from_answers.filter(status=ArticleStatus.IN_REVIEW).exists()
    assert from_answers.filter(status=ArticleStatus.PUBLISHED).exists()
    answered = Escalation.objects.filter(answered_at__isnull=False)
    assert answered.filter(reusable=False).exclude(not_reusable_reason="").exists()
    assert from_answers.count() == answered.filter(reusable=True).count()
    # every escalation from L1 is decided to repeat an answered question or not, some do
    decided = RepeatCheck.objects.all()
    assert (
        decided.count()
        == Escalation.objects.filter(from_tier=1, case__category__isnull=False).count()
    )
    assert decided.filter(earlier__isnull=False).exists()
    assert not published.filter(published_body="").exists()
    assert published.filter(category__isnull=False).values("category").distinct().count() == 8
    operator = User.objects.get(username="operator")
    for query, title in [("返品", "返品・交換の受付条件"), ("ﾊﾟｽﾜｰﾄﾞ", "パスワード再設定")]:
        hits = search(query, user=operator, include_cases=False)
        assert any(hit.title.startswith(title) for hit in hits), (query, hits)
    # cases solved at L1 with an article are linked to it and counted
    assert CaseArticle.objects.exists()
    assert published.filter(solved_count__gt=0).exists()


def test_the_sla_policies_have_a_hold_acknowledgement_target_that_runs_for_a_held_customer(demo):
    assert SLAHopTarget.objects.count() == 6
    assert not SLAHopTarget.objects.filter(hold_acknowledge__isnull=True).exists()
    held = Escalation.objects.filter(on_hold_since__isnull=False)
    assert held.filter(hold_ended_at__isnull=False).count() >= 1  # ended holds in the history
    [now_on_hold] = held.filter(hold_ended_at__isnull=True)  # a customer on the line right now
    running = SLATimer.objects.filter(kind=TimerKind.HOLD_ACKNOWLEDGE, stopped_at=None)
    assert [timer.escalation_id for timer in running] == [now_on_hold.pk]
    assert running.get().due_at <= timezone.now() + timedelta(minutes=2)


def test_callbacks_are_kept_due_and_missed_and_the_first_sweep_records_the_missed(demo):
    now = timezone.now()
    promised = Callback.objects.filter(status=CallbackStatus.PROMISED)
    kept = Callback.objects.filter(status=CallbackStatus.KEPT)
    due, missed = promised.filter(due_at__gt=now), promised.filter(due_at__lt=now)
    assert kept.exists() and not kept.filter(outcome="").exists()
    assert due.count() == 3 and missed.count() == 2
    sla_sweep(now=now)
    breached = SLAEvent.objects.filter(timer__kind=TimerKind.CALLBACK, level=Level.BREACH)
    assert sorted(breached.values_list("timer__callback", flat=True)) == sorted(
        missed.values_list("pk", flat=True)
    )


def test_reviews_are_overdue_and_due_soon_for_rules_teams_and_articles(demo):
    today = timezone.localdate()
    soon = today + timedelta(days=30)
    live = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    for subjects, field in [
        (EscalationRule.objects.all(), "next_review_on"),
        (Team.objects.all(), "next_review_on"),
        (live, "review_due"),
    ]:
        assert subjects.filter(**{f"{field}__lt": today}).exists(), subjects.model
        assert subjects.filter(**{f"{field}__gte": today, f"{field}__lte": soon}).exists()
    assert Review.objects.filter(reviewed_by__username="manager").count() == 16  # 10 rules, 6 teams
    assert not EscalationRule.objects.filter(review_owner__isnull=True).exists()


def test_a_stalled_complaint_shows_its_nudge_naming_the_delegate(demo, client):
    from escalations.models import Nudge, NudgeKind

    [stalled] = Nudge.objects.filter(sent_at__isnull=False, cleared_at__isnull=True)
    assert stalled.kind == NudgeKind.WORK and stalled.case.category.name == "クレーム"
    assert Nudge.objects.filter(followed_at__isnull=False).count() == 1
    assert Nudge.objects.filter(kind=NudgeKind.HOLD, sent_at=None, cleared_at=None).count() == 1
    client.login(username="operator", password=PASSWORD)
    html = client.get(f"/admin/escalations/case/{stalled.case_id}/change/").content.decode()
    assert 'id="ch-nudge"' in html and "山本 直樹" in html and "中村 由美" in html


def test_a_rule_and_a_team_show_changes_since_their_last_review(demo):
    from reports.review_page import review_page

    rule = EscalationRule.objects.get(guidance__contains="内線209")
    team = Team.objects.get(name="技術サポート")
    rule_changes = [c.field for c in review_page(rule=rule).changes]
    team_changes = [c.field for c in review_page(team=team).changes]
    # every field changed after the rule's last review (by the review, nudge and on-call demos),
    # each once or more; nothing older
    assert set(rule_changes) == {
        "ガイダンス",
        "レビュー担当者",
        "次回レビュー日",
        "エスカレーションの目安（対応開始からの分数）",
    }, rule_changes
    assert team_changes == ["電話番号", "メンバー追加"], team_changes


def test_it_has_a_rotation_absence_periods_and_a_rule_with_a_gap(demo):
    from accounts.models import AbsencePeriod, OnCallRotation
    from escalations.models import CoverageGap

    now = timezone.now()
    assert OnCallRotation.objects.filter(team__name="SVチーム", turns__isnull=False).exists()
    running = AbsencePeriod.objects.filter(starts_at__lte=now, ends_at__gt=now)
    assert [p.user.username for p in running] == ["supervisor2"]
    assert AbsencePeriod.objects.filter(starts_at__gt=now).count() == 2
    gaps = CoverageGap.objects.select_related("rule__target_team")
    assert {gap.rule.target_team.name for gap in gaps} == {"開発"}
