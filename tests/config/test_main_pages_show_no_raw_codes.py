"""The main pages, in Japanese, over a demo-like world (the demo loader, every status, holds,
callbacks, SLA events, escalations up to L4): the text a person reads holds no code — no
``snake_case`` value (``in_progress``), no English change reason (``note: handoff``,
``hold_end: answered``, ``shown``), no event type (``sla.warning``), no English weekday
(``(Tue)``), no UTC offset, no ``1 day, 16:00:00``."""

import datetime as dt
import html
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from escalations import services
from escalations.models import Case, CaseStatus, HoldOutcome
from escalations.services import callback_promise, hold_end
from tests.factories import HANDOFF

RAW = [
    (re.compile(r"\b[a-z]+(?:_[a-z]+)+\b"), "snake_case code"),
    (re.compile(r"\b(?:note|hold_end|task|edit|escalate|acknowledge): "), "change reason code"),
    (re.compile(r"\b(?:shown|solved with|promise|keep|revoke|create|load_demo_data)\b"), "reason"),
    (re.compile(r"\b(?:edited|added|deleted) in admin\b"), "admin reason"),
    (re.compile(r"\b(?:sla|case|escalation|article|rule|team)\.[a-z_]+\b"), "event type"),
    (re.compile(r"\((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\)"), "English weekday"),
    (re.compile(r"[+-]00:00|\d{2}:\d{2}:\d{2}\+"), "UTC offset"),
    (re.compile(r"\d+ days?, \d{1,2}:\d{2}:\d{2}"), "raw timedelta"),
]


def visible_text(page: str) -> str:
    """What a person reads: no tags, scripts, styles, comments or attribute values."""
    page = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def raw_codes(text: str) -> list[str]:
    found = []
    for pattern, what in RAW:
        for match in pattern.finditer(text):
            start = max(0, match.start() - 40)
            found.append(f"{what}: {match.group(0)!r} in …{text[start : match.end() + 40]}…")
    return found


@pytest.fixture
def demo_world(db):
    call_command("load_demo_data", cases=24, force=True, stdout=io.StringIO())
    _hold_and_callback()


def _hold_and_callback() -> None:
    """What the demo does not play yet: a customer on hold, the hold ended, a callback."""
    case = Case.objects.filter(status=CaseStatus.IN_PROGRESS).order_by("pk").first()
    services.case_escalate(
        case=case, actor=case.owner, reason="complaint", handoff=HANDOFF, on_hold=True
    )
    hold_end(case=case, actor=case.owner, outcome=HoldOutcome.CALLBACK)
    now = timezone.now()
    callback_promise(
        case=case,
        actor=case.owner,
        number="090-1234-5678",
        window_start=now + dt.timedelta(hours=1),
        window_end=now + dt.timedelta(hours=2),
    )


def pages() -> list[str]:
    cases = Case.objects.order_by("pk")
    with_most = max(cases, key=lambda c: c.notes.count() + c.escalations.count())
    held = Case.objects.filter(escalations__hold_outcome__isnull=False).first()
    urls = [
        reverse("admin:escalations_case_changelist"),
        reverse("admin:audit_auditlog_changelist"),
        reverse("admin:reports_dashboard"),
        reverse("admin:escalations_flow"),
    ]
    for case in (with_most, held):
        urls += [
            reverse("admin:escalations_case_change", args=[case.pk]),
            reverse("admin:escalations_case_history", args=[case.pk]),
            reverse("admin:audit_auditlog_changelist") + f"?object={case.reference}",
        ]
    return urls


def test_the_main_pages_show_no_raw_code(demo_world, client):
    problems, read = {}, {}
    urls = pages()
    for username in ["admin", "manager", "supervisor", "operator"]:
        client.force_login(User.objects.get(username=username))
        read[username] = []
        with translation.override("ja"):
            for url in urls:
                response = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
                if response.status_code != 200:
                    continue  # not this person's page
                read[username].append(url)
                found = raw_codes(visible_text(response.content.decode()))
                if found:
                    problems[f"{username} {url}"] = found
    assert problems == {}
    assert read["admin"] == urls  # every page was read, none skipped


def test_the_check_catches_a_raw_code():
    text = visible_text("<td>in_progress → escalated</td><td>note: handoff</td><b>sla.warning</b>")
    assert len(raw_codes(text)) == 3
    assert raw_codes(visible_text('<a class="in_progress" href="/x_y/">対応中</a>')) == []
