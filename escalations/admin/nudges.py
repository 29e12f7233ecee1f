"""The case header's nudge (issue 20, no hesitation): which rule says "escalate now", whom it
names (the target person, or the delegate standing in, with their extension, or the team),
and the one-click escalate: it opens the header's inline escalate panel with the rule's
reason chosen (``escalations/static/escalations/nudge.js``)."""

from __future__ import annotations

from typing import Any

from escalations.models import Case, NudgeKind
from escalations.services.nudges import named_target
from escalations.stalled import open_nudge

ESCALATE = ("escalate", "escalate_further")


def nudge_context(case: Case, header_actions: list[dict[str, Any]]) -> dict[str, Any]:
    nudge = open_nudge(case)
    if nudge is None:
        return {"header_nudge": None}
    action = next((a for a in header_actions if a["name"] in ESCALATE), None)
    target = None
    if action is not None and nudge.reason:
        # where the escalate panel would send it now, for the nudge's reason (who answers now)
        route = next(
            (route for _radio, route in action["reasons"] if route["reason"] == nudge.reason),
            None,
        )
        found = route["target"] if route else None
        if found is not None:
            target = {"person": found.person, "routed_from": found.routed_from, "team": found.team}
    if target is None:
        target = named_target(nudge.rule)
    return {
        "header_nudge": {
            "nudge": nudge,
            "held": nudge.kind == NudgeKind.HOLD,
            "no_knowledge": nudge.kind == NudgeKind.NO_KNOWLEDGE,
            "action": action,
            **target,
        }
    }
