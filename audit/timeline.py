"""The case timeline: notes, transitions (the case's history rows with their reasons),
escalation hops and SLA events, in time order, in a constant number of queries.

A transition and what its service wrote with it (the comment, handoff or answer note by the
same person, the hop it opened) are one entry: a supervisor reads one line per event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

SAME_EVENT = dt.timedelta(seconds=5)
ATTACHED_NOTE_KINDS = ("status", "handoff", "answer", "internal")
# the note each transition's service writes with it (default: its comment, a status note)
NOTE_OF = {
    "escalate": "handoff",
    "escalate_further": "handoff",
    "return_to_owner": "answer",
    "acknowledge": "internal",
}


@dataclass
class TimelineEntry:
    at: dt.datetime
    kind: str  # "note", "transition", "escalation", "sla"
    label: str
    who: str = ""
    status_change: str = ""
    text: str = ""
    details: list[str] = field(default_factory=list)
    css: str = ""


def _transition_label(name: str) -> str | None:
    from escalations.models import Case

    method = getattr(Case, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        return None
    return str(next(iter(meta.transitions.values())).custom.get("label", name))


def _hop_details(hop) -> list[str]:
    target = hop.to_team.name + (f" / {hop.to_user}" if hop.to_user_id else "")
    lines = [
        _("Escalation #%(n)s: L%(from)s → L%(to)s %(target)s")
        % {"n": hop.number, "from": hop.from_tier, "to": hop.to_tier, "target": target},
        _("Reason: %(reason)s") % {"reason": hop.get_reason_display()},
    ]
    if hop.routed_from_id:
        lines.append(_("Delegate of %(person)s (absent)") % {"person": hop.routed_from})
    if hop.is_automatic:
        lines.append(_("Automatic (SLA)"))
    return lines


def _take(candidates: list, when: dt.datetime, who_id, at, by, kind=None) -> object | None:
    """The first unused candidate (of ``kind``) written by ``who_id`` in the seconds after
    ``when`` (the service saves the case first, then what goes with it)."""
    for i, item in enumerate(candidates):
        if kind is not None and item.kind != kind:
            continue
        if by(item) == who_id and dt.timedelta(0) <= at(item) - when <= SAME_EVENT:
            return candidates.pop(i)
    return None


def case_timeline(case, *, notes, hops, sla_events) -> list[TimelineEntry]:
    """``notes``, ``hops`` and ``sla_events``: what the case page already loaded (with their
    people and timers); this adds one query, the case's history rows with their users."""
    from escalations.models import CaseStatus

    status_labels = dict(CaseStatus.choices)
    loose_notes = [n for n in notes if n.kind in ATTACHED_NOTE_KINDS]
    entries = [
        TimelineEntry(
            at=n.created_at,
            kind="note",
            label=n.get_kind_display(),
            who=str(n.author) if n.author_id else "—",
            text=n.body,
            css=f"note-{n.kind}",
        )
        for n in notes
        if n.kind not in ATTACHED_NOTE_KINDS
    ]
    open_hops = list(hops)
    previous_status = None
    rows = case.history.select_related("history_user").order_by("history_date", "history_id")
    for row in rows:
        reason = row.history_change_reason or ""
        name, _sep, text = reason.partition(": ")
        who = str(row.history_user) if row.history_user_id else "—"
        changed = previous_status is not None and previous_status != row.status
        status_change = (
            f"{status_labels.get(previous_status, previous_status)} → "
            f"{status_labels.get(row.status, row.status)}"
            if changed
            else ""
        )
        entry = TimelineEntry(at=row.history_date, kind="transition", label="", who=who)
        label = _transition_label(name)
        if row.history_type == "+":
            entry.label, entry.text = _("Case opened"), ""
        elif label is not None:
            entry.label, entry.text, entry.status_change = label, text, status_change
            entry.css = f"transition-{name}"
            note = _take(
                loose_notes,
                row.history_date,
                row.history_user_id,
                at=lambda n: n.created_at,
                by=lambda n: n.author_id,
                kind=NOTE_OF.get(name, "status"),
            )
            if note is not None:
                entry.text = note.body  # the whole comment (the reason is cut at 100)
                entry.css += f" note-{note.kind}"
            if name in ("escalate", "escalate_further"):
                hop = _take(
                    open_hops,
                    row.history_date,
                    row.history_user_id,
                    at=lambda h: h.requested_at,
                    by=lambda h: h.requested_by_id,
                )
                if hop is not None:
                    entry.details = _hop_details(hop)
                    entry.text = text if note is None else note.body
        else:
            entry.label, entry.text, entry.status_change = _("Edited"), reason, status_change
            entry.css = "edit"
        previous_status = row.status
        entries.append(entry)
    for note in loose_notes:
        entries.append(
            TimelineEntry(
                at=note.created_at,
                kind="note",
                label=note.get_kind_display(),
                who=str(note.author) if note.author_id else "—",
                text=note.body,
                css=f"note-{note.kind}",
            )
        )
    for hop in open_hops:
        entries.append(
            TimelineEntry(
                at=hop.requested_at,
                kind="escalation",
                label=_("Escalation"),
                who=str(hop.requested_by),
                details=_hop_details(hop),
                css="escalation",
            )
        )
    # several rungs can fire in one sweep: the ladder's order (the sort below is stable)
    for event in sorted(sla_events, key=lambda event: (event.fired_at, event.level)):
        entries.append(
            TimelineEntry(
                at=event.fired_at,
                kind="sla",
                label=f"{event.get_level_display()}: {event.timer.get_kind_display()}",
                who=_("System"),
                text=event.action,
                css=f"sla-level-{event.level}",
            )
        )
    order = {"sla": 0, "transition": 1, "escalation": 2, "note": 3}  # a breach, then its effect
    entries.sort(key=lambda e: (e.at, order[e.kind]))
    return entries
