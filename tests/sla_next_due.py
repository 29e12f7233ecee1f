"""``Case.sla_next_due`` is the nearest deadline of the case's running SLA timers (empty when
none runs): the database keeps it (escalations/migrations/0021_case_sla_next_due.py). Checked
after every test that uses the database (``tests/conftest.py``), and by name in the timer
tests (``tests/escalations/test_sla_next_due_kept_in_step.py``)."""

from __future__ import annotations

from escalations.models import Case
from escalations.sla.selectors import with_sla


def out_of_step(*cases) -> list[tuple[int, object, object]]:
    """The cases (these, or all) whose stored deadline is not their running timers' nearest:
    ``(pk, stored, nearest)``."""
    rows = with_sla(Case.objects.all())
    if cases:
        rows = rows.filter(pk__in=[case.pk for case in cases])
    return [
        (pk, stored, nearest)
        for pk, stored, nearest in rows.order_by("pk").values_list("pk", "sla_next_due", "sla_due")
        if stored != nearest
    ]


def assert_sla_next_due(*cases) -> None:
    """After a timer path: each case's stored nearest deadline is its running timers' nearest."""
    wrong = out_of_step(*cases)
    assert not wrong, f"Case.sla_next_due out of step (pk, stored, running timers'): {wrong}"
