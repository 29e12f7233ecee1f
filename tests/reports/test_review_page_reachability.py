"""The review page checks each contact on a rule's or a team's chain (the rule's person, the
team's lead and members, the delegate chain): active, has an extension number, not absent in the
coming week; shown with ok/problem marks, for managers only."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from accounts.absence import absence_set
from escalations.models import EscalationRule
from reports import review_page

NOW = dt.datetime(2026, 6, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def rule(org, l2_team, supervisor, colleague, specialist):
    """The L2 rule names the supervisor; the supervisor has an extension, the colleague is a
    member without one, the specialist is the supervisor's delegate."""
    l2_team.members.add(colleague)
    supervisor.extension = "200"
    specialist.extension = "300"
    for person in (supervisor, specialist):
        person.save()
    rule = EscalationRule.objects.get(target_team=l2_team)
    rule.target_user = supervisor
    rule.save()
    return rule


def _checks(page):
    return {c.person.username: (c.active, c.has_number, c.present, c.ok) for c in page.contacts}


def test_each_contact_is_checked(rule, supervisor):
    page = review_page.review_page(rule=rule)
    assert _checks(page) == {
        "supervisor": (True, True, True, True),
        "colleague": (True, False, True, False),
    }
    [sv] = [c for c in page.contacts if c.person == supervisor]
    assert sv.roles == ["target person", "lead of SVチーム", "member of SVチーム"]
    assert page.problems == 1


def test_an_absence_in_the_coming_week_is_a_problem_and_the_delegate_is_checked(
    rule, supervisor, specialist
):
    supervisor.delegate = specialist
    supervisor.save()
    absence_set(
        actor=supervisor,
        user=supervisor,
        absent=True,
        delegate=specialist,
        until=NOW + dt.timedelta(days=2),
    )
    page = review_page.review_page(rule=rule)
    checks = _checks(page)
    assert checks["supervisor"] == (True, True, False, False)
    assert checks["specialist"] == (True, True, True, True)
    [sv] = [c for c in page.contacts if c.person == supervisor]
    assert sv.absent_until == NOW + dt.timedelta(days=2)


def test_a_past_absence_is_no_problem_and_a_deactivated_contact_is(rule, supervisor):
    supervisor.is_absent = True
    supervisor.absent_until = NOW - dt.timedelta(hours=1)  # the sweep has not ended it yet
    supervisor.save()
    assert _checks(review_page.review_page(rule=rule))["supervisor"] == (True, True, True, True)
    supervisor.is_active = False
    supervisor.save()
    assert _checks(review_page.review_page(rule=rule))["supervisor"][3] is False


def test_the_page_shows_marks_in_japanese_and_english(client, rule, manager, supervisor):
    client.force_login(manager)
    url = f"/admin/reports/review/rule/{rule.pk}/"
    with translation.override("ja"):
        ja = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "✗ 内線番号なし" in ja and "✓ 問題なし" in ja and "連絡先の到達確認" in ja
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "✗ no number" in en and "✓ OK" in en


def test_only_the_dashboards_readers_see_the_page_and_bad_subjects_are_404(
    client, rule, operator, supervisor, manager, l2_team, django_assert_num_queries
):
    url = f"/admin/reports/review/rule/{rule.pk}/"
    client.force_login(operator)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.get("/admin/reports/review/case/1/").status_code == 404
    assert client.get("/admin/reports/review/rule/999999/").status_code == 404
    response = client.get(f"/admin/reports/review/team/{l2_team.pk}/")
    assert response.status_code == 200
    assert "review-contacts" in response.content.decode()


def test_recording_from_the_page_comes_back_to_it(client, rule, manager):
    client.force_login(manager)
    response = client.post(
        "/admin/reports/dashboard/review/",
        {"kind": "rule", "id": rule.pk, "comment": "OK", "back": "page"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/reports/review/rule/{rule.pk}/"
    rule.refresh_from_db()
    assert rule.last_reviewed_on == timezone.localdate()


def test_the_flow_page_links_each_rule_and_team_to_its_review_page_for_managers(
    client, rule, manager, operator, l2_team
):
    client.force_login(manager)
    html = client.get("/admin/escalations/flow/").content.decode()
    assert f"/admin/reports/review/rule/{rule.pk}/" in html
    assert f"/admin/reports/review/team/{l2_team.pk}/" in html
    client.force_login(operator)
    assert "/admin/reports/review/" not in client.get("/admin/escalations/flow/").content.decode()


def test_the_dashboards_overdue_list_links_to_the_review_pages(client, rule, manager, l2_team):
    for subject in (rule, l2_team):
        subject.next_review_on = NOW.date() - dt.timedelta(days=1)
        subject.save()
    client.force_login(manager)
    html = client.get("/admin/reports/dashboard/").content.decode()
    assert f'href="/admin/reports/review/rule/{rule.pk}/"' in html
    assert f'href="/admin/reports/review/team/{l2_team.pk}/"' in html
