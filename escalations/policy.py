"""Who may run each case transition: declared once, here.

Each rule is a Django permission (given to roles) plus the side of the case the person must be
on. The ``@transition`` decorators on ``Case`` take their ``permission=`` from :func:`may`, so
django-fsm's ``has_transition_perm`` and our services, admin and API all ask the same question.
django-fsm-2 never enforces ``permission=`` by itself: the services ask ``has_transition_perm``
(which calls the rule :func:`may` built), before they run a transition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from accounts import memberships

if TYPE_CHECKING:
    from accounts.models import User


class Side(Enum):
    OWNER = "owner"  # the first line that keeps the customer: owner or the owner's team
    HANDLER = "handler"  # the tier the case is escalated to: handler or the assigned team


@dataclass(frozen=True)
class Rule:
    permission: str
    side: Side


RULES: dict[str, Rule] = {
    "start_work": Rule("escalations.start_work_case", Side.OWNER),
    "escalate": Rule("escalations.escalate_case", Side.OWNER),
    "wait_for_customer": Rule("escalations.wait_customer_case", Side.OWNER),
    "resume": Rule("escalations.wait_customer_case", Side.OWNER),
    "resolve": Rule("escalations.resolve_case", Side.OWNER),
    "close": Rule("escalations.close_case", Side.OWNER),
    "reopen": Rule("escalations.reopen_case", Side.OWNER),
    "acknowledge": Rule("escalations.acknowledge_case", Side.HANDLER),
    "return_to_owner": Rule("escalations.return_case", Side.HANDLER),
    "escalate_further": Rule("escalations.escalate_further_case", Side.HANDLER),
}


def user_team_ids(user: User) -> frozenset[int]:
    """Ids of the teams the user is a member or the lead of (kept per process:
    ``accounts.memberships``)."""
    return memberships.team_ids(user)


def is_on_side(case: Any, user: User, side: Side) -> bool:
    if user.is_superuser:
        return True
    if side is Side.OWNER:
        return case.owner_id == user.pk or (
            case.owner_team_id is not None and case.owner_team_id in user_team_ids(user)
        )
    return case.handler_id == user.pk or (
        case.assigned_team_id is not None and case.assigned_team_id in user_team_ids(user)
    )


def allows(name: str, case: Any, user: User) -> bool:
    """May ``user`` run transition ``name`` on ``case`` (ignoring the current status)?"""
    if not user.is_active:
        return False
    rule = RULES[name]
    return user.has_perm(rule.permission) and is_on_side(case, user, rule.side)


# What a request for a transition covers: asking to escalate an escalated case escalates it
# further (``escalations.services.case_escalate`` decides which of the two runs).
COVERS = {"escalate": ("escalate", "escalate_further")}


def may_request(name: str, case: Any, user: User) -> bool:
    """May ``user`` ask for transition ``name`` on ``case`` at all (the status aside)? The
    service then runs it, or refuses with the precise reason."""
    return any(allows(rule, case, user) for rule in COVERS.get(name, (name,)))


def may(name: str) -> Callable[[Any, User], bool]:
    """The ``permission=`` callable for a ``@transition``."""
    if name not in RULES:
        raise KeyError(name)

    def check(case: Any, user: User) -> bool:
        return allows(name, case, user)

    check.__name__ = f"may_{name}"
    return check
