"""What an escalation tells, once its rows are written or queued: the webhooks (``case.escalated``,
``case.on_hold``), the bells of the people it reaches, the hold's louder notices and the rule
owner's "nobody present"; the case lists see it through the same batch (``escalations.services.
escalate``: in the escalation's own statement for a request's few cases on PostgreSQL)."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from escalations.models import Escalation
from escalations.selectors import Target
from escalations.services.hold import notify_hold_started
from notifications import events, outbox
from notifications.models import InboxKind, Loudness


def tell(
    hops: list[Escalation],
    moves: list[tuple[int, Target, int, str]],
    *,
    actor: User,
    in_statement: bool = False,
) -> None:
    """The webhooks, the bells and the case lists about the new hops. ``in_statement``: inside
    ``escalate._write_together``'s batch, whose statement makes the bells of the target teams."""
    # the outbox rows (webhooks, bells, emails) in one INSERT, one delivery task, and one round
    # trip to the live cache for the bells and the case lists (or the caller's batch: the sweep,
    # and ``escalate._write_together``'s, which writes them in the escalation's own statement)
    with outbox.joined():
        for hop in hops:
            events.emit("case.escalated", hop.case, escalation=hop)
            if hop.on_hold_since is not None:
                events.emit(
                    "case.on_hold",
                    hop.case,
                    escalation=hop,
                    extra={"on_hold_since": hop.on_hold_since},
                )
        held = [hop for hop in hops if hop.on_hold_since is not None]
        if held:
            notify_hold_started(held)
        notify_escalated(
            [hop for hop in hops if hop.on_hold_since is None],
            actor=actor,
            in_statement=in_statement,
        )
        notify_nobody_present(
            [
                hop
                for (i, target, *_rest), hop in zip(moves, hops, strict=True)
                if target.nobody_present
            ],
            actor=actor,
        )


def notify_escalated(hops: list[Escalation], *, actor: User, in_statement: bool = False) -> None:
    """Put each new hop in its target's bell at once: the target person, else the present
    members of the target team (one query for all the teams; with ``in_statement``, none: the
    batch's statement makes their rows, ``outbox.notify_team_in_app``). A held hop is told
    louder by ``notify_hold_started``."""
    if not hops:
        return
    team_ids = {hop.to_team_id for hop in hops if hop.to_user is None}
    members: dict[int, list[User]] = {}
    if team_ids and not in_statement:
        for user in User.objects.filter(
            teams__in=team_ids, is_active=True, is_absent=False
        ).annotate(team_id=F("teams__id")):
            members.setdefault(user.team_id, []).append(user)
    for hop in hops:
        bell = {
            "kind": InboxKind.ESCALATED,
            "title": f"{hop.case.reference} {hop.case.subject}",
            "case_id": hop.case_id,
            "loudness": Loudness.LOUD,
            "actor": actor,
            "payload": {"reference": hop.case.reference, "subject": hop.case.subject},
        }
        if hop.to_user is None and in_statement:
            outbox.notify_team_in_app(hop.to_team, **bell)
        else:
            people = [hop.to_user] if hop.to_user is not None else members.get(hop.to_team_id, [])
            outbox.notify_in_app(people, **bell)


def notify_nobody_present(hops: list[Escalation], *, actor: User) -> None:
    """Tell each rule's owner that its chain ended with nobody present: the escalation waits in
    the team's queue."""
    for hop in hops:
        if hop.rule is None or hop.rule.review_owner is None:
            continue
        outbox.notify_in_app(
            [hop.rule.review_owner],
            kind=InboxKind.NOBODY_PRESENT,
            title=_("%(reference)s went to the queue of %(team)s: nobody on the chain is present")
            % {"reference": hop.case.reference, "team": hop.to_team.name},
            case_id=hop.case_id,
            actor=actor,
            payload={"reference": hop.case.reference, "rule": hop.rule_id},
        )
