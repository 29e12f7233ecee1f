"""The escalation flow page and its PDF export: thin, the data comes from ``selectors``."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from escalations.flow import diagram, past, pdf, selectors
from escalations.flow.render_slots import render_slot
from escalations.hold.when import parse_local_time


def _filter_ids(request: HttpRequest) -> tuple[int | None, int | None, list[str]]:
    errors: list[str] = []
    ids: list[int | None] = []
    for key, message in (
        ("category", _("The category filter must be a category of the list: ignored.")),
        ("team", _("The team filter must be a team of the list: ignored.")),
    ):
        raw = request.GET.get(key, "").strip()
        value = None
        if raw:
            try:
                value = int(raw)
            except ValueError:
                errors.append(message)
        ids.append(value)
    return ids[0], ids[1], errors


class BadMoment(ValueError):
    """``?at=`` is not a local date and time: the page answers 400 and says so."""


def _at(request: HttpRequest) -> dt.datetime | None:
    """The moment of ``?at=`` (a local date-time as a ``datetime-local`` input sends it, or as
    people type it: ``parse_local_time``, the callback form's reader), or ``None`` for now."""
    raw = request.GET.get("at", "").strip()
    if not raw:
        return None
    moment = parse_local_time(raw, now=timezone.now())
    if moment is not None and 1970 < moment.year < 9999:
        return moment
    raise BadMoment(
        _("“%(value)s” is not a date and time: enter it as 2026-12-08T10:00 (local time).")
        % {"value": raw[:40]}
    )


def _context(request: HttpRequest) -> dict:
    category_id, team_id, errors = _filter_ids(request)
    at = _at(request)
    page, comparison = _page(request, category_id, team_id, errors, at)
    if category_id is not None and page.category is None:
        errors.append(_("The category filter must be a category of the list: ignored."))
    if team_id is not None and page.team is None:
        errors.append(_("The team filter must be a team of the list: ignored."))
    graph = diagram.state_machine()
    labels = dict(graph.states)
    query = {
        key: value
        for key, value in (
            ("category", page.category.pk if page.category else None),
            ("team", page.team.pk if page.team else None),
            ("date", comparison.day.isoformat() if comparison else None),
            ("at", timezone.localtime(at).strftime("%Y-%m-%dT%H:%M") if at else None),
        )
        if value is not None
    }
    return {
        "page": page,
        "filter_errors": errors,
        "query": urlencode(query),
        "diagram": diagram.render_svg(graph),
        "transitions": [
            {
                "name": t.name,
                "label": t.label,
                "sources": [labels[s] for s in t.sources],
                "target": labels[t.target],
                "who": t.who,
            }
            for t in graph.transitions
        ],
        "generated_at": timezone.localtime(page.generated_at),
        "comparison": comparison,
        "review_rows": [
            (_("Escalation rules"), page.rule_reviews),
            (_("Team contact lists"), page.team_reviews),
        ],
    }


def _page(request: HttpRequest, category_id, team_id, errors: list[str], at):
    """Today's page, or (``?date=YYYY-MM-DD``) the page at the end of that day compared with
    today's (its "who answers" then at the end of that day); a bad date is refused with a
    message and today's page is shown. ``at``: the moment today's "who answers" is for."""
    day, error = past.parse_day(request.GET.get("date", ""), today=timezone.localdate())
    if error:
        errors.append(error)
    if day is None:
        return selectors.flow_page(category_id=category_id, team_id=team_id, at=at), None
    return past.compare(day=day, category_id=category_id, team_id=team_id)


def _bad_moment(request: HttpRequest, error: BadMoment) -> HttpResponse:
    return TemplateResponse(
        request,
        "admin/escalations/flow/bad_moment.html",
        {**admin.site.each_context(request), "title": _("Escalation flow"), "error": error},
        status=400,
    )


def flow_view(request: HttpRequest) -> HttpResponse:
    try:
        context = _context(request)
    except BadMoment as error:
        return _bad_moment(request, error)
    for error in context["filter_errors"]:
        messages.warning(request, error)
    return TemplateResponse(
        request,
        "admin/escalations/flow/page.html",
        {**admin.site.each_context(request), "title": _("Escalation flow"), **context},
    )


def flow_pdf_view(request: HttpRequest) -> HttpResponse:
    with render_slot() as free:
        if not free:
            return _busy(request)
        try:
            context = _context(request)
        except BadMoment as error:
            return _bad_moment(request, error)
        html = render_to_string(
            "admin/escalations/flow/pdf.html",
            {"title": _("Escalation flow"), **context},
            request=request,
        )
        document = pdf.html_to_pdf(html)
    response = HttpResponse(document, content_type="application/pdf")
    stamp = context["generated_at"].strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="escalation-flow-{stamp}.pdf"'
    return response


def _busy(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: every PDF slot is taken (``render_slots``)."""
    response = TemplateResponse(
        request,
        "admin/escalations/flow/busy.html",
        {**admin.site.each_context(request), "title": _("The PDF export is busy")},
        status=503,
    )
    response["Retry-After"] = "10"
    return response
