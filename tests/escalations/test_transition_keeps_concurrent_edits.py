from escalations import services
from escalations.models import Case


def test_a_transition_on_a_stale_copy_does_not_undo_an_edit_made_meanwhile(case, operator):
    stale = Case.objects.get(pk=case.pk)
    services.case_update(case=Case.objects.get(pk=case.pk), actor=operator, subject="件名を修正")

    services.case_wait_for_customer(case=stale, actor=operator)

    case.refresh_from_db()
    assert case.status == "pending_customer"
    assert case.subject == "件名を修正"
    assert case.history.first().subject == "件名を修正"
