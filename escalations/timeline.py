"""The case timeline: notes, transitions (the case's history rows with their reasons),
escalation hops and SLA events, in time order, in a constant number of queries.

A transition and what its service wrote with it (the comment, handoff or answer note, the hop
it opened: each stores the history row of the transition) are one entry: a supervisor reads one
line per event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from escalations.models import CaseStatus
from escalations.services import CASES


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
    try:
        return CASES.label(name)
    except KeyError:
        return None


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


def case_timeline(case, *, notes, hops, sla_events) -> list[TimelineEntry]:
    """``notes``, ``hops`` and ``sla_events``: what the case page already loaded (with their
    people and timers); this adds one query, the case's history rows with their users."""
    status_labels = dict(CaseStatus.choices)
    note_of = {n.transition_id: n for n in notes if n.transition_id is not None}
    hop_of = {h.transition_id: h for h in hops if h.transition_id is not None}
    shown: set[int] = set()  # notes and hops shown with their transition
    entries: list[TimelineEntry] = []
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
            note = note_of.get(row.history_id)
            if note is not None:
                entry.text = note.body  # the whole comment (the reason is cut at 100)
                entry.css += f" note-{note.kind}"
                shown.add(id(note))
            hop = hop_of.get(row.history_id)
            if hop is not None:
                entry.details = _hop_details(hop)
                shown.add(id(hop))
        else:
            entry.label, entry.text, entry.status_change = _("Edited"), reason, status_change
            entry.css = "edit"
        previous_status = row.status
        entries.append(entry)
    for note in notes:
        if id(note) not in shown:
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
    for hop in hops:
        if id(hop) in shown:
            continue
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
