"""``StateMachine.read_locked``'s ``draw``: expressions computed in the locked read itself (the
API escalate draws its keys and hop number so), handed once to the transition that follows and
only while the read's block is open; the kept read (``kit.compiled.read_one``) reads them as
the ORM does, and a read without them is kept apart."""

import pytest
from django.db import transaction
from django.db.models import F, Value

from escalations.models import Case
from escalations.services import CASES
from kit import compiled

DRAW = {"drawn_answer": Value(41) + 1, "drawn_tier": F("tier") * 10}


def read(case, *, kept: bool, draw=DRAW):
    return CASES.read_locked(
        Case.objects.all,
        kept_as=("test draw",) if kept else None,
        draw=draw,
        reference=case.reference,  # not a small number: found alone in the parameters
    )


@pytest.mark.parametrize("kept", [True, False])
def test_the_drawn_values_are_taken_once_inside_the_block(case, kept):
    compiled.forget_reads()
    for _ in range(2):  # compiled, then kept
        with transaction.atomic():
            locked = read(case, kept=kept)
            assert not hasattr(locked, "drawn_answer")  # not left on the row's fields
            assert CASES.take_drawn(locked) == {"drawn_answer": 42, "drawn_tier": 10}
            assert CASES.take_drawn(locked) == {}  # keys serve one write
    assert len(compiled._kept_reads) == kept

    with transaction.atomic():
        locked = read(case, kept=kept)
    assert CASES.take_drawn(locked) == {}  # its block ended: the row may have moved since


def test_a_read_without_draw_is_kept_apart(case):
    compiled.forget_reads()
    with transaction.atomic():
        assert CASES.take_drawn(read(case, kept=True))["drawn_answer"] == 42
        assert CASES.take_drawn(read(case, kept=True, draw=None)) == {}
        assert CASES.take_drawn(read(case, kept=True))["drawn_answer"] == 42
    assert len(compiled._kept_reads) == 2
