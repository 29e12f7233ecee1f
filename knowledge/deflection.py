"""What the escalate form shows before the operator confirms: the top articles and similar
resolved cases for the case's subject and description (on the escalate page through the
``escalations.hooks.escalate_page`` hook, connected in ``KnowledgeConfig.ready``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import User
from escalations.models import Case
from knowledge import search as knowledge_search
from knowledge import services
from knowledge.models import Deflection

LIMIT = 5


@dataclass
class Suggestions:
    articles: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    deflection: Deflection | None = None


def case_query(case: Case) -> str:
    return f"{case.subject}\n{case.description}"


def suggestions_for(
    case: Case, user: User, *, record: bool = True, query: str | None = None
) -> Suggestions:
    """Search for the case (or for ``query``, typed in the case page's knowledge panel) and,
    when something is shown and ``record``, write it down: the deflection figures count what
    was shown, wherever it was shown."""
    if query is None or not query.strip():
        query = case_query(case)
    hits = knowledge_search.search(query, user=user, limit=LIMIT)
    deflection = None
    if hits and record:
        deflection = services.deflection_record(case=case, actor=user, query=query, hits=hits)
    params = {"case": case.pk}
    if deflection is not None:
        params["deflection"] = deflection.pk
    read = "?" + urlencode(params)
    return Suggestions(
        articles=[
            {"hit": hit, "url": reverse("admin:knowledge_article_read", args=[hit.pk]) + read}
            for hit in hits
            if hit.kind == "article"
        ],
        cases=[
            {"hit": hit, "url": reverse("admin:escalations_case_change", args=[hit.pk])}
            for hit in hits
            if hit.kind == "case"
        ],
        deflection=deflection,
    )


def escalate_page_suggestions(request, case: Case, name: str) -> dict:
    """The escalate page's suggestions (recorded as shown when the page is opened)."""
    if name != "escalate":
        return {}
    return {"suggestions": suggestions_for(case, request.user, record=request.method == "GET")}
