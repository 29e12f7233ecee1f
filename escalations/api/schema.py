"""The OpenAPI description the cases API's actions share: the case reference in the path
(``REFERENCE``), each transition's input (``INPUTS``: the serializer the transition's arguments
are read as, ``views.CaseViewSet._run``) and a transition's schema (``transition_schema``).
Moved out of ``escalations.api.views`` (past ~600 lines), a pure move."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema

from escalations.api import serializers as s

REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="The case reference, e.g. C-2026-000123."
)


# Each transition's input: its fields are the service's keyword arguments.
INPUTS = {
    "start_work": s.CommentTransitionSerializer,
    "wait_for_customer": s.CommentTransitionSerializer,
    "resume": s.CommentTransitionSerializer,
    "close": s.CommentTransitionSerializer,
    "acknowledge": s.CommentTransitionSerializer,
    "escalate": s.EscalateSerializer,
    "return_to_owner": s.AnswerSerializer,
    "resolve": s.ResolveSerializer,
    "reopen": s.ReopenSerializer,
}


def transition_schema(name: str, summary: str, description: str):
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[REFERENCE],
        request=INPUTS[name],
        responses={200: s.CaseSerializer},
        tags=["transitions"],
    )
