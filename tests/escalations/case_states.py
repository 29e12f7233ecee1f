"""Bring the ``case`` fixture to a given status through the real services, and run any
transition by name. Shared by the transition tests (not a test module itself)."""

from __future__ import annotations

from escalations import services
from escalations.models import Case
from tests.factories import HANDOFF, make_case


def bring_to(state: str, *, case: Case, operator, supervisor, specialist=None) -> Case:
    """The fixture case (in progress, owned by ``operator``) moved to ``state``.

    ``state`` is a status, or ``escalated_l3``/``acknowledged_l3`` for a case that went on to
    the L3 team. ``new`` gives a fresh case of the operator instead."""
    if state == "new":
        return make_case(owner=operator)
    if state == "in_progress":
        return case
    if state == "pending_customer":
        return services.case_wait_for_customer(case=case, actor=operator)
    if state in ("resolved", "closed"):
        services.case_resolve(case=case, actor=operator, resolution="説明して納得いただいた")
        if state == "closed":
            services.case_close(case=case, actor=operator)
        return case
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    if state == "escalated":
        return case
    services.case_acknowledge(case=case, actor=supervisor)
    if state == "acknowledged":
        return case
    if state == "returned":
        services.case_return_to_owner(case=case, actor=supervisor, answer="規約第5条により返金不可")
        return case
    services.case_escalate(case=case, actor=supervisor, reason="technical_fault", handoff=HANDOFF)
    if state == "escalated_l3":
        return case
    if state == "acknowledged_l3":
        services.case_acknowledge(case=case, actor=specialist)
        return case
    raise ValueError(state)


def run_transition(name: str, *, case: Case, actor, expected_status: str | None = None):
    """Run transition ``name`` through its service, as the admin or the API would."""
    if name in ("escalate", "escalate_further"):
        return services.case_escalate(
            case=case,
            actor=actor,
            reason="knowledge_gap",
            handoff=HANDOFF,
            expected_status=expected_status,
        )
    if name == "return_to_owner":
        return services.case_return_to_owner(
            case=case, actor=actor, answer="こう答えてください", expected_status=expected_status
        )
    if name == "resolve":
        return services.case_resolve(
            case=case, actor=actor, resolution="解決した", expected_status=expected_status
        )
    if name == "reopen":
        return services.case_reopen(
            case=case, actor=actor, reason="再度の問い合わせ", expected_status=expected_status
        )
    service = getattr(services, f"case_{name}")
    return service(case=case, actor=actor, expected_status=expected_status)
