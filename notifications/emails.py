"""The email of an outbox row, rendered when it is delivered (not when it is queued) in its
recipient's language (``User.language``): the subject, a text body and the same as HTML, from
the templates under ``notifications/email/``. An email about a case carries it: what happened,
the customer, category and priority, the handoff of the hop it is about (what the customer wants,
what was tried, their mood), the deadline in local time and an absolute link (``SITE_URL``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from notifications.labels import event_label
from notifications.models import Notification


@dataclasses.dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def language_of(row: Notification) -> str:
    language = getattr(row.recipient, "language", "") if row.recipient_id else ""
    return language or settings.LANGUAGE_CODE


def render(row: Notification) -> Email:
    """``row``'s email in its recipient's language. Reads the case, its hop and its timer's
    label when the row is about a case (a few queries per email, none per line)."""
    with translation.override(language_of(row)):
        context = _context(row)
        subject = _subject(row, context)
        text = render_to_string("notifications/email/message.txt", context).strip()
        html = render_to_string("notifications/email/message.html", context)
    return Email(subject=" ".join(subject.split())[:200], text=text, html=html)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _local(value: Any) -> str:
    when = parse_datetime(value) if isinstance(value, str) else None
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when is not None else ""


def _context(row: Notification) -> dict[str, Any]:
    payload = row.payload or {}
    case = row.case if row.case_id else None
    what = event_label(row.event_type)
    handoff: list[tuple[str, str]] = []
    facts: list[tuple[str, str]] = []
    link = ""
    if case is not None:
        timer = (
            case.sla_timers.filter(kind=payload["timer"]).first() if payload.get("timer") else None
        )
        if timer is not None:
            what = f"{what}: {timer.get_kind_display()}"
        hop = None
        if payload.get("escalation"):
            hop = case.escalations.filter(number=payload["escalation"]).first()
        wants, tried, mood = (
            (
                hop.customer_wants,
                hop.tried,
                hop.get_customer_mood_display() if hop.customer_mood else "",
            )
            if hop is not None
            else (payload.get("customer_wants"), payload.get("tried"), payload.get("mood"))
        )
        handoff = [
            (_("What the customer wants"), wants),
            (_("What was tried"), tried),
            (_("Customer's mood"), mood),
        ]
        facts = [
            (_("Case"), f"{case.reference} {case.subject}"),
            (_("Customer"), str(case.customer)),
            (_("Category"), str(case.category)),
            (_("Priority"), case.get_priority_display()),
        ]
        link = _absolute(reverse("admin:escalations_case_change", args=[case.pk]))
    elif isinstance(payload.get("link"), str) and payload["link"].startswith("/"):
        link = _absolute(payload["link"])
    if payload.get("name"):
        facts.append((_("Subject"), payload["name"]))
    review = payload.get("review_due") or payload.get("next_review_on")
    if isinstance(review, str) and parse_date(review) is not None:
        facts.append((_("Review date"), review))
    deadline = _local(payload.get("due_at"))
    if deadline:
        handoff.append((_("Deadline"), deadline))
    detail = payload.get("detail") or ""
    known = case is not None or payload.get("name")
    return {
        "what": what,
        "facts": [(label, value) for label, value in facts if value],
        "handoff": [(label, value) for label, value in handoff if value],
        "detail": detail,
        # what nothing above says: the sender's own text (e.g. an administrators' incident)
        "text": "" if known else (payload.get("text") or row.subject),
        "link": link,
        "link_label": _("Open the case") if case is not None else _("Open the page"),
    }


def _subject(row: Notification, context: dict[str, Any]) -> str:
    payload = row.payload or {}
    if row.case_id:
        return _("[%(what)s] %(reference)s %(subject)s") % {
            "what": context["what"],
            "reference": row.case.reference,
            "subject": row.case.subject,
        }
    if payload.get("name"):
        return _("[%(what)s] %(name)s") % {"what": context["what"], "name": payload["name"]}
    return row.subject
