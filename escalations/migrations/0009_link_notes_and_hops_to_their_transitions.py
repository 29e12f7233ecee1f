"""Notes and hops written before 0007 name no transition. Link them once, the way the timeline
used to guess: the transition's note of the expected kind, or its hop, written by the same
person within five seconds after the case's history row. From now on the services store the
link; nothing guesses any more."""

import datetime as dt

from django.db import migrations

SAME_EVENT = dt.timedelta(seconds=5)
NOTE_OF = {
    "escalate": "handoff",
    "escalate_further": "handoff",
    "return_to_owner": "answer",
    "acknowledge": "internal",
}
TRANSITIONS = {
    "start_work",
    "escalate",
    "escalate_further",
    "acknowledge",
    "return_to_owner",
    "wait_for_customer",
    "resume",
    "resolve",
    "close",
    "reopen",
}
BATCH = 2000


def _take(candidates, when, who_id, at, by, kind=None):
    for i, item in enumerate(candidates):
        if kind is not None and item.kind != kind:
            continue
        if by(item) == who_id and dt.timedelta(0) <= at(item) - when <= SAME_EVENT:
            return candidates.pop(i)
    return None


def link(apps, schema_editor):
    CaseNote = apps.get_model("escalations", "CaseNote")
    Escalation = apps.get_model("escalations", "Escalation")
    HistoricalCase = apps.get_model("escalations", "HistoricalCase")
    notes_by_case, hops_by_case = {}, {}
    for note in CaseNote.objects.filter(
        transition__isnull=True, kind__in=["status", "handoff", "answer", "internal"]
    ).order_by("case_id", "created_at", "pk"):
        notes_by_case.setdefault(note.case_id, []).append(note)
    for hop in Escalation.objects.filter(transition__isnull=True).order_by("case_id", "number"):
        hops_by_case.setdefault(hop.case_id, []).append(hop)
    case_ids = sorted(set(notes_by_case) | set(hops_by_case))
    linked_notes, linked_hops = [], []
    for start in range(0, len(case_ids), BATCH):
        chunk = case_ids[start : start + BATCH]
        rows = HistoricalCase.objects.filter(id__in=chunk, history_type="~").order_by(
            "id", "history_date", "history_id"
        )
        for row in rows.iterator():
            name = (row.history_change_reason or "").partition(": ")[0]
            if name not in TRANSITIONS:
                continue
            note = _take(
                notes_by_case.get(row.id, []),
                row.history_date,
                row.history_user_id,
                at=lambda n: n.created_at,
                by=lambda n: n.author_id,
                kind=NOTE_OF.get(name, "status"),
            )
            if note is not None:
                note.transition_id = row.history_id
                linked_notes.append(note)
            if name in ("escalate", "escalate_further"):
                hop = _take(
                    hops_by_case.get(row.id, []),
                    row.history_date,
                    row.history_user_id,
                    at=lambda h: h.requested_at,
                    by=lambda h: h.requested_by_id,
                )
                if hop is not None:
                    hop.transition_id = row.history_id
                    linked_hops.append(hop)
    # update() writes no history row: the link is bookkeeping, not a change of the note
    for note in linked_notes:
        CaseNote.objects.filter(pk=note.pk).update(transition_id=note.transition_id)
    for hop in linked_hops:
        Escalation.objects.filter(pk=hop.pk).update(transition_id=hop.transition_id)


class Migration(migrations.Migration):
    dependencies = [("escalations", "0008_notification_moved")]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
