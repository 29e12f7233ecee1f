"""A note or a hop written by a transition stores the transition (the case's history row); the
timeline reads that link, not timestamps: a note written seconds later by the same person, but
not by the transition, stays a note of its own."""

import time_machine
from django.utils import timezone

from escalations import services
from escalations.models import CaseNote, Escalation, NoteKind
from escalations.timeline import case_timeline
from tests.factories import HANDOFF


def _timeline(case):
    return case_timeline(
        case,
        notes=list(case.notes.select_related("author")),
        hops=list(case.escalations.select_related("to_team", "to_user", "routed_from")),
        sla_events=[],
    )


def test_the_handoff_note_and_the_hop_name_the_escalation(case, operator, supervisor):
    hop = services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)

    row = case.history.latest()
    assert row.history_change_reason.startswith("escalate")
    handoff = CaseNote.objects.get(case=case, kind=NoteKind.HANDOFF)
    assert handoff.transition_id == row.history_id
    assert Escalation.objects.get(pk=hop.pk).transition_id == row.history_id


def test_a_note_added_right_after_a_transition_is_not_taken_for_its_comment(case, operator):
    with time_machine.travel(timezone.now(), tick=False):
        services.case_wait_for_customer(case=case, actor=operator, comment="お客様に確認中")
        services.case_add_note(case=case, actor=operator, kind=NoteKind.INTERNAL, body="別件のメモ")

    entries = _timeline(case)

    waiting = next(e for e in entries if e.css.startswith("transition-wait_for_customer"))
    assert waiting.text == "お客様に確認中"
    loose = [e for e in entries if e.kind == "note"]
    assert [e.text for e in loose] == ["別件のメモ"]
    plain = CaseNote.objects.get(body="別件のメモ")
    assert plain.transition_id is None
