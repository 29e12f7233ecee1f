"""No hesitation (issue 20): the one way to start, clear and send nudges.

Which rule applies to a case that is not escalated yet: the active rules whose category and
priority fit the case (empty: any), of any reason, leading above the case's tier, that carry the
threshold ("escalate within N minutes from start of work", or "... from the start of a hold");
the smallest threshold wins (then the most specific rule, the next tier up, the lowest id). The
nudge names that rule's target person (their delegate while they are absent) or its team, and
suggests the rule's reason (pre-selected on the escalate panel).

- Work starts (``case_start_work``): a pending work nudge is written with its due time.
- A hold starts (escalating on hold, ``hold_start``): a pending hold nudge for the held hop
  (the handler should escalate further before the customer has waited too long).
- A case-scoped knowledge search that finds nothing (``knowledge.deflection``): a nudge of its
  own kind, sent at once, once per case.
- An escalation clears the case's nudges (those already sent count as followed unless the
  escalation was automatic); a resolution clears them; the hold's end or the answer clears the
  hold's nudge. A cleared nudge is never sent.
- :func:`nudge_sweep` (beat) sends what is due: ``SKIP LOCKED``, in batches, a fixed number of
  statements per batch; each nudge at most once (``sent_at``, unique per case and threshold).

The thresholds are wall-clock minutes: the customer waits in real time.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from escalations import live as case_lists
from escalations.models import (
    Case,
    CaseStatus,
    Escalation,
    EscalationOutcome,
    EscalationRule,
    Nudge,
    NudgeCleared,
    NudgeKind,
    Reason,
)
from escalations.selectors import active_rules, match_rule
from kit.bulk import bulk_set
from notifications import outbox
from notifications.models import InboxKind, Loudness

THRESHOLD_FIELD = {
    NudgeKind.WORK: "escalate_within_work",
    NudgeKind.HOLD: "escalate_within_hold",
}
# a case not escalated yet (work nudges) and a held call still waiting (hold nudges)
NOT_ESCALATED = (CaseStatus.IN_PROGRESS, CaseStatus.RETURNED, CaseStatus.PENDING_CUSTOMER)
HELD = (CaseStatus.ESCALATED, CaseStatus.ACKNOWLEDGED)


def nudge_rule(rules: Iterable[EscalationRule], *, case: Case, kind: str) -> EscalationRule | None:
    """The rule whose threshold of ``kind`` applies to ``case`` (see the module's doc)."""
    field = THRESHOLD_FIELD[kind]
    candidates = [
        rule
        for rule in rules
        if getattr(rule, field) is not None
        and rule.target_tier > case.tier
        and rule.category_id in (None, case.category_id)
        and rule.priority in (None, case.priority)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (getattr(r, field), -r.specificity, r.target_tier, r.pk))


def _pending(case: Case, kind: str, rule: EscalationRule, *, now, hop=None) -> Nudge:
    minutes = getattr(rule, THRESHOLD_FIELD[kind])
    return Nudge(
        case=case,
        kind=kind,
        escalation=hop,
        rule=rule,
        reason=rule.reason,
        minutes=minutes,
        started_at=now,
        due_at=now + dt.timedelta(minutes=minutes),
    )


def nudges_start_work(*, case: Case, now: dt.datetime | None = None) -> Nudge | None:
    """Work started on ``case``: its work nudge is due after the applicable rule's threshold
    (none when no rule has one). Once per case: starting again after a return adds nothing."""
    now = now or timezone.now()
    rule = nudge_rule(active_rules(), case=case, kind=NudgeKind.WORK)
    if rule is None:
        return None
    nudge = _pending(case, NudgeKind.WORK, rule, now=now)
    Nudge.objects.bulk_create([nudge], ignore_conflicts=True)
    return nudge


def nudges_start_hold(
    hops: Sequence[Escalation],
    *,
    now: dt.datetime | None = None,
    rules: list[EscalationRule] | None = None,
) -> list[Nudge]:
    """The customers of ``hops`` were put on hold: each hold nudge is due after the applicable
    rule's hold threshold, counted from the hold's start. One query for the rules (unless
    given) and one insert, whatever the number of hops."""
    if not hops:
        return []
    now = now or timezone.now()
    rules = active_rules() if rules is None else rules
    if not any(rule.escalate_within_hold is not None for rule in rules):
        return []
    nudges = []
    for hop in hops:
        rule = nudge_rule(rules, case=hop.case, kind=NudgeKind.HOLD)
        if rule is not None:
            nudges.append(_pending(hop.case, NudgeKind.HOLD, rule, now=hop.on_hold_since, hop=hop))
    if nudges:
        Nudge.objects.bulk_create(nudges, ignore_conflicts=True)
    return nudges


def nudges_clear_on_escalation(
    case_ids: Sequence[int], *, automatic: bool = False, now: dt.datetime | None = None
) -> None:
    """The cases were escalated (or escalated further): their open nudges are cleared, and
    those already sent were followed (unless the system escalated, on an SLA breach). One
    statement whatever the number of cases."""
    if not case_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(*clear_on_escalation_statement(case_ids, automatic=automatic, now=now))


def clear_on_escalation_statement(
    case_ids: Sequence[int], *, automatic: bool = False, now: dt.datetime | None = None
) -> tuple[str, list]:
    """``nudges_clear_on_escalation``'s UPDATE, not run (the statement and its parameters): the
    API's escalation writes it with the hop in one statement (``kit.together.insert_together``'s
    ``also``). Written out, as ``queryset.update`` would write it, because Django compiles an
    UPDATE only to run it."""
    if not case_ids:
        raise ValueError("clear_on_escalation_statement: no cases")
    db = connections[DEFAULT_DB_ALIAS]  # ``connection``, looked up once (kit.bulk.mark_saved)
    now = db.ops.adapt_datetimefield_value(now or timezone.now())
    sql = _clear_on_escalation_sql(automatic, len(case_ids), db.vendor)
    params: list = [now, NudgeCleared.ESCALATED.value]
    if not automatic:
        params.append(now)
    return sql, [*params, *case_ids]


@functools.lru_cache(maxsize=64)
def _clear_on_escalation_sql(automatic: bool, count: int, vendor: str) -> str:
    """``clear_on_escalation_statement``'s text for ``count`` cases, built once per shape (it
    was built on every API escalate)."""
    quote = connection.ops.quote_name
    column = {name: quote(Nudge._meta.get_field(name).column) for name in _CLEARED_COLUMNS}
    sets = [f"{column['cleared_at']} = %s", f"{column['cleared_by']} = %s"]
    if not automatic:  # an open nudge was never followed before: only the sent ones are now
        sets.append(
            f"{column['followed_at']} = CASE WHEN {column['sent_at']} IS NOT NULL THEN %s "
            "ELSE NULL END"
        )
    keys = ", ".join(["%s"] * count)
    return (
        f"UPDATE {quote(Nudge._meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {column['case']} IN ({keys}) AND {column['cleared_at']} IS NULL"
    )


_CLEARED_COLUMNS = ("cleared_at", "cleared_by", "followed_at", "sent_at", "case")


def nudges_clear(
    *,
    case: Case,
    cause: str,
    escalation: Escalation | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Clear the case's open nudges: all of them (resolved), or the hold nudge of
    ``escalation`` (its hold ended, or it was answered)."""
    open_ = Nudge.objects.filter(case=case, cleared_at__isnull=True)
    if escalation is not None:
        open_ = open_.filter(escalation=escalation)
    return open_.update(cleared_at=now or timezone.now(), cleared_by=cause)


def nudge_no_knowledge(*, case: Case, actor: User, now: dt.datetime | None = None) -> Nudge | None:
    """A knowledge search on ``case`` found nothing: if the case is not escalated yet, a nudge
    of its own kind is recorded and sent at once (the bell of the handler or owner, unless
    they searched themselves), once per case. It names the rule for a knowledge gap."""
    if case.status not in NOT_ESCALATED:
        return None
    now = now or timezone.now()
    if Nudge.objects.filter(case=case, kind=NudgeKind.NO_KNOWLEDGE).exists():
        return None
    rule = match_rule(
        active_rules(),
        category_id=case.category_id,
        priority=case.priority,
        reason=Reason.KNOWLEDGE_GAP,
        above_tier=case.tier,
    )
    nudge = Nudge(
        case=case,
        kind=NudgeKind.NO_KNOWLEDGE,
        rule=rule,
        reason=Reason.KNOWLEDGE_GAP,
        started_at=now,
        due_at=now,
        sent_at=now,
        sent_to=case.handler or case.owner,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a second search at once records nothing
                nudge.save(force_insert=True)
        except IntegrityError:
            return None
        _notify([nudge], actor=actor)
    return nudge


# --- who is named, who is told ----------------------------------------------------------------


def named_target(rule: EscalationRule | None) -> dict:
    """Whom the nudge names: the rule's person (or the delegate standing in, with who is
    absent) and team."""
    if rule is None:
        return {"person": None, "routed_from": None, "team": None}
    named = rule.target_user
    person = named.effective_recipient() if named is not None else None
    return {
        "person": person,
        "routed_from": named if named is not None and person != named else None,
        "team": rule.target_team,
    }


def target_text(rule: EscalationRule | None) -> str:
    target = named_target(rule)
    person, team = target["person"], target["team"]
    if person is not None:
        text = str(person)
        if person.extension:
            text += " " + _("(ext. %(ext)s)") % {"ext": person.extension}
        return f"{text} · {team.name}"
    return team.name if team is not None else _("the next tier")


def _notify(nudges: list[Nudge], *, actor: User | None = None) -> None:
    for nudge in nudges:
        case = nudge.case
        if nudge.kind == NudgeKind.NO_KNOWLEDGE:
            text = _("No article found: escalate to %(target)s?")
        elif nudge.kind == NudgeKind.HOLD:
            text = _("The customer has waited %(minutes)s min on hold: escalate to %(target)s?")
        else:
            text = _("Not escalated after %(minutes)s min of work: escalate to %(target)s?")
        text = text % {"minutes": nudge.minutes, "target": target_text(nudge.rule)}
        outbox.notify_in_app(
            [nudge.sent_to],
            kind=InboxKind.NUDGE,
            title=f"{case.reference} {case.subject}",
            case_id=case.pk,
            loudness=Loudness.LOUDEST if nudge.kind == NudgeKind.HOLD else Loudness.LOUD,
            actor=actor,
            payload={"reference": case.reference, "subject": case.subject, "text": text},
        )
        # the supervisors' live case lists ("stalled calls") learn of it at their next poll
        case_lists.bump_on_commit(case_lists.case_scopes(case, nudge.escalation))


# --- the sweep ----------------------------------------------------------------------------------


@dataclass
class NudgeSweepResult:
    batches: int = 0
    sent: int = 0
    cleared: int = 0  # due, but the case had moved on (cleared without a service, e.g. a script)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def nudge_sweep(
    *, now: dt.datetime | None = None, batch_size: int | None = None
) -> NudgeSweepResult:
    """Send every nudge due at ``now``, one transaction per batch, a fixed number of
    statements per batch: take (``SKIP LOCKED``), read the cases and held hops, mark sent and
    cleared, write the notifications in one insert."""
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH_SIZE
    result = NudgeSweepResult()
    while True:
        with transaction.atomic():
            due = list(
                Nudge.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("rule__target_team", "rule__target_user__delegate")
                .filter(due_at__lte=now, sent_at__isnull=True, cleared_at__isnull=True)
                .order_by("due_at")[:batch_size]
            )
            if not due:
                break
            cases = Case.objects.select_related("handler__delegate", "owner__delegate").in_bulk(
                {nudge.case_id for nudge in due}
            )
            hop_ids = {nudge.escalation_id for nudge in due if nudge.escalation_id}
            hops = Escalation.objects.in_bulk(hop_ids) if hop_ids else {}
            send, stale = [], []
            for nudge in due:
                nudge.case = cases[nudge.case_id]
                hop = hops.get(nudge.escalation_id)
                if hop is not None:
                    nudge.escalation = hop
                if _still_due(nudge, hop):
                    nudge.sent_at = now
                    nudge.sent_to = nudge.case.handler or nudge.case.owner
                    send.append(nudge)
                else:
                    nudge.cleared_at = now
                    stale.append(nudge)
            bulk_set(send, ["sent_at", "sent_to"])
            if stale:
                Nudge.objects.filter(pk__in=[n.pk for n in stale]).update(cleared_at=now)
            with outbox.batched():
                _notify(send)
        result.batches += 1
        result.sent += len(send)
        result.cleared += len(stale)
    return result


def _still_due(nudge: Nudge, hop: Escalation | None) -> bool:
    case = nudge.case
    if nudge.kind == NudgeKind.HOLD:
        return (
            case.status in HELD
            and hop is not None
            and hop.hold_ended_at is None
            and hop.outcome == EscalationOutcome.OPEN
        )
    return case.status in NOT_ESCALATED
